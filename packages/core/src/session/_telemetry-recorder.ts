import type { DeliveryTelemetry, SessionRecord, SessionState, TelemetryReport } from '../protocol/index.js';
// The zod-free module itself, not the protocol's index: this file loads in a chunk of its own.
import { isRunTerminalEvent } from '../protocol/run-ended.js';

/** Samples of one figure kept for the next report; older ones are dropped past this many. */
const MAX_SAMPLES = 32;

const SAMPLED_FIGURES = ['timeToFirstTokenMs', 'longestGapMs', 'resumeMs', 'cancelToQuietMs'] as const;
type SampledFigure = (typeof SAMPLED_FIGURES)[number];

/**
 * Measures how sessions reach this device (see `DeliveryTelemetry`): it is told what the client
 * sends and applies, and when the connection drops and catches up, and keeps the latest figures
 * plus the samples not yet reported to the server.
 */
export class TelemetryRecorder {
  #figures: DeliveryTelemetry;
  readonly #now: () => number;
  readonly #listeners = new Set<(telemetry: DeliveryTelemetry) => void>();
  /** Briefs sent, by run, waiting for their first token. */
  readonly #briefsSent = new Map<string, number>();
  /** Whole-run cancels sent, by run, with the last delta of the run applied since. */
  readonly #cancelsSent = new Map<string, { sentAt: number; lastDeltaAt?: number }>();
  /** Sessions with a run under way. */
  readonly #activeSessions = new Set<string>();
  #lastAppliedAt: number | undefined;
  #runGapMs = 0;
  #lostAt: number | undefined;
  #samples: Partial<Record<SampledFigure, number[]>> = {};
  #unreported = { reconnects: 0, digestMismatches: 0 };
  #news = false;

  constructor(device: string, now: () => number = Date.now) {
    this.#figures = { device, reconnects: 0, digestMismatches: 0 };
    this.#now = now;
  }

  /** The latest figures; a new object whenever one changes. */
  get figures(): DeliveryTelemetry {
    return this.#figures;
  }

  /** Calls `listener` with the figures whenever they change; returns the unsubscribe function. */
  subscribe(listener: (telemetry: DeliveryTelemetry) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** This device sent the brief of `runId`. */
  briefSent(runId: string): void {
    this.#briefsSent.set(runId, this.#now());
  }

  /** This device asked to cancel the whole run `runId`. */
  cancelSent(runId: string): void {
    if (!this.#cancelsSent.has(runId)) this.#cancelsSent.set(runId, { sentAt: this.#now() });
  }

  /** `records` of `session` were applied (none for a snapshot), giving `state`. */
  applied(session: string, records: readonly SessionRecord[], state: SessionState): void {
    const now = this.#now();
    const changes: Partial<DeliveryTelemetry> = {};
    if (this.#activeSessions.size > 0 && this.#lastAppliedAt !== undefined && now - this.#lastAppliedAt > this.#runGapMs) {
      this.#runGapMs = now - this.#lastAppliedAt;
      changes.longestGapMs = this.#runGapMs;
    }
    this.#lastAppliedAt = now;
    for (const { event } of records) {
      if (event.type === 'text.delta') {
        const sentAt = this.#briefsSent.get(event.runId);
        if (sentAt !== undefined) {
          this.#briefsSent.delete(event.runId);
          changes.timeToFirstTokenMs = this.#sample('timeToFirstTokenMs', now - sentAt);
        }
        const cancel = this.#cancelsSent.get(event.runId);
        if (cancel) cancel.lastDeltaAt = now;
      } else if (isRunTerminalEvent(event.type) && 'runId' in event && event.runId !== undefined) {
        this.#briefsSent.delete(event.runId);
        const cancel = this.#cancelsSent.get(event.runId);
        if (cancel) {
          this.#cancelsSent.delete(event.runId);
          changes.cancelToQuietMs = this.#sample('cancelToQuietMs', (cancel.lastDeltaAt ?? cancel.sentAt) - cancel.sentAt);
        }
      }
    }
    const wasActive = this.#activeSessions.size > 0;
    if (Object.values(state.runs).some((run) => run.status === 'running' || run.status === 'planned')) this.#activeSessions.add(session);
    else this.#activeSessions.delete(session);
    if (wasActive && this.#activeSessions.size === 0) {
      // The active stretch ended: its longest gap is one sample; the next stretch starts from zero.
      this.#sample('longestGapMs', this.#runGapMs);
      this.#runGapMs = 0;
    }
    this.#change(changes);
  }

  /** A session is no longer followed: its runs no longer count as active here. */
  released(session: string): void {
    this.#activeSessions.delete(session);
  }

  /** The connection dropped (only the first drop of an outage counts). */
  connectionLost(): void {
    this.#lostAt ??= this.#now();
  }

  /** The connection is back (a reconnect, not the first connection). */
  reconnected(): void {
    this.#unreported.reconnects += 1;
    this.#news = true;
    this.#change({ reconnects: this.#figures.reconnects + 1 });
  }

  /** Every session caught up after a reconnect. */
  caughtUp(): void {
    if (this.#lostAt === undefined) return;
    const resumeMs = this.#sample('resumeMs', this.#now() - this.#lostAt);
    this.#lostAt = undefined;
    this.#change({ resumeMs });
  }

  /** A message's text differed from the server's digest. */
  digestMismatch(): void {
    this.#unreported.digestMismatches += 1;
    this.#news = true;
    this.#change({ digestMismatches: this.#figures.digestMismatches + 1 });
  }

  /** What happened since the last report, or undefined when nothing did; the next one starts empty. */
  takeReport(): TelemetryReport | undefined {
    if (!this.#news) return undefined;
    const report: TelemetryReport = { device: this.#figures.device, ...this.#samples, ...this.#unreported };
    this.#samples = {};
    this.#unreported = { reconnects: 0, digestMismatches: 0 };
    this.#news = false;
    return report;
  }

  /** Puts back a report that could not be sent: it goes out with the next one. */
  keep(report: TelemetryReport): void {
    for (const figure of SAMPLED_FIGURES) {
      const kept = report[figure];
      if (kept?.length) this.#samples[figure] = [...kept, ...(this.#samples[figure] ?? [])].slice(-MAX_SAMPLES);
    }
    this.#unreported.reconnects += report.reconnects;
    this.#unreported.digestMismatches += report.digestMismatches;
    this.#news = true;
  }

  #sample(figure: SampledFigure, value: number): number {
    const milliseconds = Math.max(0, Math.round(value));
    const samples = (this.#samples[figure] ??= []);
    samples.push(milliseconds);
    if (samples.length > MAX_SAMPLES) samples.shift();
    this.#news = true;
    return milliseconds;
  }

  #change(changes: Partial<DeliveryTelemetry>): void {
    if (Object.keys(changes).length === 0) return;
    this.#figures = { ...this.#figures, ...changes };
    for (const listener of [...this.#listeners]) listener(this.#figures);
  }
}
