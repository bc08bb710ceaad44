import type { RunError } from '@marketing-team/core';

/** Why a model call failed, in the vocabulary of `task.failed` / `run.failed` events. */
export type ModelErrorCode = RunError['code'];

/**
 * A finer cause than `code`, for the host's own handling (a wrong key and a prompt that is too
 * long both fail a task with `model_error`, but only one is the operator's to fix).
 */
export type ModelErrorReason =
  | 'authentication'
  | 'permission'
  | 'not_found'
  | 'context_too_long'
  | 'invalid_request'
  | 'quota_exceeded'
  | 'rate_limited'
  | 'overloaded'
  | 'timeout'
  | 'server_error'
  | 'connection';

/**
 * A model call that finally failed (after the provider's own retries, when the failure was
 * retryable). Carries a typed code the runtime copies into `task.failed`.
 */
export class ModelError extends Error {
  override readonly name = 'ModelError';
  constructor(
    readonly code: ModelErrorCode,
    message: string,
    readonly options: {
      /** Whether trying again later could succeed. */
      retryable?: boolean;
      /** HTTP status of the failed response, when there was one. */
      status?: number;
      /** The provider's request id, for support tickets. */
      requestId?: string;
      /** The finer cause, when the provider could tell. */
      reason?: ModelErrorReason;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }

  /** True when trying again later could succeed. */
  get retryable(): boolean {
    return this.options.retryable ?? false;
  }

  /** The finer cause (`authentication`, `context_too_long`, ...), when the provider could tell. */
  get reason(): ModelErrorReason | undefined {
    return this.options.reason;
  }

  /** The error as carried by a `task.failed` event. */
  toRunError(): RunError {
    return { code: this.code, message: this.message.slice(0, 2000), retryable: this.retryable };
  }
}
