import { ProtocolError, type ErrorCode, type ServerFrameOf } from '@marketing-team/core';

/** HTTP status for each protocol error code. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_frame: 400,
  frame_too_large: 413,
  unsupported_version: 400,
  handshake_required: 400,
  unauthorized: 401,
  forbidden: 403,
  rate_limited: 429,
  not_found: 404,
  conflict: 409,
  internal: 500,
};

/** Turns any thrown value into an `error` frame; unknown failures become `internal` without details. */
export function errorFrame(
  error: unknown,
  context: { session?: string; clientMsgId?: string } = {},
  onInternal?: (error: unknown) => void,
): ServerFrameOf<'error'> {
  const frame: ServerFrameOf<'error'> =
    error instanceof ProtocolError
      ? { type: 'error', code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) }
      : { type: 'error', code: 'internal', message: 'the server failed; nothing was stored' };
  if (!(error instanceof ProtocolError)) onInternal?.(error);
  if (context.session !== undefined) frame.session = context.session;
  if (context.clientMsgId !== undefined) frame.clientMsgId = context.clientMsgId;
  return frame;
}
