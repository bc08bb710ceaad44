import type { CampaignBrief, Deliverable, ModelProvider, PlannedTask, SessionEvent, Team } from '@marketing-team/core';
import type { ConcurrencyLimiter } from './_concurrency-limiter.js';
import type { SteerBook } from './_steer-book.js';

/** Settings of a run, resolved from `TeamRuntimeOptions`. */
export interface RunSettings {
  coalesceMs: number;
  maxDeltaChars: number;
  taskAttempts: number;
  taskRetryDelayMs: number;
}

/** What every task of one run shares with the run's orchestrator. */
export interface RunShared {
  readonly runId: string;
  readonly brief: CampaignBrief;
  readonly team: Team;
  /** The run's default model (the one `run.started` names). */
  readonly provider: ModelProvider;
  /** The model an agent uses: its own when the runtime was given one for it, else the default. */
  providerFor(agent: string): ModelProvider;
  readonly limiter: ConcurrencyLimiter;
  readonly steers: SteerBook;
  readonly settings: RunSettings;
  /** Aborted when the whole run stops (cancelled by the session layer, or fenced). */
  readonly signal: AbortSignal;
  /** Appends to the session log; throws `RunStopped` once the run is fenced or cancelled. */
  append(events: SessionEvent[]): Promise<void>;
  /** The final deliverables of finished tasks, by task id. */
  readonly deliverables: Map<string, Deliverable>;
  readonly tasks: ReadonlyMap<string, PlannedTask>;
}

/** Thrown inside a run once it must stop quietly: the run was cancelled as a whole, or the log fenced it. */
export class RunStopped extends Error {
  override readonly name = 'RunStopped';
}
