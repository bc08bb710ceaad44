import type { ClientFrame, DeliveryTelemetry, SessionRecord, SessionState } from '../protocol/index.js';
import type { ConnectionState } from './connection-state.js';
import { TelemetryRecorder } from './_telemetry-recorder.js';

/** Least time between two telemetry frames; the server drops any sooner than 5 s. */
const REPORT_INTERVAL_MS = 10_000;
/** Focus and visibility settle for this long before the server hears of them (a tab switch is two events). */
const ATTENTION_SETTLE_MS = 250;

/** Sends a frame when the connection is welcomed; false when it could not. */
export type SignalSend = (frame: Extract<ClientFrame, { type: 'telemetry' | 'attention' }>) => boolean;

interface PageEvents {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

/**
 * What this device tells the server besides the log: its delivery telemetry (measured by a
 * `TelemetryRecorder`, reported every 10 s at most, only with news) and, in a browser, whether
 * the page is focused and visible (coalesced, and said again after each handshake). Loaded on
 * first use, behind `LazyDeviceSignals`, so a page's first chunk does not carry it.
 */
export class DeviceSignals {
  readonly recorder: TelemetryRecorder;
  readonly #send: SignalSend;
  #reportTimer: ReturnType<typeof setTimeout> | undefined;
  #reportedAt = 0;
  #attentionTimer: ReturnType<typeof setTimeout> | undefined;
  #sentAttention: string | undefined;
  readonly #page: { window: PageEvents; document: PageEvents & { visibilityState?: string; hasFocus?: () => boolean } } | undefined;
  readonly #onAttention = (): void => this.#attentionSoon();
  readonly #stopTelemetry: () => void;

  constructor(
    readonly device: string,
    send: SignalSend,
    now: () => number = Date.now,
  ) {
    this.#send = send;
    this.recorder = new TelemetryRecorder(device, now);
    this.#stopTelemetry = this.recorder.subscribe(() => this.#reportSoon());
    const page = globalThis as { window?: PageEvents; document?: PageEvents & { visibilityState?: string; hasFocus?: () => boolean } };
    if (page.window && page.document && typeof page.window.addEventListener === 'function') {
      this.#page = { window: page.window, document: page.document };
      page.window.addEventListener('focus', this.#onAttention);
      page.window.addEventListener('blur', this.#onAttention);
      page.document.addEventListener('visibilitychange', this.#onAttention);
    }
  }

  /** The latest figures. */
  get telemetry(): DeliveryTelemetry {
    return this.recorder.figures;
  }

  /** A handshake finished: say the page's attention again (the server forgot it), and count a reconnect. */
  welcomed(reconnect: boolean): void {
    if (reconnect) this.recorder.reconnected();
    this.#sentAttention = undefined;
    this.#sendAttention();
    this.#reportSoon();
  }

  /** The connection state changed from `previous` to `next`. */
  connectionChanged(previous: ConnectionState, next: ConnectionState): void {
    if (previous.status === 'live' && next.status !== 'live') this.recorder.connectionLost();
    if (next.lastResume !== previous.lastResume && next.lastResume) this.recorder.caughtUp();
  }

  /** `records` of `session` were applied (none for a snapshot). */
  applied(session: string, records: readonly SessionRecord[], state: SessionState): void {
    this.recorder.applied(session, records, state);
  }

  /** A message's text differed from the server's digest. */
  digestMismatch(): void {
    this.recorder.digestMismatch();
  }

  /** A session is no longer followed: its runs no longer count as active here. */
  released(session: string): void {
    this.recorder.released(session);
  }

  /** A brief or a whole-run cancel this device sends starts a measurement. */
  wrote(frame: Extract<ClientFrame, { type: 'publish' | 'cancel' | 'steer' }>): void {
    if (frame.type === 'publish' && frame.event.type === 'brief.submitted' && typeof frame.event.runId === 'string') this.recorder.briefSent(frame.event.runId);
    else if (frame.type === 'cancel' && !frame.scope) this.recorder.cancelSent(frame.runId);
  }

  /** Stops every timer and listener. */
  close(): void {
    clearTimeout(this.#reportTimer);
    clearTimeout(this.#attentionTimer);
    this.#stopTelemetry();
    if (!this.#page) return;
    this.#page.window.removeEventListener('focus', this.#onAttention);
    this.#page.window.removeEventListener('blur', this.#onAttention);
    this.#page.document.removeEventListener('visibilitychange', this.#onAttention);
  }

  #reportSoon(): void {
    if (this.#reportTimer !== undefined) return;
    this.#reportTimer = setTimeout(() => {
      this.#reportTimer = undefined;
      const report = this.recorder.takeReport();
      if (!report) return;
      // Not sent (no connection): the samples wait for the next report.
      if (this.#send({ type: 'telemetry', ...report })) this.#reportedAt = Date.now();
      else this.recorder.keep(report);
    }, Math.max(0, this.#reportedAt + REPORT_INTERVAL_MS - Date.now()));
  }

  #attentionSoon(): void {
    clearTimeout(this.#attentionTimer);
    this.#attentionTimer = setTimeout(() => this.#sendAttention(), ATTENTION_SETTLE_MS);
  }

  #sendAttention(): void {
    const page = this.#page;
    if (!page) return;
    const visible = page.document.visibilityState !== 'hidden';
    const focused = visible && (page.document.hasFocus?.() ?? false);
    const key = `${focused} ${visible}`;
    if (key === this.#sentAttention) return;
    if (this.#send({ type: 'attention', device: this.device, focused, visible })) this.#sentAttention = key;
  }
}
