import type { Actor, CampaignBrief, Deliverable, DraftRequest, EventOf, SessionEvent, SessionRecord } from '@marketing-team/core';

/** A control event that reached the node running a run, with its offset in the log. */
export type RunControl =
  | { event: EventOf<'cancel.requested'>; offset: number }
  | { event: EventOf<'steer.submitted'>; offset: number }
  /** A human approved a task waiting at a review gate; its dependants may start. */
  | { event: EventOf<'review.approved'>; offset: number }
  /** A human asked for changes to a task waiting at a review gate; the task runs again with the comment. */
  | { event: EventOf<'review.changes_requested'>; offset: number }
  /** A person edited a deliverable of the run; dependants that start later take the edited version. */
  | { event: EventOf<'deliverable.edited'>; offset: number }
  /** Nobody watched the session (the run's `whenUnwatched` policy): start nothing, stop generating. */
  | { event: EventOf<'run.paused'>; offset: number }
  /** A paused run may go on. */
  | { event: EventOf<'run.resumed'>; offset: number }
  /** A person took a task over: its agent stops working on it, its dependants wait. */
  | { event: EventOf<'task.taken_over'>; offset: number }
  /** The person gave the task back: its agent works on it again, from their draft. */
  | { event: EventOf<'task.handed_back'>; offset: number }
  /** The person finished the task with their text: the run writes it as the deliverable. */
  | { event: EventOf<'task.marked_done'>; offset: number };

/** The event types delivered through `RunContext.onControl` (a whole-run cancel is also one: the session layer stops the run). */
export const RUN_CONTROL_TYPES: ReadonlySet<string> = new Set<RunControl['event']['type']>([
  'cancel.requested',
  'steer.submitted',
  'review.approved',
  'review.changes_requested',
  'deliverable.edited',
  'run.paused',
  'run.resumed',
  'task.taken_over',
  'task.handed_back',
  'task.marked_done',
]);

/** What every run gets from the session layer, whatever it runs (a campaign brief, a studio draft). */
export interface RunBaseContext {
  session: string;
  runId: string;
  submittedBy: Actor;
  /**
   * Appends events straight into the session log; resolves once they are durable.
   * Rejects with `FencedError` once the run (or the task) is cancelled or ended.
   */
  append(events: SessionEvent[]): Promise<SessionRecord[]>;
  /** Aborted when the whole run is cancelled; `run.cancelled` is written by the session layer. */
  signal: AbortSignal;
  /**
   * Scoped cancels (one task or agent), steers, review decisions and human edits, in log order. Control travels through the
   * log itself, so it reaches the node that owns the run whichever node received it.
   */
  onControl(listener: (control: RunControl) => void): () => void;
}

/** What the session layer hands to whatever runs a brief (the team runtime, or a scripted producer). */
export interface RunContext extends RunBaseContext {
  brief: CampaignBrief;
  /** Offset of the `brief.submitted` event that started this run. */
  briefOffset: number;
  /**
   * When the brief continues an earlier run (`continues`): the final deliverables of the tasks
   * that run completed. A launcher takes each over for the task of the same skill instead of
   * generating it again; launchers that cannot may ignore it.
   */
  reuse?: readonly Deliverable[];
  /**
   * When the brief regenerates one deliverable of the run it continues: the task of that skill is
   * written again with the person's instruction, knowing the version it replaces; `reuse` holds
   * every other finished deliverable.
   */
  regenerate?: { skill: string; instruction: string; previous: Deliverable };
  /**
   * When the brief asks for variants of one deliverable of the run it continues: the run writes
   * only `count` variants of that skill's deliverable, each from its own angle (the `firstIndex`th
   * variant of the deliverable first), with the person's optional instruction; `reuse` is empty.
   */
  variants?: { skill: string; count: number; firstIndex: number; instruction?: string; previous: Deliverable };
}

/** What the session layer hands to the drafts runtime for a `draft.requested` event. */
export interface DraftRunContext extends RunBaseContext {
  /** The workspace the draft is for (the token's). */
  workspaceId: string;
  request: DraftRequest;
}

/** Runs a brief (or, with `DraftRunContext`, a draft) to completion; writes `run.started` ... `run.completed` (or `run.failed`). */
export interface RunLauncher<Context extends RunBaseContext = RunContext> {
  launch(context: Context): Promise<void>;
}
