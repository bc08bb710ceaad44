import type { ClientFrameOf } from '@marketing-team/core';

/** One telemetry report of a device following sessions over Ably, and a session whose token vouches for it. */
export interface AblyTelemetryReport {
  session: string;
  /** The session token of that subscription. */
  token: string;
  /** The device id the client said hello with. */
  device: string;
  /** The `telemetry` frame as the client sent it (protocol section 3.11). */
  frame: ClientFrameOf<'telemetry'>;
}

/** Delivers a device's telemetry report to the server. */
export type AblyTelemetrySender = (report: AblyTelemetryReport) => Promise<void>;

/** Options of {@link postAblyTelemetry}. */
export interface PostAblyTelemetryOptions {
  /** The server's base URL, e.g. `https://app.example.com/mt` (the transport is mounted at `<base>/ably`). */
  baseUrl: string;
  /** A `fetch` implementation; defaults to the global one. */
  fetch?: typeof fetch;
}

/**
 * An {@link AblyTelemetrySender} that posts to the transport's telemetry route,
 * `POST <base>/ably/telemetry?session=<id>&clientId=<device>`. Best effort, as over a WebSocket:
 * a report refused or lost is not retried.
 */
export function postAblyTelemetry(options: PostAblyTelemetryOptions): AblyTelemetrySender {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const base = options.baseUrl.replace(/\/$/, '');
  return async ({ session, token, device, frame }) => {
    const url = new URL(`${base}/ably/telemetry`);
    url.searchParams.set('session', session);
    url.searchParams.set('clientId', device);
    const response = await doFetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(frame),
    });
    await response.body?.cancel();
  };
}
