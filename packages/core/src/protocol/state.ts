import * as z from 'zod/mini';
// English messages before anything is parsed (see the file).
import './_english-messages.js';
import { TextDigestSchema } from './text-digest.js';
import { CampaignBriefSchema } from './brief.js';
import { MESSAGE_BUCKET_COUNT } from './messages.js';
import { DeliverableSchema } from './deliverables.js';
import { DraftResultSchema, DraftSummarySchema } from './draft.js';
import {
  ActorSchema,
  AnsweredOnSchema,
  AssigneeSchema,
  RunErrorSchema,
  RunScopeSchema,
  TaskStatusSchema,
} from './events.js';
import { AgentNameSchema, IdSchema, OffsetSchema } from './limits.js';

/**
 * The reduced state of a session: a pure function of the events applied so far.
 * It is what snapshots carry, so its shape is part of the wire protocol.
 */

/** Summed tokens and cost. */
export const UsageTotalsSchema = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheReadTokens: z.number(),
  cacheWriteTokens: z.number(),
  costUsd: z.number(),
});
export type UsageTotals = z.infer<typeof UsageTotalsSchema>;

/** One agent message: its text so far and how it ended. */
export const MessageStateSchema = z.object({
  id: IdSchema,
  runId: IdSchema,
  taskId: IdSchema,
  agent: AgentNameSchema,
  text: z.string(),
  status: z.enum(['streaming', 'completed', 'cancelled', 'error', 'restarted']),
  offline: z.boolean(),
  /** Offset of the `message.started` event. */
  startedAt: OffsetSchema,
  /** Running digest of `text` (absent in states saved before digests existed); see `TextDigestSchema`. */
  digest: z.optional(TextDigestSchema),
});
export type MessageState = z.infer<typeof MessageStateSchema>;

/** A task whose generation makes no progress: since when (server ms), and why it counts as stalled. */
export const StalledSchema = z.object({ since: z.number(), reason: z.string() });
export type Stalled = z.infer<typeof StalledSchema>;

/** A step a person took on a task: who, the server time (ms) and the offset of its event. */
export const HumanStepSchema = z.object({ by: ActorSchema, at: z.number(), offset: OffsetSchema });
export type HumanStep = z.infer<typeof HumanStepSchema>;

/** One task of a run, as the board and the lanes show it. */
export const TaskStateSchema = z.object({
  id: IdSchema,
  title: z.string(),
  skill: IdSchema,
  agent: AgentNameSchema,
  dependsOn: z.array(IdSchema),
  review: z.boolean(),
  status: TaskStatusSchema,
  messageIds: z.array(IdSchema),
  deliverableId: z.optional(IdSchema),
  error: z.optional(RunErrorSchema),
  blockedReason: z.optional(z.string()),
  /** Tokens and cost of the task's generations (the sum of its `usage` events); absent before the first. */
  usage: z.optional(UsageTotalsSchema),
  /**
   * Set while the task's generation makes no progress (`task.stalled`): `since` is the server
   * time (ms) of its last progress, so a device can say for how long; cleared when it moves again.
   */
  stalled: z.optional(StalledSchema),
  /** The last review decision on the task: which, by whom, on which device (when it said). Cleared by a new `review.requested`. */
  reviewAnswer: z.optional(
    z.object({ decision: z.enum(['approved', 'changes_requested']), by: ActorSchema, answeredOn: z.optional(AnsweredOnSchema), offset: OffsetSchema }),
  ),
  /** Set while a person has the task (`task.taken_over`): who, when (server ms) and at which offset. Its agent does not work on it. */
  takenOver: z.optional(HumanStepSchema),
  /** The last hand-back of the task to its agent (`task.handed_back`). */
  handedBack: z.optional(HumanStepSchema),
  /** Set when a person finished the task with their own text (`task.marked_done`). */
  doneBy: z.optional(HumanStepSchema),
  /** The task's round (see `task.taken_over`): absent before the first hand-back or completion by a person. */
  round: z.optional(z.number()),
});
export type TaskState = z.infer<typeof TaskStateSchema>;

/** One run: its brief, plan, progress, deliverables and usage. */
export const RunStateSchema = z.object({
  id: IdSchema,
  status: z.enum(['planned', 'running', 'completed', 'cancelled', 'failed', 'interrupted']),
  brief: z.optional(CampaignBriefSchema),
  submittedBy: z.optional(ActorSchema),
  /** The earlier run this one continues (its completed tasks were taken over). */
  continues: z.optional(IdSchema),
  /**
   * Set on a run that writes variants of one deliverable (`brief.submitted` with `variants`):
   * that deliverable, and how many variants were asked for. Its deliverables are those variants.
   */
  variantsOf: z.optional(z.object({ deliverableId: IdSchema, count: z.number() })),
  model: z.optional(z.object({ provider: z.string(), name: z.string(), offline: z.boolean() })),
  /** The team the run used, from `run.started`: its content hash and, with workspaces, the workspace version. */
  team: z.optional(z.object({ hash: z.string(), workspaceId: z.optional(z.string()), workspaceVersion: z.optional(z.number()) })),
  tasks: z.record(z.string(), TaskStateSchema),
  taskOrder: z.array(IdSchema),
  deliverableIds: z.array(IdSchema),
  /** Server times (ms) of the first and last lifecycle events. */
  startedAt: z.optional(z.number()),
  endedAt: z.optional(z.number()),
  error: z.optional(RunErrorSchema),
  cancelledBy: z.optional(ActorSchema),
  usage: UsageTotalsSchema,
  /**
   * Set while the run is paused (`run.paused`, until `run.resumed` or its end): since when
   * (server ms), why, and, when nobody watching paused it, how long nobody had watched.
   */
  paused: z.optional(z.object({ since: z.number(), reason: z.string(), unwatchedMs: z.optional(z.number()) })),
  /** Set on a studio draft run (instead of `brief`): what it reads and, once written, its draft. */
  draft: z.optional(
    z.extend(DraftSummarySchema, {
      result: z.optional(DraftResultSchema),
      /** An editor applied it to the form or dismissed it (`draft.settled`). */
      settled: z.optional(z.object({ outcome: z.enum(['applied', 'dismissed']), by: ActorSchema })),
    }),
  ),
});
export type RunState = z.infer<typeof RunStateSchema>;

/** What one agent is doing now, and its usage over the session. */
export const AgentStateSchema = z.object({
  agent: AgentNameSchema,
  status: z.enum(['idle', 'working']),
  runId: z.optional(IdSchema),
  taskId: z.optional(IdSchema),
  /** The message currently streaming, or the last one written. */
  messageId: z.optional(IdSchema),
  usage: UsageTotalsSchema,
});
export type AgentState = z.infer<typeof AgentStateSchema>;

/** One card of the shared task board. */
export const CardStateSchema = z.object({
  id: IdSchema,
  title: z.string(),
  status: TaskStatusSchema,
  assignee: z.optional(AssigneeSchema),
  runId: z.optional(IdSchema),
  /** Set when the card mirrors a task of a run. */
  taskId: z.optional(IdSchema),
  review: z.boolean(),
  comments: z.array(z.object({ by: ActorSchema, text: z.string(), at: z.number() })),
  /** Mirrors `TaskState.stalled` of the task the card mirrors. */
  stalled: z.optional(StalledSchema),
});
export type CardState = z.infer<typeof CardStateSchema>;

/** A steer instruction and the agents that applied it, at which offsets. */
export const SteerStateSchema = z.object({
  offset: OffsetSchema,
  runId: IdSchema,
  instruction: z.string(),
  scope: z.optional(RunScopeSchema),
  mode: z.enum(['next-turn', 'restart']),
  by: ActorSchema,
  appliedTo: z.array(z.object({ agent: AgentNameSchema, taskId: IdSchema, offset: OffsetSchema })),
});
export type SteerState = z.infer<typeof SteerStateSchema>;

/** Why a task went to the agent that ran it. */
export const RoutingDecisionStateSchema = z.object({
  runId: IdSchema,
  taskId: z.optional(IdSchema),
  agent: AgentNameSchema,
  skill: IdSchema,
  via: z.enum(['explicit', 'rule', 'playbook', 'model']),
  reason: z.string(),
});

/** One version of a deliverable: who wrote it (an agent, or a person's edit) and when. */
export const DeliverableVersionEntrySchema = z.object({
  version: z.number().check(z.int(), z.positive()),
  by: ActorSchema,
  /** Server time (ms) of the record that made this version. */
  at: z.number(),
  /** Offset of that record (`deliverable.created`, `deliverable.edited` or `variant.chosen`). */
  offset: OffsetSchema,
  /** Set when the version is a variant a person chose (`variant.chosen`): that variant's deliverable id. */
  variantId: z.optional(IdSchema),
});
export type DeliverableVersionEntry = z.infer<typeof DeliverableVersionEntrySchema>;

/**
 * The version counter and history of one deliverable. Version 1 is what the agent wrote; every
 * human edit (and every regeneration after a review) adds one. Edits name the version they were
 * based on, so a stale edit is refused instead of silently overwriting a newer one.
 */
export const DeliverableVersionsSchema = z.object({
  version: z.number().check(z.int(), z.positive()),
  history: z.array(DeliverableVersionEntrySchema),
});
export type DeliverableVersions = z.infer<typeof DeliverableVersionsSchema>;

/** The whole reduced state of a session (what a snapshot carries). */
export const SessionStateSchema = z.object({
  version: z.number().check(z.int()),
  /** Offset of the last applied event. */
  offset: OffsetSchema,
  runs: z.record(z.string(), RunStateSchema),
  runOrder: z.array(IdSchema),
  /**
   * Every message, by id, spread over `MESSAGE_BUCKET_COUNT` buckets by a hash of the id, so a
   * delta copies one small bucket instead of every message. Read with `findMessage` and `listMessages`.
   */
  messageBuckets: z.array(z.record(z.string(), MessageStateSchema)).check(z.length(MESSAGE_BUCKET_COUNT)),
  agents: z.record(z.string(), AgentStateSchema),
  agentOrder: z.array(AgentNameSchema),
  deliverables: z.record(z.string(), DeliverableSchema),
  deliverableOrder: z.array(IdSchema),
  board: z.record(z.string(), CardStateSchema),
  boardOrder: z.array(IdSchema),
  steers: z.array(SteerStateSchema),
  routing: z.array(RoutingDecisionStateSchema),
  usage: UsageTotalsSchema,
  /** Version counter and history per deliverable id (`deliverables` holds the current version). */
  deliverableVersions: z.record(z.string(), DeliverableVersionsSchema),
  /** In a workspace's studio session: the last version saved, as `workspace.saved` announced it. */
  workspace: z.optional(
    z.object({ id: z.string(), version: z.number(), etag: z.string(), hash: z.string(), by: ActorSchema, savedAt: z.number() }),
  ),
});
export type SessionState = z.infer<typeof SessionStateSchema>;
