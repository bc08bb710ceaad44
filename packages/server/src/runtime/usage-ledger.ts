import type { SessionEvent, SessionRecord, SessionState, UsageTotals } from '@marketing-team/core';

/** Usage and cost totals of one session, broken down several ways. */
export interface UsageSummary {
  total: UsageTotals;
  byRun: Record<string, UsageTotals>;
  byAgent: Record<string, UsageTotals>;
  bySkill: Record<string, UsageTotals>;
  /** Keyed by deliverable id: all the usage of the task that produced it (every generation and revision). */
  byDeliverable: Record<string, UsageTotals>;
}

const zero = (): UsageTotals => ({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 });

function add(into: Record<string, UsageTotals>, key: string, usage: UsageTotals): void {
  addTo((into[key] ??= zero()), usage);
}

function addTo(totals: UsageTotals, usage: UsageTotals): void {
  totals.inputTokens += usage.inputTokens;
  totals.outputTokens += usage.outputTokens;
  totals.cacheReadTokens += usage.cacheReadTokens;
  totals.cacheWriteTokens += usage.cacheWriteTokens;
  totals.costUsd += usage.costUsd;
}

function isState(source: unknown): source is SessionState {
  return typeof source === 'object' && source !== null && 'runs' in source && 'agents' in source && !Array.isArray(source);
}

/**
 * Totals tokens and cost per run, agent, skill and deliverable.
 *
 * From a reduced `SessionState` (run, agent and task totals kept by the reducer) or from the
 * session log itself (records or events, each `usage` event counted once). A task's usage, all
 * its generations included (cancelled, restarted, revised), is attributed to the deliverable the
 * task produced. Per-agent totals of a state span every run of the session, so with `runId` they
 * are only given when summarising the log. Optionally restrict to one run with `runId`.
 */
export function summarizeUsage(
  source: SessionState | Iterable<SessionRecord | SessionEvent>,
  options: { runId?: string } = {},
): UsageSummary {
  const summary: UsageSummary = { total: zero(), byRun: {}, byAgent: {}, bySkill: {}, byDeliverable: {} };
  if (isState(source)) {
    for (const run of Object.values(source.runs)) {
      if (options.runId !== undefined && run.id !== options.runId) continue;
      add(summary.byRun, run.id, run.usage);
      addTo(summary.total, run.usage);
      for (const task of Object.values(run.tasks)) {
        if (!task.usage) continue;
        add(summary.bySkill, task.skill, task.usage);
        if (task.deliverableId !== undefined) add(summary.byDeliverable, task.deliverableId, task.usage);
      }
    }
    if (options.runId === undefined) {
      for (const agent of Object.values(source.agents)) add(summary.byAgent, agent.agent, agent.usage);
    }
    return summary;
  }
  const byTask: Record<string, UsageTotals> = {};
  const deliverableOfTask = new Map<string, string>();
  for (const item of source) {
    const event = 'event' in item ? item.event : item;
    if (!('runId' in event) || (options.runId !== undefined && event.runId !== options.runId)) continue;
    if (event.type === 'usage') {
      const usage: UsageTotals = {
        inputTokens: event.inputTokens,
        outputTokens: event.outputTokens,
        cacheReadTokens: event.cacheReadTokens,
        cacheWriteTokens: event.cacheWriteTokens,
        costUsd: event.costUsd,
      };
      addTo(summary.total, usage);
      add(summary.byRun, event.runId, usage);
      add(summary.byAgent, event.agent, usage);
      if (event.skill !== undefined) add(summary.bySkill, event.skill, usage);
      if (event.taskId !== undefined) add(byTask, `${event.runId}\u0000${event.taskId}`, usage);
    } else if (event.type === 'deliverable.created') {
      deliverableOfTask.set(`${event.runId}\u0000${event.taskId}`, event.deliverable.id);
    }
  }
  for (const [task, usage] of Object.entries(byTask)) {
    const deliverable = deliverableOfTask.get(task);
    if (deliverable !== undefined) add(summary.byDeliverable, deliverable, usage);
  }
  return summary;
}
