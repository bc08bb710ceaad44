import type { SessionClientError } from './client-errors.js';

/**
 * - `connecting`: the first connection is being opened;
 * - `live`: the handshake is done and frames flow;
 * - `reconnecting`: the connection dropped and a retry is scheduled or under way;
 * - `offline`: the device reports no network, reconnecting has failed for longer than
 *   `offlineAfterMs`, the server refused to have us back, or the client was closed.
 */
export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting' | 'offline';

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
  /** The last connection-level problem (an invalid frame, a refused handshake). */
  error?: SessionClientError;
}
