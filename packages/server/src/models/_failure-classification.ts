import { ModelError, type ModelErrorCode, type ModelErrorReason } from './model-error.js';

/** What a failed model call said about itself: the HTTP status and the error body's fields, when there were any. */
export interface FailureFacts {
  /** HTTP status; undefined for an error sent mid-stream or a connection failure. */
  status?: number;
  /** `error.type` of the body (`invalid_request_error`, `server_error`, `overloaded_error`, ...). */
  type?: string | null;
  /** `error.code` of the body (`context_length_exceeded`, `insufficient_quota`, ...); some servers put the status here. */
  code?: string | number | null;
  message?: string;
}

/** How a failure is reported and whether it is worth another attempt. */
export interface FailureClass {
  code: ModelErrorCode;
  reason: ModelErrorReason;
  retryable: boolean;
}

// OpenAI says `context_length_exceeded` and llama.cpp `exceed_context_size_error`; vLLM, LM Studio,
// Anthropic and gateways only say it in words.
const CONTEXT_TOO_LONG =
  /context[_ ](?:length|window|size)|maximum context|prompt is too long|too many tokens|reduce the length|exceeds? .{0,40}context/i;
const SERVER_TYPES = new Set(['server_error', 'api_error', 'internal_error', 'internal_server_error', 'service_unavailable']);

/**
 * Classifies a failure the way every provider here reports it: rate limits (429) and overloads
 * (503, 529) are retryable with their own codes; a spent quota is a rate limit that waiting does
 * not fix; authentication, permission, unknown models and prompts longer than the context window
 * are not retryable; other 5xx and 408/409 are. Mid-stream errors carry no status, so their body
 * decides: the server accepted the request, so unknown ones are taken as server-side.
 */
export function classifyFailure(facts: FailureFacts): FailureClass {
  const type = facts.type ?? '';
  const code = facts.code === null || facts.code === undefined ? '' : String(facts.code);
  const status = facts.status ?? (/^[1-5]\d\d$/.test(code) ? Number(code) : undefined);
  const message = facts.message ?? '';
  if (code === 'insufficient_quota' || type === 'insufficient_quota') {
    return { code: 'rate_limited', reason: 'quota_exceeded', retryable: false };
  }
  const serverFault = status !== undefined && status >= 500;
  if (code === 'context_length_exceeded' || type === 'exceed_context_size_error' || status === 413 || (!serverFault && CONTEXT_TOO_LONG.test(message))) {
    return { code: 'model_error', reason: 'context_too_long', retryable: false };
  }
  if (status === 429 || type === 'rate_limit_error' || code === 'rate_limit_exceeded') {
    return { code: 'rate_limited', reason: 'rate_limited', retryable: true };
  }
  if (status === 503 || status === 529 || type === 'overloaded_error' || /overloaded/i.test(message)) {
    return { code: 'overloaded', reason: 'overloaded', retryable: true };
  }
  if (status === 408 || type === 'timeout_error') return { code: 'timeout', reason: 'timeout', retryable: true };
  if (status === 401 || type === 'authentication_error' || code === 'invalid_api_key') {
    return { code: 'model_error', reason: 'authentication', retryable: false };
  }
  if (status === 403 || type === 'permission_error') return { code: 'model_error', reason: 'permission', retryable: false };
  if (status === 404 || type === 'not_found_error' || code === 'model_not_found') {
    return { code: 'model_error', reason: 'not_found', retryable: false };
  }
  if (status === 409 || (status !== undefined && status >= 500)) return { code: 'model_error', reason: 'server_error', retryable: true };
  if (status === undefined) {
    const serverSide = SERVER_TYPES.has(type) || !/invalid|bad_?request/i.test(type);
    return { code: 'model_error', reason: serverSide ? 'server_error' : 'invalid_request', retryable: serverSide };
  }
  return { code: 'model_error', reason: 'invalid_request', retryable: false };
}

/** A classified failure as a `ModelError`, with the HTTP status and request id when the response had them. */
export function classifiedModelError(
  failure: FailureClass,
  message: string,
  cause: unknown,
  response: { status?: number | undefined; requestId?: string | undefined } = {},
): ModelError {
  return new ModelError(failure.code, message, {
    retryable: failure.retryable,
    reason: failure.reason,
    cause,
    ...(response.status === undefined ? {} : { status: response.status }),
    ...(response.requestId === undefined ? {} : { requestId: response.requestId }),
  });
}

/** A failure that is not the model's: a bug or an unexpected value, never retried. */
export function internalModelError(error: unknown, message = error instanceof Error ? error.message : String(error)): ModelError {
  return new ModelError('internal', message, { cause: error });
}
