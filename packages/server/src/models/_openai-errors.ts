import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { classifiedModelError, classifyFailure, internalModelError, type FailureClass } from './_failure-classification.js';
import { retryAfterFromHeaders } from './_backoff.js';
import { ModelError } from './model-error.js';

function classify(error: APIError): FailureClass {
  if (error instanceof APIConnectionTimeoutError) return { code: 'timeout', reason: 'timeout', retryable: true };
  if (error instanceof APIConnectionError) return { code: 'model_error', reason: 'connection', retryable: true };
  return classifyFailure({
    ...(typeof error.status === 'number' ? { status: error.status } : {}),
    type: error.type ?? null,
    code: error.code ?? null,
    message: error.message,
  });
}

/** Whether an `openai` SDK error (HTTP, connection, or an `{"error": …}` line mid-stream) is worth another attempt. */
export function isRetryableOpenAIError(error: unknown): boolean {
  return error instanceof APIError && classify(error).retryable;
}

/** The server's requested wait in milliseconds, when it sent one. */
export function openAIRetryAfterMs(error: unknown): number | undefined {
  return error instanceof APIError ? retryAfterFromHeaders(error.headers) : undefined;
}

/** A short human-readable reason for a `retry` event. */
export function openAIRetryReason(error: unknown): string {
  if (error instanceof APIConnectionError) return 'connection error';
  if (error instanceof APIError) {
    const detail = error.code ?? error.type;
    if (error.status === undefined) return `stream error: ${detail ?? 'unknown'}`;
    return `HTTP ${error.status}${detail ? ` ${detail}` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Turns a final `openai` SDK failure into a typed `ModelError`. */
export function toModelErrorFromOpenAI(error: unknown): ModelError {
  if (error instanceof ModelError) return error;
  if (error instanceof APIError) {
    const status = typeof error.status === 'number' ? error.status : undefined;
    return classifiedModelError(classify(error), error.message, error, { status, requestId: error.requestID ?? undefined });
  }
  return internalModelError(error);
}
