import type { Capability, SessionState } from '@marketing-team/core/client';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ConnectionInfo, SessionAuth, WidgetClient, WidgetSessionHandle } from './types.js';

/** What a `SessionController` binds to. */
export interface SessionBinding {
  client: WidgetClient;
  session: string;
  auth: SessionAuth;
}

/**
 * Binds a Lit element to a session of core's `SessionClient`: subscribes while the host is
 * connected and hands it the latest reduced state and connection facts. Notifications are
 * coalesced to one host update per animation frame, so a burst of tokens renders once.
 * State lives in the client; the controller only holds the latest reference to it.
 */
export class SessionController implements ReactiveController {
  /** The reduced session state as of the last frame (undefined before binding). */
  state: SessionState | undefined;
  /** The connection as of the last frame. */
  connection: ConnectionInfo | undefined;
  /**
   * Whether `state` holds all the history found at subscribe (so later changes are news).
   * Handles that cannot tell count as caught up from their first state.
   */
  caughtUp = false;
  /** The bound session handle, for sending briefs, cancels, steers and reviews. */
  handle: WidgetSessionHandle | undefined;

  private readonly host: ReactiveControllerHost;
  private binding: SessionBinding | undefined;
  private unsubscribers: (() => void)[] = [];
  private frame: number | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private connected = false;

  constructor(host: ReactiveControllerHost) {
    this.host = host;
    host.addController(this);
  }

  /** What the token allows (empty until the server has said). */
  get capabilities(): readonly Capability[] {
    return this.handle?.capabilities ?? [];
  }

  /**
   * Binds to a session (or unbinds with `undefined`). Rebinding to the same client, session
   * and auth is a no-op, so it is safe to call from every `willUpdate`.
   */
  bind(binding: SessionBinding | undefined): void {
    const current = this.binding;
    if (
      current &&
      binding &&
      current.client === binding.client &&
      current.session === binding.session &&
      sameAuth(current.auth, binding.auth)
    ) {
      return;
    }
    this.release();
    this.binding = binding;
    if (this.connected) this.attach();
  }

  hostConnected(): void {
    this.connected = true;
    this.attach();
  }

  hostDisconnected(): void {
    // Leaving the page only stops watching; the run goes on on the server.
    this.connected = false;
    this.release();
  }

  private attach(): void {
    const binding = this.binding;
    if (!binding || this.handle) return;
    this.handle = binding.client.session(binding.session, binding.auth);
    this.unsubscribers = [
      this.handle.subscribe(() => this.schedule()),
      binding.client.subscribeConnection(() => this.connectionChanged()),
    ];
    this.flush();
  }

  private release(): void {
    for (const unsubscribe of this.unsubscribers) unsubscribe();
    this.unsubscribers = [];
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.frame = undefined;
    this.timer = undefined;
    this.handle?.release?.();
    this.handle = undefined;
    this.caughtUp = false;
  }

  private connectionChanged(): void {
    // Status changes are rare and must never be lost between two frames (a quick reconnect
    // still shows and fires as reconnecting), so they update at once; the rest waits a frame.
    const status = this.binding?.client.getConnection().status;
    if (status !== this.connection?.status) this.flush();
    else this.schedule();
  }

  private schedule(): void {
    if (this.frame !== undefined || this.timer !== undefined) return;
    // Hidden tabs get no animation frames; a slow timer keeps their state (and events) current.
    if (typeof document !== 'undefined' && document.visibilityState === 'hidden') {
      this.timer = setTimeout(() => this.flush(), 250);
    } else {
      this.frame = requestAnimationFrame(() => this.flush());
    }
  }

  private flush(): void {
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.frame = undefined;
    this.timer = undefined;
    const handle = this.handle;
    const client = this.binding?.client;
    if (!handle || !client) return;
    this.state = handle.getState();
    this.caughtUp = handle.caughtUp ?? true;
    const connection = client.getConnection();
    // Keep the old object when nothing changed, so the status element does not re-render.
    if (!this.connection || !sameConnection(this.connection, connection)) this.connection = { ...connection };
    this.host.requestUpdate();
  }
}

function sameAuth(a: SessionAuth, b: SessionAuth): boolean {
  if ('token' in a && 'token' in b) return a.token === b.token;
  if ('getToken' in a && 'getToken' in b) return a.getToken === b.getToken;
  return false;
}

function sameConnection(a: ConnectionInfo, b: ConnectionInfo): boolean {
  return (
    a.status === b.status &&
    a.attempt === b.attempt &&
    a.queued === b.queued &&
    a.transport === b.transport &&
    a.lastResume?.at === b.lastResume?.at &&
    a.lastResume?.caughtUp === b.lastResume?.caughtUp
  );
}
