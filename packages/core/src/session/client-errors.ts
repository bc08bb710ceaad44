import type { ErrorCode } from '../protocol/index.js';

/**
 * Why a `SessionClient` call failed: a server `error` code, or one of the client's own:
 * - `invalid_argument`: an argument failed validation (`field` names it);
 * - `invalid_frame`: the server sent a frame that does not match the protocol (it was not applied);
 * - `released`: the session handle was released before the server answered;
 * - `closed`: the client was closed before the server answered.
 */
export type SessionClientErrorCode = ErrorCode | 'invalid_argument' | 'invalid_frame' | 'released' | 'closed';

/** A typed failure of a `SessionClient` call or frame. */
export class SessionClientError extends Error {
  override readonly name = 'SessionClientError';
  constructor(
    readonly code: SessionClientErrorCode,
    message: string,
    readonly details: { field?: string; session?: string; clientMsgId?: string } = {},
  ) {
    super(message);
  }

  /** Path of the offending field, when the failure names one. */
  get field(): string | undefined {
    return this.details.field;
  }

  /** Session the failure belongs to, when it belongs to one. */
  get session(): string | undefined {
    return this.details.session;
  }
}
