import type { Capability, ServerFrameOf, SessionState } from '../protocol/index.js';
import type { SessionClientError } from './client-errors.js';
import { createSessionState } from './reducer.js';

/** How a session handle authenticates: a fixed token, or a callback asked for a fresh one when needed. */
export type SessionAuth = { token: string } | { getToken: (session: string) => string | Promise<string> };

/** Client-side record of one subscribed session, shared by every handle on it. */
export class SessionEntry {
  state: SessionState = createSessionState();
  epoch: string | undefined;
  capabilities: readonly Capability[] = [];
  error: SessionClientError | undefined;
  /** `subscribing` from the `subscribe` frame (or the token fetch before it) until `subscribed`. */
  phase: 'idle' | 'subscribing' | 'live' = 'idle';
  /** Progress of the reconnect under way: the log head to reach and the events applied so far. */
  resume: { head: number; caughtUp: number } | undefined;
  /**
   * The log head the server named in the first `subscribed` frame of this epoch: events up to
   * it were history when this client arrived, events after it happened while it watched.
   */
  historyHead: number | undefined;
  /** The state exactly at `historyHead` (what was history), kept once the client gets there. */
  historyState: SessionState | undefined;
  /** Set from a digest mismatch until the snapshot that replaces the state arrives (protocol section 3.10). */
  recovering = false;
  /** Who else watches, from the last `presence` frame (beside the log, never in it). */
  viewers: ServerFrameOf<'presence'>['viewers'] = [];
  refs = 0;
  /** Settles once the local cache was read (state and durable outbox); a subscribe waits for it. */
  restored: Promise<void> | undefined;
  readonly #listeners = new Set<() => void>();

  constructor(
    readonly id: string,
    public auth: SessionAuth,
  ) {}

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Calls every listener; one that throws is reported and does not stop the others. */
  notify(report: (error: unknown) => void): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch (error) {
        report(error);
      }
    }
  }

  clearListeners(): void {
    this.#listeners.clear();
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }
}
