import {
  AgentStateSchema,
  CardStateSchema,
  RoutingDecisionStateSchema,
  RunStateSchema,
  SteerStateSchema,
  TaskStateSchema,
  type AgentState,
  type CardState,
  type RunState,
  type SteerState,
  type TaskState,
  type SessionState,
  type UsageTotals,
} from '../protocol/index.js';

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
export const runState = canonical<RunState>(Object.keys(RunStateSchema.shape));
/** Builds a `TaskState` in schema key order. */
export const taskState = canonical<TaskState>(Object.keys(TaskStateSchema.shape));
/** Builds an `AgentState` in schema key order. */
export const agentState = canonical<AgentState>(Object.keys(AgentStateSchema.shape));
/** Builds a `CardState` in schema key order. */
export const cardState = canonical<CardState>(Object.keys(CardStateSchema.shape));
/** Builds a `SteerState` in schema key order. */
export const steerState = canonical<SteerState>(Object.keys(SteerStateSchema.shape));
/** One entry of `SessionState.routing`. */
export type RoutingDecisionState = SessionState['routing'][number];
/** Builds a routing decision in schema key order. */
export const routingDecisionState = canonical<RoutingDecisionState>(Object.keys(RoutingDecisionStateSchema.shape));

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
