import type { ClientFrameOf } from '@marketing-team/core';
import type { DeviceAttention } from '../sessions/session-subscriber.js';
import type { TelemetrySink } from './telemetry-sink.js';

export type { TelemetrySink } from './telemetry-sink.js';

/** Least time between two telemetry frames of one device, unless a transport is told otherwise (protocol section 3.11). */
export const DEFAULT_TELEMETRY_INTERVAL_MS = 5_000;

/**
 * What the server keeps of one device besides its subscriptions: its attention (protocol
 * section 3.12) and when its last telemetry frame was taken. Every transport keeps one per
 * device (a WebSocket connection, the event streams of one SSE client), so an `attention` or
 * `telemetry` frame means the same whichever way it came.
 */
export class DeviceSignalState {
  /** The device's name and attention, from its last `attention` frame. */
  attention: DeviceAttention | undefined;
  /** When the device's last telemetry frame was accepted. */
  #telemetryAt: number | undefined;

  /**
   * Keeps the device's attention; `activeAt` moves when it becomes focused (or first visible).
   * Answers whether presence should hear of it (something it shows changed).
   */
  attend(frame: ClientFrameOf<'attention'>, now = Date.now()): boolean {
    const previous = this.attention;
    const becameActive = frame.focused ? !previous?.focused : frame.visible && previous === undefined;
    this.attention = { device: frame.device, focused: frame.focused, visible: frame.visible, activeAt: becameActive || !previous ? now : previous.activeAt };
    return !(previous && previous.device === frame.device && previous.focused === frame.focused && previous.visible === frame.visible);
  }

  /** Hands a telemetry frame to `sink`, or drops (and counts) it when the device sent one less than `intervalMs` ago. */
  telemetry(frame: ClientFrameOf<'telemetry'>, sink: TelemetrySink | undefined, intervalMs: number, now = Date.now()): void {
    if (!sink) return;
    if (this.#telemetryAt !== undefined && now - this.#telemetryAt < intervalMs) {
      sink.dropped();
      return;
    }
    this.#telemetryAt = now;
    const { type: _type, ...report } = frame;
    sink.report(report);
  }
}
