import type { AgentState, CardState, RunState, SessionState, SteerState, TaskState, UsageTotals } from '../protocol/state.js';

/**
 * Each entity's keys in its schema's order (`protocol/state.ts`). Written out because the client
 * loads the schemas lazily and the reducer needs only the order; `_entities.test.ts` holds the two
 * to the same list.
 */
export const ENTITY_KEYS = {
  run: ['id', 'status', 'brief', 'submittedBy', 'continues', 'variantsOf', 'model', 'team', 'tasks', 'taskOrder', 'deliverableIds', 'startedAt', 'endedAt', 'error', 'cancelledBy', 'usage', 'paused', 'draft'],
  task: ['id', 'title', 'skill', 'agent', 'dependsOn', 'review', 'status', 'messageIds', 'deliverableId', 'error', 'blockedReason', 'usage', 'stalled', 'reviewAnswer', 'takenOver', 'handedBack', 'doneBy', 'round'],
  agent: ['agent', 'status', 'runId', 'taskId', 'messageId', 'usage'],
  card: ['id', 'title', 'status', 'assignee', 'runId', 'taskId', 'review', 'comments', 'stalled'],
  steer: ['offset', 'runId', 'instruction', 'scope', 'mode', 'by', 'appliedTo'],
  routingDecision: ['runId', 'taskId', 'agent', 'skill', 'via', 'reason'],
} as const;

/**
 * Builders that lay out each entity's keys in its schema's order and leave out undefined values.
 * A snapshot parsed by zod comes back in schema order, so a state built any other way would hold
 * the same values yet serialise differently on a device that joined from a snapshot.
 */
function canonical<T extends object>(keys: readonly string[]): (value: T) => T {
  return (value) => {
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      const field = source[key];
      if (field !== undefined) out[key] = field;
    }
    return out as T;
  };
}

/** Builds a `RunState` in schema key order. */
export const runState = canonical<RunState>(ENTITY_KEYS.run);
/** Builds a `TaskState` in schema key order. */
export const taskState = canonical<TaskState>(ENTITY_KEYS.task);
/** Builds an `AgentState` in schema key order. */
export const agentState = canonical<AgentState>(ENTITY_KEYS.agent);
/** Builds a `CardState` in schema key order. */
export const cardState = canonical<CardState>(ENTITY_KEYS.card);
/** Builds a `SteerState` in schema key order. */
export const steerState = canonical<SteerState>(ENTITY_KEYS.steer);
/** One entry of `SessionState.routing`. */
export type RoutingDecisionState = SessionState['routing'][number];
/** Builds a routing decision in schema key order. */
export const routingDecisionState = canonical<RoutingDecisionState>(ENTITY_KEYS.routingDecision);

/** Usage totals of nothing. */
export function zeroUsage(): UsageTotals {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 };
}

/** Adds two usage totals (new object, key order fixed). */
export function addUsage(a: UsageTotals, b: UsageTotals): UsageTotals {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
    costUsd: a.costUsd + b.costUsd,
  };
}
