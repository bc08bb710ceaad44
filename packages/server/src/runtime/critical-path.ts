import type { PlannedTask, SessionRecord } from '@marketing-team/core';

/** When a task started and ended, in milliseconds on any one clock. */
export interface TaskTiming {
  taskId: string;
  startedAt: number;
  endedAt: number;
}

/** The longest dependency chain of a run, weighted by task durations. */
export interface CriticalPath {
  /** Sum of the durations of the tasks on the chain. */
  durationMs: number;
  /** The chain, first task first. */
  taskIds: string[];
}

const ENDS = new Set(['task.completed', 'task.failed', 'task.cancelled']);

/** Task timings read from a session log: first `task.started` to the last ending event, by server time. */
export function taskTimingsFromRecords(records: Iterable<SessionRecord>, runId: string): TaskTiming[] {
  const timings = new Map<string, TaskTiming>();
  for (const { at, event } of records) {
    if (!('runId' in event) || event.runId !== runId || !('taskId' in event) || event.taskId === undefined) continue;
    if (event.type === 'task.started') {
      const known = timings.get(event.taskId);
      if (!known) timings.set(event.taskId, { taskId: event.taskId, startedAt: at, endedAt: at });
    } else if (ENDS.has(event.type)) {
      const known = timings.get(event.taskId);
      if (known) known.endedAt = Math.max(known.endedAt, at);
    }
  }
  return [...timings.values()];
}

/**
 * The critical path of a task DAG: the chain of dependencies with the largest total task
 * duration. No schedule can finish the run sooner, so wall time divided by it measures how much
 * the engine itself adds (1.0 is perfect). Tasks without a timing count as zero.
 */
export function criticalPath(tasks: readonly PlannedTask[], timings: readonly TaskTiming[]): CriticalPath {
  const duration = new Map(timings.map((timing) => [timing.taskId, Math.max(0, timing.endedAt - timing.startedAt)]));
  const byId = new Map(tasks.map((task) => [task.id, task]));
  const best = new Map<string, CriticalPath>();
  const visit = (id: string, trail: Set<string>): CriticalPath => {
    const known = best.get(id);
    if (known) return known;
    if (trail.has(id)) throw new Error(`criticalPath: the tasks have a cycle through "${id}"`);
    trail.add(id);
    let longest: CriticalPath = { durationMs: 0, taskIds: [] };
    for (const dependency of byId.get(id)?.dependsOn ?? []) {
      if (!byId.has(dependency)) continue;
      const chain = visit(dependency, trail);
      if (chain.durationMs > longest.durationMs || longest.taskIds.length === 0) longest = chain;
    }
    trail.delete(id);
    const result = { durationMs: longest.durationMs + (duration.get(id) ?? 0), taskIds: [...longest.taskIds, id] };
    best.set(id, result);
    return result;
  };
  let overall: CriticalPath = { durationMs: 0, taskIds: [] };
  for (const task of tasks) {
    const chain = visit(task.id, new Set());
    if (chain.durationMs > overall.durationMs) overall = chain;
  }
  return overall;
}
