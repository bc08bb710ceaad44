import type { SessionClientError } from './client-errors.js';

/**
 * - `connecting`: the first connection is being opened;
 * - `live`: the handshake is done and frames flow;
 * - `reconnecting`: the connection dropped and a retry is scheduled or under way;
 * - `unreachable`: the device is online but the server has not answered several attempts in a
 *   row (`unreachableAfterAttempts`): an outage, not a blip; retries go on;
 * - `offline`: the device reports no network, the server refused to have us back, or the
 *   client was closed.
 */
export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting' | 'unreachable' | 'offline';

/** What the last reconnect replayed: events applied to catch up with the log heads, and when it finished. */
export interface ResumeReport {
  caughtUp: number;
  /** Milliseconds since the Unix epoch. */
  at: number;
}

/** A snapshot of a client's connection; a new object whenever anything in it changes. */
export interface ConnectionState {
  status: ConnectionStatus;
  /** Reconnect attempts since the connection was last live (0 while live). */
  attempt: number;
  /** Set once a reconnect has caught up every subscribed session. */
  lastResume?: ResumeReport;
  /** Client messages sent or waiting to be sent that the server has not acknowledged yet. */
  queued: number;
  /** While not live: when the connection was lost (ms since the Unix epoch), so a UI can say "since 14:02". */
  downSince?: number;
  /**
   * The transport in use: `websocket`, or `sse` (SSE + POST), chosen with the `transport`
   * option or, with `auto`, fallen back to after the server refused the WebSocket upgrade.
   * A `SessionClient` always sets it; it is absent only from placeholders made before a client
   * exists (a server render).
   */
  transport?: 'websocket' | 'sse';
  /** The last connection-level problem (an invalid frame, a refused handshake). */
  error?: SessionClientError;
}
