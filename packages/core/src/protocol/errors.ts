import * as z from 'zod/mini';
// English messages before anything is parsed (see the file).
import './_english-messages.js';

/** Machine-readable codes carried by `error` frames and HTTP error bodies. */
export const ErrorCodeSchema = z.enum([
  /** The frame is not JSON or does not match the schema; `field` names the offending path. */
  'bad_frame',
  /** The frame exceeds the server's size limit. */
  'frame_too_large',
  /** The client speaks a protocol version the server does not. */
  'unsupported_version',
  /** A frame other than `hello` arrived before the handshake. */
  'handshake_required',
  /** The token is missing, malformed, badly signed or expired. */
  'unauthorized',
  /** The token is valid but lacks the capability or names another session. */
  'forbidden',
  /** Too many frames per second on this connection. */
  'rate_limited',
  /** The session or run does not exist. */
  'not_found',
  /** The event targets a run that has ended (the fence), or conflicts with stored state. */
  'conflict',
  /** The server failed; nothing was stored. */
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

/** WebSocket close codes used by the server (4000-4999 are application codes). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  /** Origin not allowed, or policy violation. */
  policy: 1008,
  /** Frame larger than the limit. */
  tooLarge: 1009,
  /** Handshake refused: unsupported protocol version. */
  unsupportedVersion: 4000,
  /** Handshake refused: bad or expired token. */
  unauthorized: 4001,
  /** No frame (not even a ping) within the idle timeout. */
  idleTimeout: 4002,
  /** Too many consecutive protocol violations or rate-limit breaches. */
  abuse: 4003,
  /** The server is shutting down; reconnect (possibly to another node). */
  restarting: 4004,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** A protocol failure with a code and, where it applies, the path of the offending field. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * Turns a zod failure into a `ProtocolError` whose message names the first offending field.
 * Accepts errors of classic zod and zod/mini alike (both are `$ZodError`s).
 */
export function protocolErrorFromZod(error: z.core.$ZodError, prefix = ''): ProtocolError {
  const issue = error.issues[0];
  const path = [prefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join('.');
  const message = issue ? `${path || '(root)'}: ${issue.message}` : 'invalid input';
  return new ProtocolError('bad_frame', message, path || undefined);
}
