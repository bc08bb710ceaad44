import type { ClientFrame, DeliveryTelemetry, SessionRecord, SessionState } from '../protocol/index.js';
import { deviceKindFromUserAgent } from '../protocol/delivery-telemetry.js';
import type { ConnectionState } from './connection-state.js';
import type { DeviceSignals, SignalSend } from './_device-signals.js';

/** What the client tells `DeviceSignals`, by method name. */
type Signal = 'welcomed' | 'connectionChanged' | 'applied' | 'wrote' | 'digestMismatch' | 'released';

/** The module with the telemetry recorder and the attention reports. */
export type DeviceSignalsModule = typeof import('./_device-signals.js');

/**
 * Calls kept while the module loads. Past this many the oldest go: a load that stalls this long
 * costs some figures rather than holding every state the client applied meanwhile.
 */
const MAX_PENDING = 1_000;

/** This device's name: the host's, else the kind its user agent says, else `desktop`. */
export function deviceName(given: string | undefined): string {
  if (given !== undefined) return given;
  const userAgent = (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent;
  return userAgent ? deviceKindFromUserAgent(userAgent) : 'desktop';
}

/**
 * The client's side of `DeviceSignals` while that module loads in a chunk of its own (started at
 * once, so a page's first chunk stays small): what the client reports meanwhile is kept with the
 * time it happened and replayed, at those times, once the module is in, so the figures count from
 * the first frame exactly as if it had been there all along.
 */
export class LazyDeviceSignals {
  #signals: DeviceSignals | undefined;
  /** Calls made before the module loaded, in order, each with when it was made; undefined once replayed. */
  #pending: { at: number; name: Signal; args: unknown[] }[] | undefined = [];
  /** The time the recorder reads while a call is replayed. */
  #replayingAt: number | undefined;
  /** Listeners subscribed before the module loaded, with their unsubscribe once it has. */
  readonly #listeners = new Map<(telemetry: DeliveryTelemetry) => void, (() => void) | undefined>();
  readonly #initial: DeliveryTelemetry;
  #closed = false;

  constructor(
    readonly device: string,
    send: SignalSend,
    onLoadError: (error: unknown) => void,
    load: () => Promise<DeviceSignalsModule> = () => import('./_device-signals.js'),
  ) {
    this.#initial = { device, reconnects: 0, digestMismatches: 0 };
    load().then(
      (module) => {
        if (this.#closed) return;
        const signals = new module.DeviceSignals(device, send, () => this.#replayingAt ?? Date.now());
        // Listeners first, so they hear what the replay changes, as they would have heard it live.
        for (const listener of this.#listeners.keys()) this.#listeners.set(listener, signals.recorder.subscribe(listener));
        for (const { at, name, args } of this.#pending ?? []) {
          this.#replayingAt = at;
          (signals[name] as (...args: unknown[]) => void)(...args);
        }
        this.#replayingAt = undefined;
        this.#pending = undefined;
        this.#signals = signals;
      },
      (error: unknown) => {
        // Without the module there are no figures to keep: stop keeping calls.
        this.#pending = undefined;
        if (!this.#closed) onLoadError(error);
      },
    );
  }

  /** The latest figures (all zero until the module has loaded). */
  get telemetry(): DeliveryTelemetry {
    return this.#signals?.telemetry ?? this.#initial;
  }

  /** Calls `listener` with the figures whenever they change; returns the unsubscribe function. */
  subscribe(listener: (telemetry: DeliveryTelemetry) => void): () => void {
    if (this.#signals) return this.#signals.recorder.subscribe(listener);
    this.#listeners.set(listener, undefined);
    return () => {
      this.#listeners.get(listener)?.();
      this.#listeners.delete(listener);
    };
  }

  /** A handshake finished (see `DeviceSignals.welcomed`). */
  welcomed(reconnect: boolean): void {
    this.#call('welcomed', reconnect);
  }

  /** The connection state changed from `previous` to `next`. */
  connectionChanged(previous: ConnectionState, next: ConnectionState): void {
    this.#call('connectionChanged', previous, next);
  }

  /** `records` of `session` were applied (none for a snapshot), giving `state`. */
  applied(session: string, records: readonly SessionRecord[], state: SessionState): void {
    this.#call('applied', session, records, state);
  }

  /** A brief or a whole-run cancel this device sends starts a measurement. */
  wrote(frame: Extract<ClientFrame, { type: 'publish' | 'cancel' | 'steer' }>): void {
    this.#call('wrote', frame);
  }

  /** A message's text differed from the server's digest. */
  digestMismatch(): void {
    this.#call('digestMismatch');
  }

  /** A session is no longer followed. */
  released(session: string): void {
    this.#call('released', session);
  }

  /** Stops every timer and listener, now or once the module has loaded. */
  close(): void {
    this.#closed = true;
    this.#pending = undefined;
    this.#listeners.clear();
    this.#signals?.close();
  }

  #call<Name extends Signal>(name: Name, ...args: Parameters<DeviceSignals[Name]>): void {
    if (this.#closed) return;
    if (this.#signals) return (this.#signals[name] as (...args: unknown[]) => void)(...args);
    if (!this.#pending) return;
    this.#pending.push({ at: Date.now(), name, args });
    if (this.#pending.length > MAX_PENDING) this.#pending.shift();
  }
}
