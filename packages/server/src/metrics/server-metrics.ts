import { DEVICE_KINDS, deviceKindOf, type TelemetryReport } from '@marketing-team/core';
import { Counter, Gauge, Histogram, prometheusText } from './_prometheus-text.js';

/** Bucket bounds of the device histograms, in seconds: from a snappy first token to a long outage. */
const SECONDS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** What the metrics read when scraped. */
export interface MetricsSources {
  /** Open WebSocket connections. */
  sockets(): number;
  /** Open subscriptions (WebSocket and SSE), and the distinct sessions they follow. */
  subscriptions(): { subscriptions: number; sessions: number };
}

/**
 * The server's counters and the devices' delivery telemetry, grouped by device kind (`phone`,
 * `tablet`, `desktop`, `other`: a host's own device names never become label values, so the
 * series stay few). Written in the Prometheus text format by `text()`.
 */
export class ServerMetrics {
  readonly #appends = new Counter('marketing_team_appends_total', 'Events stored through this server.');
  readonly #deliveries = new Counter('marketing_team_deliveries_total', 'Records sent to subscribers (one per record and subscriber).');
  readonly #reports = new Counter('marketing_team_telemetry_reports_total', 'Telemetry frames accepted from devices, by device kind.');
  readonly #droppedReports = new Counter('marketing_team_telemetry_reports_dropped_total', 'Telemetry frames refused by the per-connection rate limit.');
  readonly #reconnects = new Counter('marketing_team_device_reconnects_total', 'Reconnects devices reported, by device kind.');
  readonly #mismatches = new Counter(
    'marketing_team_device_digest_mismatches_total',
    'Messages whose text a device found different from the server digest (and recovered), by device kind.',
  );
  readonly #firstToken = new Histogram('marketing_team_device_time_to_first_token_seconds', 'Brief sent to first token shown, by device kind.', SECONDS_BUCKETS);
  readonly #gaps = new Histogram('marketing_team_device_longest_gap_seconds', 'Longest silence during an active run, by device kind.', SECONDS_BUCKETS);
  readonly #resumes = new Histogram('marketing_team_device_resume_seconds', 'Connection lost to caught up again, by device kind.', SECONDS_BUCKETS);
  readonly #cancels = new Histogram('marketing_team_device_cancel_to_quiet_seconds', 'Cancel sent to the last token of the run shown, by device kind.', SECONDS_BUCKETS);
  readonly #gauges: Gauge[];

  constructor(sources: MetricsSources) {
    this.#gauges = [
      new Gauge('marketing_team_sockets_open', 'Open WebSocket connections.', () => sources.sockets()),
      new Gauge('marketing_team_subscriptions_open', 'Open session subscriptions (WebSocket and SSE).', () => sources.subscriptions().subscriptions),
      new Gauge('marketing_team_sessions_open', 'Sessions with at least one subscriber on this server.', () => sources.subscriptions().sessions),
    ];
  }

  /** `count` events were stored. */
  appended(count: number): void {
    this.#appends.add(count);
  }

  /** `count` records went to one subscriber. */
  delivered(count: number): void {
    this.#deliveries.add(count);
  }

  /** A device's telemetry frame: its samples go into the histograms of its kind. */
  report(report: TelemetryReport): void {
    const device = { device: deviceKindOf(report.device) };
    this.#reports.add(1, device);
    if (report.reconnects > 0) this.#reconnects.add(report.reconnects, device);
    if (report.digestMismatches > 0) this.#mismatches.add(report.digestMismatches, device);
    const observe = (histogram: Histogram, samples: readonly number[] | undefined) => {
      for (const milliseconds of samples ?? []) histogram.observe(milliseconds / 1000, device);
    };
    observe(this.#firstToken, report.timeToFirstTokenMs);
    observe(this.#gaps, report.longestGapMs);
    observe(this.#resumes, report.resumeMs);
    observe(this.#cancels, report.cancelToQuietMs);
  }

  /** A telemetry frame arrived sooner than the per-connection limit allows and was dropped. */
  dropped(): void {
    this.#droppedReports.add(1);
  }

  /** Every metric in the Prometheus text format. */
  text(): string {
    return prometheusText([
      ...this.#gauges,
      this.#appends,
      this.#deliveries,
      this.#reports,
      this.#droppedReports,
      this.#reconnects,
      this.#mismatches,
      this.#firstToken,
      this.#gaps,
      this.#resumes,
      this.#cancels,
    ]);
  }
}

/** Device kinds as label values, for documentation and dashboards. */
export const DEVICE_LABELS = [...DEVICE_KINDS, 'other'] as const;
