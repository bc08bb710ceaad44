import {
  SessionClientError,
  type Capability,
  type ConnectionState,
  type SessionClient,
  type SessionHandle,
  type SessionState,
  type SessionViewer,
} from '@marketing-team/core/client';
import { EMPTY_SESSION_STATE, INITIAL_CONNECTION } from './_initial-state.js';

/** Where tokens come from: a fixed token, a callback, or neither (the session is then refused). */
export interface AuthSource {
  token?: string | undefined;
  getToken?: ((session: string) => string | Promise<string>) | undefined;
}

/** Everything about a session that is not its reduced state; one object until something in it changes. */
export interface SessionMeta {
  capabilities: readonly Capability[];
  error: SessionClientError | undefined;
  viewers: readonly SessionViewer[];
  /** Set once the server accepted the subscription. */
  epoch: string | undefined;
}

interface Entry {
  handle: SessionHandle;
  refs: number;
  releaseTimer: ReturnType<typeof setTimeout> | undefined;
  meta: SessionMeta;
}

const EMPTY_META: SessionMeta = Object.freeze({ capabilities: [], error: undefined, viewers: [], epoch: undefined });
const NOOP = (): void => undefined;

/**
 * One provider's shared `SessionClient` and its ref-counted session handles. Nothing here runs
 * during render: the client is created on the first subscription (a commit-phase effect), and
 * releases are deferred by a task, so StrictMode's unmount-remount and a component moving in the
 * tree keep the same subscription instead of unsubscribing and subscribing again.
 */
export class SessionRegistry {
  readonly #createClient: (() => SessionClient) | undefined;
  readonly #owned: boolean;
  #client: SessionClient | undefined;
  readonly #entries = new Map<string, Entry>();
  readonly #clientListeners = new Set<() => void>();
  #defaultAuth: AuthSource = {};
  readonly #sessionAuth = new Map<string, AuthSource>();
  #retainers = 0;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(source: { client: SessionClient } | { createClient: () => SessionClient }) {
    if ('client' in source) {
      this.#client = source.client;
      this.#owned = false;
      this.#createClient = undefined;
    } else {
      this.#owned = true;
      this.#createClient = source.createClient;
    }
  }

  /** True when this registry created its client (and so closes it). */
  get owned(): boolean {
    return this.#owned;
  }

  // ---- provider lifetime ----

  /** Marks the provider mounted; the returned function marks it unmounted (the owned client closes a task later). */
  retain(): () => void {
    this.#retainers += 1;
    if (this.#closeTimer !== undefined) clearTimeout(this.#closeTimer);
    this.#closeTimer = undefined;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#retainers -= 1;
      if (this.#retainers > 0) return;
      this.#closeTimer = setTimeout(() => {
        this.#closeTimer = undefined;
        if (this.#retainers === 0) this.dispose();
      }, 0);
    };
  }

  /** Releases every handle and, if this registry created the client, closes it. A later subscription starts over. */
  dispose(): void {
    for (const entry of this.#entries.values()) {
      if (entry.releaseTimer !== undefined) clearTimeout(entry.releaseTimer);
      entry.handle.release();
    }
    this.#entries.clear();
    if (this.#owned && this.#client) {
      this.#client.close();
      this.#client = undefined;
      this.#notifyClient();
    }
  }

  // ---- auth ----

  setDefaultAuth(auth: AuthSource): void {
    this.#defaultAuth = auth;
  }

  /** Sets the auth of one session (over the provider's); the returned function removes it again. */
  setSessionAuth(session: string, auth: AuthSource): () => void {
    this.#sessionAuth.set(session, auth);
    return () => {
      if (this.#sessionAuth.get(session) === auth) this.#sessionAuth.delete(session);
    };
  }

  /** Resolves a token at the moment the client needs one, so a new `token` prop is used from the next refresh. */
  readonly resolveToken = (session: string): string | Promise<string> => {
    const own = this.#sessionAuth.get(session);
    const auth = own && (own.token !== undefined || own.getToken !== undefined) ? own : this.#defaultAuth;
    if (auth.getToken) return auth.getToken(session);
    if (auth.token !== undefined) return auth.token;
    throw new SessionClientError('unauthorized', `no token for session "${session}": give MarketingTeamProvider, MarketingTeamSession or useSession a token or getToken`, {
      session,
      field: 'token',
    });
  };

  // ---- the client ----

  /** The client, created on first use. Call only from effects and event handlers, never during render. */
  client(): SessionClient {
    if (!this.#client) {
      this.#client = this.#createClient!();
      this.#notifyClient();
    }
    return this.#client;
  }

  /** The client if it exists; safe during render. */
  readonly peekClient = (): SessionClient | undefined => this.#client;

  /** Creates the client if needed and calls `listener` when it is replaced or closed. */
  readonly subscribeClient = (listener: () => void): (() => void) => {
    this.#clientListeners.add(listener);
    this.client();
    return () => {
      this.#clientListeners.delete(listener);
    };
  };

  #notifyClient(): void {
    for (const listener of [...this.#clientListeners]) listener();
  }

  readonly getConnection = (): ConnectionState => this.#client?.getConnection() ?? INITIAL_CONNECTION;

  readonly subscribeConnection = (listener: () => void): (() => void) => {
    const client = this.client();
    const off = client.subscribeConnection(listener);
    // The connection object of a new client differs from the last one seen: tell React.
    const offClient = this.#onClientChange(listener);
    return () => {
      off();
      offClient();
    };
  };

  #onClientChange(listener: () => void): () => void {
    this.#clientListeners.add(listener);
    return () => {
      this.#clientListeners.delete(listener);
    };
  }

  // ---- sessions ----

  /** Holds a reference on a session (subscribing it if needed); the returned function drops it, one task later. */
  acquire(session: string): { handle: SessionHandle; release: () => void } {
    let entry = this.#entries.get(session);
    if (entry && entry.handle.released) {
      this.#entries.delete(session);
      entry = undefined;
    }
    if (!entry) {
      const handle = this.client().session(session, { getToken: this.resolveToken });
      entry = { handle, refs: 0, releaseTimer: undefined, meta: EMPTY_META };
      this.#entries.set(session, entry);
    }
    const held = entry;
    held.refs += 1;
    if (held.releaseTimer !== undefined) clearTimeout(held.releaseTimer);
    held.releaseTimer = undefined;
    let released = false;
    return {
      handle: held.handle,
      release: () => {
        if (released) return;
        released = true;
        held.refs -= 1;
        if (held.refs > 0) return;
        held.releaseTimer = setTimeout(() => {
          held.releaseTimer = undefined;
          if (held.refs > 0 || this.#entries.get(session) !== held) return;
          this.#entries.delete(session);
          held.handle.release();
        }, 0);
      },
    };
  }

  /** Subscribes `listener` to a session's changes, holding a reference while subscribed. */
  subscribe(session: string, listener: () => void): () => void {
    const { handle, release } = this.acquire(session);
    let off = NOOP;
    try {
      off = handle.subscribe(listener);
    } catch (error) {
      release();
      throw error;
    }
    return () => {
      off();
      release();
    };
  }

  /** The reduced state of a session, or the empty state before it is subscribed; safe during render. */
  getState(session: string): SessionState {
    return this.#entries.get(session)?.handle.getState() ?? EMPTY_SESSION_STATE;
  }

  /** Capabilities, error, viewers and epoch of a session: a stable object until one of them changes. */
  getMeta(session: string): SessionMeta {
    const entry = this.#entries.get(session);
    if (!entry) return EMPTY_META;
    const { handle, meta } = entry;
    if (meta.capabilities === handle.capabilities && meta.error === handle.error && meta.viewers === handle.viewers && meta.epoch === handle.epoch) {
      return meta;
    }
    entry.meta = { capabilities: handle.capabilities, error: handle.error, viewers: handle.viewers, epoch: handle.epoch };
    return entry.meta;
  }

  /** Runs `work` with the session's handle, holding a reference until it settles. */
  async withHandle<T>(session: string, work: (handle: SessionHandle) => Promise<T>): Promise<T> {
    const { handle, release } = this.acquire(session);
    try {
      return await work(handle);
    } finally {
      release();
    }
  }
}

export { EMPTY_META };
