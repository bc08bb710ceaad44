import { APICallError, RetryError } from 'ai';
import { classifiedModelError, classifyFailure, internalModelError, type FailureFacts } from './_failure-classification.js';
import { ModelError } from './model-error.js';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** `{ message, type, code }` out of an error body, whether nested under `error` (OpenAI, Anthropic) or not. */
function bodyFacts(body: unknown): Omit<FailureFacts, 'status'> {
  const inner = isRecord(body) && isRecord(body.error) ? body.error : body;
  if (!isRecord(inner)) return {};
  const code = inner.code;
  return {
    ...(typeof inner.type === 'string' ? { type: inner.type } : {}),
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(typeof inner.message === 'string' ? { message: inner.message } : {}),
  };
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Turns what `streamText` reported into a typed `ModelError`: an `APICallError` (HTTP failure),
 * a `RetryError` wrapping the last one (the SDK's retries ran out), or the bare error object a
 * provider streams when the server fails mid-stream.
 */
export function toModelErrorFromAiSdk(error: unknown): ModelError {
  if (error instanceof ModelError) return error;
  const last = RetryError.isInstance(error) ? error.lastError : error;
  if (APICallError.isInstance(last)) {
    const status = last.statusCode;
    const body = bodyFacts(last.data ?? parseJson(last.responseBody));
    const classified =
      status === undefined && body.type === undefined && body.code === undefined
        ? // No response at all: the connection failed. The SDK marks these retryable.
          ({ code: 'model_error', reason: 'connection', retryable: last.isRetryable } as const)
        : classifyFailure({ ...body, message: body.message ?? last.message, ...(status === undefined ? {} : { status }) });
    const requestId = last.responseHeaders?.['x-request-id'] ?? last.responseHeaders?.['request-id'];
    const message = RetryError.isInstance(error) ? error.message : last.message;
    return classifiedModelError(classified, message, error, { status, requestId });
  }
  const facts = bodyFacts(last);
  if (facts.type !== undefined || facts.code !== undefined) {
    // An error object a provider passed on from the stream itself: no status, the body decides.
    return classifiedModelError(classifyFailure(facts), facts.message ?? `stream error: ${String(facts.type ?? facts.code)}`, error);
  }
  return internalModelError(error, last instanceof Error ? last.message : isRecord(last) && typeof last.message === 'string' ? last.message : String(last));
}
