import { z } from 'zod';
import { CampaignBriefSchema } from './brief.js';
import { DeliverableSchema } from './deliverables.js';
import {
  ActorSchema,
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

export const UsageTotalsSchema = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheReadTokens: z.number(),
  cacheWriteTokens: z.number(),
  costUsd: z.number(),
});
export type UsageTotals = z.infer<typeof UsageTotalsSchema>;

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
});
export type MessageState = z.infer<typeof MessageStateSchema>;

export const TaskStateSchema = z.object({
  id: IdSchema,
  title: z.string(),
  skill: IdSchema,
  agent: AgentNameSchema,
  dependsOn: z.array(IdSchema),
  review: z.boolean(),
  status: TaskStatusSchema,
  messageIds: z.array(IdSchema),
  deliverableId: IdSchema.optional(),
  error: RunErrorSchema.optional(),
  blockedReason: z.string().optional(),
  /** Tokens and cost of the task's generations (the sum of its `usage` events); absent before the first. */
  usage: UsageTotalsSchema.optional(),
});
export type TaskState = z.infer<typeof TaskStateSchema>;

export const RunStateSchema = z.object({
  id: IdSchema,
  status: z.enum(['planned', 'running', 'completed', 'cancelled', 'failed', 'interrupted']),
  brief: CampaignBriefSchema.optional(),
  submittedBy: ActorSchema.optional(),
  model: z.object({ provider: z.string(), name: z.string(), offline: z.boolean() }).optional(),
  tasks: z.record(z.string(), TaskStateSchema),
  taskOrder: z.array(IdSchema),
  deliverableIds: z.array(IdSchema),
  /** Server times (ms) of the first and last lifecycle events. */
  startedAt: z.number().optional(),
  endedAt: z.number().optional(),
  error: RunErrorSchema.optional(),
  cancelledBy: ActorSchema.optional(),
  usage: UsageTotalsSchema,
});
export type RunState = z.infer<typeof RunStateSchema>;

export const AgentStateSchema = z.object({
  agent: AgentNameSchema,
  status: z.enum(['idle', 'working']),
  runId: IdSchema.optional(),
  taskId: IdSchema.optional(),
  /** The message currently streaming, or the last one written. */
  messageId: IdSchema.optional(),
  usage: UsageTotalsSchema,
});
export type AgentState = z.infer<typeof AgentStateSchema>;

export const CardStateSchema = z.object({
  id: IdSchema,
  title: z.string(),
  status: TaskStatusSchema,
  assignee: AssigneeSchema.optional(),
  runId: IdSchema.optional(),
  /** Set when the card mirrors a task of a run. */
  taskId: IdSchema.optional(),
  review: z.boolean(),
  comments: z.array(z.object({ by: ActorSchema, text: z.string(), at: z.number() })),
});
export type CardState = z.infer<typeof CardStateSchema>;

export const SteerStateSchema = z.object({
  offset: OffsetSchema,
  runId: IdSchema,
  instruction: z.string(),
  scope: RunScopeSchema.optional(),
  mode: z.enum(['next-turn', 'restart']),
  by: ActorSchema,
  appliedTo: z.array(z.object({ agent: AgentNameSchema, taskId: IdSchema, offset: OffsetSchema })),
});
export type SteerState = z.infer<typeof SteerStateSchema>;

export const RoutingDecisionStateSchema = z.object({
  runId: IdSchema,
  taskId: IdSchema.optional(),
  agent: AgentNameSchema,
  skill: IdSchema,
  via: z.enum(['explicit', 'rule', 'playbook', 'model']),
  reason: z.string(),
});

export const SessionStateSchema = z.object({
  version: z.number().int(),
  /** Offset of the last applied event. */
  offset: OffsetSchema,
  runs: z.record(z.string(), RunStateSchema),
  runOrder: z.array(IdSchema),
  messages: z.record(z.string(), MessageStateSchema),
  agents: z.record(z.string(), AgentStateSchema),
  agentOrder: z.array(AgentNameSchema),
  deliverables: z.record(z.string(), DeliverableSchema),
  deliverableOrder: z.array(IdSchema),
  board: z.record(z.string(), CardStateSchema),
  boardOrder: z.array(IdSchema),
  steers: z.array(SteerStateSchema),
  routing: z.array(RoutingDecisionStateSchema),
  usage: UsageTotalsSchema,
});
export type SessionState = z.infer<typeof SessionStateSchema>;
