import * as z from 'zod/mini';
// English messages before anything is parsed (see the file).
import './_english-messages.js';
import { CampaignBriefSchema } from './brief.js';
import { DeliverableContentSchema, DeliverableSchema } from './deliverables.js';
import { DraftRequestSchema, DraftResultSchema } from './draft.js';
import { AgentNameSchema, IdSchema, OffsetSchema, WorkspaceIdSchema } from './limits.js';
import { UnwatchedPolicySchema } from './unwatched-policy.js';
import { DeviceNameSchema } from './delivery-telemetry.js';

/** Who caused an event. Human ids come from the verified session token, never from the client. */
export const ActorSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('human'), id: z.string().check(z.minLength(1), z.maxLength(200)), name: z.optional(z.string().check(z.maxLength(200))) }),
  z.object({ kind: z.literal('agent'), agent: AgentNameSchema }),
  z.object({ kind: z.literal('system') }),
]);
export type Actor = z.infer<typeof ActorSchema>;

/**
 * The device a review decision was made on (its name and client id), so the person's other
 * devices can say "Answered on phone" instead of still asking.
 */
export const AnsweredOnSchema = z.object({ device: DeviceNameSchema, clientId: IdSchema });
export type AnsweredOn = z.infer<typeof AnsweredOnSchema>;

/** A typed failure carried by `run.failed` and `task.failed`. */
export const RunErrorSchema = z.object({
  // `budget_exceeded`: the run passed its token or cost budget (or its user's for the day) and was stopped.
  code: z.enum(['model_error', 'rate_limited', 'overloaded', 'invalid_output', 'timeout', 'interrupted', 'budget_exceeded', 'internal']),
  message: z.string().check(z.maxLength(2000)),
  retryable: z._default(z.boolean(), false),
});
export type RunError = z.infer<typeof RunErrorSchema>;

/** Status of a card on the shared task board. */
export const TaskStatusSchema = z.enum([
  'todo',
  'in_progress',
  'review',
  'done',
  'blocked',
  'failed',
  'cancelled',
]);
export type TaskStatus = z.infer<typeof TaskStatusSchema>;

/** Who a card of the task board is assigned to: an agent or a person. */
export const AssigneeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('agent'), agent: AgentNameSchema }),
  z.object({ kind: z.literal('human'), id: z.string().check(z.minLength(1), z.maxLength(200)), name: z.optional(z.string().check(z.maxLength(200))) }),
]);
export type Assignee = z.infer<typeof AssigneeSchema>;

/** One node of a run's task DAG. */
export const PlannedTaskSchema = z.object({
  id: IdSchema,
  title: z.string().check(z.maxLength(300)),
  skill: IdSchema,
  agent: AgentNameSchema,
  dependsOn: z.array(IdSchema).check(z.maxLength(64)),
  /** When true, the task's output waits for a human approval before dependants start. */
  review: z._default(z.boolean(), false),
});
export type PlannedTask = z.infer<typeof PlannedTaskSchema>;

const text = (max: number) => z.string().check(z.maxLength(max));
/** The longest text one `text.delta` carries. */
export const MAX_DELTA_TEXT = 16_000;
const nonEmptyText = (max: number) => z.string().check(z.maxLength(max), z.minLength(1));
const tokenCount = z.number().check(z.int(), z.nonnegative());
const millis = z.number().check(z.int(), z.nonnegative());
const run = { runId: IdSchema };
const task = { runId: IdSchema, taskId: IdSchema };
/**
 * The task's round: 0 (absent) until a person first takes the task over, one more after each
 * hand-back or completion by a person. An agent's events of a round a person took over are
 * refused by the log (the take-over fences that round), so no late token of the agent lands
 * after it, while the agent's next round (after a hand-back) is written as usual.
 */
const round = { round: z.optional(z.number().check(z.int(), z.positive())) };

/** Which part of a run a cancel or steer targets; absent means the whole run. */
export const RunScopeSchema = z
  .object({ taskId: z.optional(IdSchema), agent: z.optional(AgentNameSchema) })
  .check(z.refine((s) => !(s.taskId && s.agent), { message: 'name a taskId or an agent, not both' }));
export type RunScope = z.infer<typeof RunScopeSchema>;

/**
 * Every event a session log can hold, discriminated by `type` (`noun.verb`).
 * Input events come from clients; the rest are written by the server's runtime.
 */
export const SessionEventSchema = z.discriminatedUnion('type', [
  // input
  z.object({
    type: z.literal('brief.submitted'),
    ...run,
    brief: CampaignBriefSchema,
    by: ActorSchema,
    /**
     * The run this one continues: an interrupted, failed or cancelled run of the same brief.
     * Its completed tasks are taken over as they are; only the rest runs again.
     */
    continues: z.optional(IdSchema),
    /**
     * With `continues`: the one task of that run to write again, with the person's instruction;
     * every other finished task is taken over as it is (regenerate one deliverable, not the campaign).
     */
    regenerate: z.optional(z.object({ taskId: IdSchema, instruction: nonEmptyText(2000) })),
    /**
     * With `continues`: write `count` variants of the deliverable of that run's task (a social
     * post or ad deliverable), each from a different angle, with the person's optional
     * instruction. Only those variants run; the deliverable stays as it is until a person picks
     * one (`variant.chosen`).
     */
    variants: z.optional(
      z.object({
        taskId: IdSchema,
        count: z.number().check(z.int(), z.minimum(2), z.maximum(3)),
        instruction: z.optional(nonEmptyText(2000)),
      }),
    ),
  }),
  z.object({
    type: z.literal('steer.submitted'),
    ...run,
    instruction: nonEmptyText(2000),
    scope: z.optional(RunScopeSchema),
    /** `next-turn` applies at the agent's next generation; `restart` restarts the current one with the guidance. */
    mode: z._default(z.enum(['next-turn', 'restart']), 'next-turn'),
    by: ActorSchema,
  }),
  z.object({ type: z.literal('steer.applied'), ...task, ...round, agent: AgentNameSchema, steerOffset: OffsetSchema }),
  z.object({
    type: z.literal('cancel.requested'),
    ...run,
    scope: z.optional(RunScopeSchema),
    reason: z.optional(text(500)),
    by: ActorSchema,
  }),
  // run lifecycle
  z.object({
    type: z.literal('run.started'),
    ...run,
    tasks: z.array(PlannedTaskSchema).check(z.maxLength(64)),
    model: z.object({ provider: text(100), name: text(200), offline: z.boolean() }),
    // Optional, so logs written before workspaces existed still parse.
    /** The workspace whose team ran the brief. */
    workspaceId: z.optional(WorkspaceIdSchema),
    /** The workspace version the run pinned; absent when the workspace had none and the default team ran. */
    workspaceVersion: z.optional(z.number().check(z.int(), z.positive())),
    /** SHA-256 of the team's canonical JSON (`teamContentHash`): the exact brand and skill text that wrote the run. */
    teamHash: z.optional(z.string().check(z.regex(/^[0-9a-f]{64}$/, 'use a lowercase hex SHA-256'))),
    /** What the run does while nobody watches (the brief's policy, else the runtime's default); absent means `keep`. */
    whenUnwatched: z.optional(UnwatchedPolicySchema),
  }),
  z.object({
    type: z.literal('routing.decided'),
    ...run,
    taskId: z.optional(IdSchema),
    agent: AgentNameSchema,
    skill: IdSchema,
    via: z.enum(['explicit', 'rule', 'playbook', 'model']),
    reason: text(1000),
  }),
  z.object({ type: z.literal('task.started'), ...task, ...round, agent: AgentNameSchema }),
  z.object({ type: z.literal('task.completed'), ...task, ...round, agent: AgentNameSchema, deliverableId: z.optional(IdSchema) }),
  z.object({ type: z.literal('task.failed'), ...task, ...round, agent: AgentNameSchema, error: RunErrorSchema }),
  z.object({ type: z.literal('task.blocked'), ...task, reason: text(1000) }),
  z.object({ type: z.literal('task.cancelled'), ...task, ...round, by: z.optional(ActorSchema) }),
  z.object({ type: z.literal('run.completed'), ...run, deliverableIds: z.array(IdSchema).check(z.maxLength(64)) }),
  z.object({ type: z.literal('run.cancelled'), ...run, by: ActorSchema, reason: z.optional(text(500)) }),
  z.object({ type: z.literal('run.failed'), ...run, error: RunErrorSchema }),
  z.object({ type: z.literal('run.interrupted'), ...run, reason: text(500) }),
  z.object({
    type: z.literal('usage'),
    ...run,
    taskId: z.optional(IdSchema),
    ...round,
    agent: AgentNameSchema,
    skill: z.optional(IdSchema),
    inputTokens: tokenCount,
    outputTokens: tokenCount,
    cacheReadTokens: z._default(tokenCount, 0),
    cacheWriteTokens: z._default(tokenCount, 0),
    costUsd: z.number().check(z.nonnegative()),
  }),
  // content
  z.object({
    type: z.literal('message.started'),
    ...task,
    ...round,
    agent: AgentNameSchema,
    messageId: IdSchema,
    offline: z._default(z.boolean(), false),
  }),
  z.object({ type: z.literal('text.delta'), ...task, ...round, agent: AgentNameSchema, messageId: IdSchema, text: text(MAX_DELTA_TEXT) }),
  z.object({
    type: z.literal('message.completed'),
    ...task,
    ...round,
    agent: AgentNameSchema,
    messageId: IdSchema,
    text: text(400_000),
    stopReason: z._default(z.enum(['end', 'cancelled', 'error', 'restarted']), 'end'),
  }),
  z.object({
    type: z.literal('deliverable.created'),
    ...task,
    ...round,
    deliverable: DeliverableSchema,
    /** Set when a person wrote it (`task.marked_done`): the version is theirs, not the agent's. */
    by: z.optional(ActorSchema),
  }),
  // shared task board
  z.object({
    type: z.literal('card.created'),
    cardId: IdSchema,
    title: nonEmptyText(300),
    assignee: z.optional(AssigneeSchema),
    status: z._default(TaskStatusSchema, 'todo'),
    runId: z.optional(IdSchema),
    by: ActorSchema,
  }),
  z.object({
    type: z.literal('card.updated'),
    cardId: IdSchema,
    title: z.optional(nonEmptyText(300)),
    assignee: z.optional(z.nullable(AssigneeSchema)),
    status: z.optional(TaskStatusSchema),
    by: ActorSchema,
  }),
  z.object({ type: z.literal('card.commented'), cardId: IdSchema, text: nonEmptyText(4000), by: ActorSchema }),
  z.object({ type: z.literal('review.requested'), ...task, deliverableId: z.optional(IdSchema) }),
  z.object({ type: z.literal('review.approved'), ...task, comment: z.optional(text(4000)), by: ActorSchema, answeredOn: z.optional(AnsweredOnSchema) }),
  z.object({ type: z.literal('review.changes_requested'), ...task, comment: nonEmptyText(4000), by: ActorSchema, answeredOn: z.optional(AnsweredOnSchema) }),
  // studio: drafts of a workspace's parts, and its saves (in the workspace's studio session)
  /** Starts a draft run (stored by the server's drafts route, never published by a client). */
  z.object({ type: z.literal('draft.requested'), ...run, workspaceId: WorkspaceIdSchema, request: DraftRequestSchema, by: ActorSchema }),
  /** What a draft run wrote, for a human to review, edit and save. */
  z.object({ type: z.literal('draft.created'), ...task, draft: DraftResultSchema }),
  /** An editor applied a draft to the form or dismissed it: every editor's studio stops offering it. */
  z.object({ type: z.literal('draft.settled'), ...run, outcome: z.enum(['applied', 'dismissed']), by: ActorSchema }),
  /** A new version of the workspace was saved (or rolled back to), so every open editor can catch up. */
  z.object({
    type: z.literal('workspace.saved'),
    workspaceId: WorkspaceIdSchema,
    version: z.number().check(z.int(), z.positive()),
    etag: text(200),
    hash: z.string().check(z.regex(/^[0-9a-f]{64}$/, 'use a lowercase hex SHA-256')),
    by: ActorSchema,
  }),
  // human edits of deliverables
  z.object({
    type: z.literal('deliverable.edited'),
    ...task,
    deliverableId: IdSchema,
    /**
     * The version of the deliverable the edit was made on (`SessionState.deliverableVersions`):
     * the server refuses an edit of a version that is no longer the current one (`conflict`).
     */
    baseVersion: z.number().check(z.int(), z.positive()),
    /** The whole new content: title, Markdown and the kind's data. */
    content: DeliverableContentSchema,
    by: ActorSchema,
  }),
  /**
   * A person uses one variant of a deliverable: its content becomes the deliverable's current
   * version, on the version the choice was made on (`baseVersion`, refused with `conflict` when
   * someone stored a newer one since), so later runs and exports use it.
   */
  z.object({
    type: z.literal('variant.chosen'),
    ...task,
    deliverableId: IdSchema,
    /** The variant deliverable chosen: one written by a variants run of this deliverable. */
    variantId: IdSchema,
    baseVersion: z.number().check(z.int(), z.positive()),
    by: ActorSchema,
  }),
  // a person takes a task over from its agent, and hands it back or finishes it
  /**
   * A person takes a pending or running task over: its agent stops working on it (a running
   * generation stops, a pending task is not started) and its dependants wait. `round` is set by
   * the server: the round the take-over closes (see `round`).
   */
  z.object({ type: z.literal('task.taken_over'), ...task, ...round, by: ActorSchema }),
  /**
   * The person who took the task over gives it back: the agent works on it again, starting from
   * the person's draft when there is one.
   */
  z.object({
    type: z.literal('task.handed_back'),
    ...task,
    draft: z.optional(z.object({ title: text(300), markdown: text(200_000) })),
    by: ActorSchema,
  }),
  /**
   * The person who took the task over finishes it with their own text: the run writes it as the
   * task's deliverable (`deliverable.created` with `by`), and dependants go on with it.
   */
  z.object({ type: z.literal('task.marked_done'), ...task, title: nonEmptyText(300), markdown: nonEmptyText(200_000), by: ActorSchema }),
  // liveness and presence: written by the node that runs the run
  /**
   * A generation of the task has made no progress (no model output, no provider retry) for
   * `sinceMs`: the model call may hang. Cleared by `task.resumed` or the task's next content.
   */
  z.object({ type: z.literal('task.stalled'), ...task, ...round, agent: AgentNameSchema, sinceMs: millis, reason: text(500) }),
  /** The stalled generation made progress again after `stalledMs` without any. */
  z.object({ type: z.literal('task.resumed'), ...task, ...round, agent: AgentNameSchema, stalledMs: millis }),
  /**
   * The run starts no new task and stops generating until `run.resumed`. `unwatchedMs` is set
   * when nobody watching the session paused it (the `pause` policy): how long nobody had watched.
   */
  z.object({ type: z.literal('run.paused'), ...run, reason: text(500), unwatchedMs: z.optional(millis), by: ActorSchema }),
  /** A paused run goes on (someone opened the session again). */
  z.object({ type: z.literal('run.resumed'), ...run, reason: text(500), by: ActorSchema }),
]);
export type SessionEvent = z.infer<typeof SessionEventSchema>;
export type SessionEventInput = z.input<typeof SessionEventSchema>;
export type SessionEventType = SessionEvent['type'];
export type EventOf<T extends SessionEventType> = Extract<SessionEvent, { type: T }>;

/** Events a client may publish; everything else is written only by the server. */
export const CLIENT_EVENT_TYPES = [
  'brief.submitted',
  'steer.submitted',
  'cancel.requested',
  'card.created',
  'card.updated',
  'card.commented',
  'review.approved',
  'review.changes_requested',
  'draft.settled',
  // human edits (need `write`)
  'deliverable.edited',
  'variant.chosen',
  // taking a task over from its agent (need `write`)
  'task.taken_over',
  'task.handed_back',
  'task.marked_done',
] as const satisfies readonly SessionEventType[];
export type ClientEventType = (typeof CLIENT_EVENT_TYPES)[number];

/**
 * Client events that need the `control` capability rather than `write`: they steer or stop a
 * run, and a review decision releases (or sends back) a gated task, which is control too.
 */
export const CONTROL_EVENT_TYPES = [
  'steer.submitted',
  'cancel.requested',
  'review.approved',
  'review.changes_requested',
] as const satisfies readonly ClientEventType[];

/** Client events that need the `admin` capability: they decide over a workspace's drafts. */
export const ADMIN_EVENT_TYPES = ['draft.settled'] as const satisfies readonly ClientEventType[];

/** Content events: refused after their run (or their task) is fenced. */
export const CONTENT_EVENT_TYPES = [
  'message.started',
  'text.delta',
  'message.completed',
  'deliverable.created',
  'draft.created',
  'task.started',
  'task.completed',
  'usage',
  // Liveness and pauses mean nothing once the run (or the task) has ended.
  'task.stalled',
  'task.resumed',
  'run.paused',
  'run.resumed',
] as const satisfies readonly SessionEventType[];

/** A stored event: its offset in the session log and the server time it was stored (ms since epoch). */
export const SessionRecordSchema = z.object({
  offset: OffsetSchema.check(z.minimum(1)),
  at: z.number().check(z.int(), z.nonnegative()),
  event: SessionEventSchema,
});
export type SessionRecord = z.infer<typeof SessionRecordSchema>;
