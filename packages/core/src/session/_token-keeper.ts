import * as z from 'zod/mini';
import type { ClientFrame, ServerFrameOf } from '../protocol/index.js';
import { SessionClientError } from './client-errors.js';
import type { SessionEntry } from './_session-entry.js';
import { tokenExpiry } from './_token-expiry.js';

const TokenSchema = z.string().check(z.minLength(1), z.maxLength(4096));
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Never refresh a token more often than this, even if the server keeps handing out short ones. */
const MIN_REFRESH_DELAY_MS = 1_000;

/** What the keeper knows of one session's token. */
interface Grant {
  token: string | undefined;
  /** Set when the server refused the token held: the next subscribe asks `getToken` again. */
  stale: boolean;
  /** Seconds since the Unix epoch when the current token expires. */
  expiresAt: number | undefined;
  /** Lifetime of the last token, to estimate the next one's when it is not a JWT. */
  lifetimeMs: number | undefined;
  /** `unauthorized` answers since the last grant; one is retried with a fresh token. */
  refusals: number;
  refreshTimer: ReturnType<typeof setTimeout> | undefined;
}

/** What the keeper needs from its client. */
export interface TokenKeeperHost {
  /** The current socket's generation (see `Connection.generation`). */
  readonly generation: number;
  /** True while `entry` is subscribed and live on the socket of `generation`. */
  isLive(entry: SessionEntry, generation: number): boolean;
  send(frame: ClientFrame): void;
  /** Told about refreshes that failed (the subscription goes on until the server expires it). */
  onError(error: SessionClientError): void;
}

/**
 * Each session's token: a fixed one, or one asked of `getToken` when needed and refreshed on
 * the live socket before it expires; what the server granted with it (capabilities, expiry); and
 * one fresh try when the server refuses it.
 */
export class TokenKeeper {
  readonly #host: TokenKeeperHost;
  readonly #grants = new WeakMap<SessionEntry, Grant>();

  constructor(host: TokenKeeperHost) {
    this.#host = host;
  }

  /** The token to subscribe with: the fixed one, the one held while it is good, else a fresh one from `getToken`. */
  async token(entry: SessionEntry): Promise<string> {
    const auth = entry.auth;
    if ('token' in auth) return auth.token;
    const grant = this.#grant(entry);
    const expiring = grant.expiresAt !== undefined && grant.expiresAt * 1000 <= Date.now() + MIN_REFRESH_DELAY_MS;
    if (grant.token !== undefined && !grant.stale && !expiring) return grant.token;
    const token = TokenSchema.safeParse(await auth.getToken(entry.id));
    if (!token.success) {
      throw new SessionClientError('invalid_argument', 'getToken: must return a non-empty string of at most 4096 characters', {
        field: 'getToken',
        session: entry.id,
      });
    }
    grant.token = token.data;
    grant.stale = false;
    grant.expiresAt = tokenExpiry(token.data) ?? grant.expiresAt;
    return token.data;
  }

  /** The server accepted the token (`subscribed`): keep its grant and refresh before it expires. */
  granted(entry: SessionEntry, frame: ServerFrameOf<'subscribed'>): void {
    const grant = this.#grant(entry);
    entry.capabilities = frame.capabilities;
    grant.expiresAt = frame.expiresAt;
    grant.lifetimeMs = Math.max(0, frame.expiresAt * 1000 - Date.now());
    grant.refusals = 0;
    this.#scheduleRefresh(entry, grant);
  }

  /** The server said `unauthorized`: true when a fresh token is worth a try (once per grant, with `getToken`). */
  retryRefused(entry: SessionEntry): boolean {
    const grant = this.#grant(entry);
    if (!('getToken' in entry.auth) || grant.refusals >= 1) return false;
    grant.refusals += 1;
    grant.stale = true;
    return true;
  }

  /** The token held may no longer be good (refused, or new auth given): the next subscribe asks for a fresh one. */
  distrust(entry: SessionEntry): void {
    this.#grant(entry).stale = true;
  }

  /** Stops refreshing (the session is no longer live on this socket). */
  stop(entry: SessionEntry): void {
    const grant = this.#grants.get(entry);
    if (grant?.refreshTimer !== undefined) clearTimeout(grant.refreshTimer);
    if (grant) grant.refreshTimer = undefined;
  }

  #grant(entry: SessionEntry): Grant {
    let grant = this.#grants.get(entry);
    if (!grant) {
      grant = { token: undefined, stale: false, expiresAt: undefined, lifetimeMs: undefined, refusals: 0, refreshTimer: undefined };
      this.#grants.set(entry, grant);
    }
    return grant;
  }

  #scheduleRefresh(entry: SessionEntry, grant: Grant): void {
    this.stop(entry);
    if (!('getToken' in entry.auth) || grant.expiresAt === undefined) return;
    const remaining = grant.expiresAt * 1000 - Date.now();
    // Refresh with a fifth of the lifetime (at most a minute) to spare.
    const delay = Math.max(MIN_REFRESH_DELAY_MS, remaining - Math.min(60_000, remaining * 0.2));
    grant.refreshTimer = setTimeout(() => void this.#refresh(entry, grant), Math.min(delay, MAX_TIMER_MS));
  }

  async #refresh(entry: SessionEntry, grant: Grant): Promise<void> {
    grant.refreshTimer = undefined;
    const auth = entry.auth;
    if (!('getToken' in auth)) return;
    const generation = this.#host.generation;
    let token: string;
    try {
      const parsed = TokenSchema.safeParse(await auth.getToken(entry.id));
      if (!parsed.success) throw new Error('getToken must return a non-empty string of at most 4096 characters');
      token = parsed.data;
    } catch (error) {
      // The server will expire the subscription and say `unauthorized`; the client asks again then.
      this.#host.onError(new SessionClientError('unauthorized', `token refresh failed: ${String(error)}`, { session: entry.id, field: 'getToken' }));
      return;
    }
    if (!this.#host.isLive(entry, generation)) return;
    grant.token = token;
    // The server does not answer `refresh`; the new expiry comes from the token, or is assumed to match the last lifetime.
    grant.expiresAt = tokenExpiry(token) ?? Math.floor((Date.now() + (grant.lifetimeMs ?? 0)) / 1000);
    this.#host.send({ type: 'refresh', session: entry.id, token });
    this.#scheduleRefresh(entry, grant);
  }
}
