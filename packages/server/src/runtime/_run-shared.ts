import type { CampaignBrief, Deliverable, ModelProvider, PlannedTask, SessionEvent, Team, UnwatchedPolicy } from '@marketing-team/core';
import type { ConcurrencyLimiter } from './_concurrency-limiter.js';
import type { PauseGate } from './_pause-gate.js';
import type { SteerBook } from './_steer-book.js';

/** Settings of a run, resolved from `TeamRuntimeOptions`. */
export interface RunSettings {
  coalesceMs: number;
  maxDeltaChars: number;
  taskAttempts: number;
  taskRetryDelayMs: number;
  /** A generation without progress for this long is recorded as stalled (`task.stalled`); 0 never. */
  stallAfterMs: number;
  /** What a run whose brief says nothing does while nobody watches; absent: keep going. */
  whenUnwatched?: UnwatchedPolicy | undefined;
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
  /** Closed while the run is paused: tasks start and generate only while it is open. */
  readonly pause: PauseGate;
  readonly settings: RunSettings;
  /** Aborted when the whole run stops (cancelled by the session layer, or fenced). */
  readonly signal: AbortSignal;
  /** Appends to the session log; throws `RunStopped` once the run is fenced or cancelled (see `_task-stop.ts`). */
  append(events: SessionEvent[]): Promise<void>;
  /** The final deliverables of finished tasks, by task id. */
  readonly deliverables: Map<string, Deliverable>;
  readonly tasks: ReadonlyMap<string, PlannedTask>;
}
