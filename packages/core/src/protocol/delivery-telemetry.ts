import * as z from 'zod/mini';
// English messages before anything is parsed (see the file).
import './_english-messages.js';

const DAY_MS = 86_400_000;
const durations = z.array(z.number().check(z.nonnegative(), z.maximum(DAY_MS))).check(z.maxLength(32));
const count = z.number().check(z.int(), z.nonnegative(), z.maximum(100_000));

/** The device kinds telemetry is grouped by; a name a host gives that is none of these counts as `other`. */
export const DEVICE_KINDS = ['phone', 'tablet', 'desktop'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

/** A device's name: a kind derived from the user agent (`phone`, `tablet`, `desktop`) or one the host gives. */
export const DeviceNameSchema = z.string().check(z.minLength(1), z.maxLength(60));

/**
 * How sessions reached one device, as it measured them (all durations in milliseconds, by the
 * device's clock). `SessionClient.onTelemetry` hands it to the host page; a summary of each new
 * sample goes to the server in `telemetry` frames (protocol section 3.11).
 */
export interface DeliveryTelemetry {
  /** The device's name (see `DeviceNameSchema`). */
  device: string;
  /** The last run this device started: its brief sent → its first `text.delta` applied. */
  timeToFirstTokenMs?: number;
  /** Longest silence (no record applied) while a run was active, in the current or last active run. */
  longestGapMs?: number;
  /** The last reconnect: connection lost → every session caught up with the log. */
  resumeMs?: number;
  /** The last cancel this device sent: cancel sent → the last `text.delta` of that run applied (0 when none came after). */
  cancelToQuietMs?: number;
  /** Connections re-established since the client started. */
  reconnects: number;
  /** Times a message's text differed from the server's digest and was recovered from a snapshot. */
  digestMismatches: number;
}

/**
 * The body of a `telemetry` client frame: samples measured since the previous frame, and
 * counts added since then. Clients send one at most every few seconds, only when it has news.
 */
export const TelemetryReportSchema = z.object({
  device: DeviceNameSchema,
  timeToFirstTokenMs: z.optional(durations),
  longestGapMs: z.optional(durations),
  resumeMs: z.optional(durations),
  cancelToQuietMs: z.optional(durations),
  reconnects: z._default(count, 0),
  digestMismatches: z._default(count, 0),
});
export type TelemetryReport = z.infer<typeof TelemetryReportSchema>;

/** The kind a device name is grouped under: itself when it is a kind, else `other`. */
export function deviceKindOf(name: string): DeviceKind | 'other' {
  return (DEVICE_KINDS as readonly string[]).includes(name) ? (name as DeviceKind) : 'other';
}

/** `phone`, `tablet` or `desktop`, from a user agent string (desktop when it says nothing of a mobile). */
export function deviceKindFromUserAgent(userAgent: string): DeviceKind {
  if (/iPad|Tablet|PlayBook|Silk|Kindle/i.test(userAgent) || (/Android/i.test(userAgent) && !/Mobile/i.test(userAgent))) return 'tablet';
  if (/Mobi|iPhone|iPod|Android|Windows Phone/i.test(userAgent)) return 'phone';
  return 'desktop';
}
