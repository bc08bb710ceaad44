import type { TelemetryReport } from '@marketing-team/core';

/**
 * Where a transport hands the devices' `telemetry` reports (protocol section 3.11): the server's
 * metrics (`server.telemetry`), or the host's own. `dropped` counts the reports refused by the
 * per-device limit.
 */
export interface TelemetrySink {
  report(report: TelemetryReport): void;
  dropped(): void;
}
