import type { RunState } from '@marketing-team/core/client';

/** How many tasks of a run did not finish, by why. */
export function undoneTasks(run: Pick<RunState, 'taskOrder' | 'tasks'>): { cancelled: number; failed: number; blocked: number } {
  const count = (status: string) => run.taskOrder.filter((id) => run.tasks[id]?.status === status).length;
  return { cancelled: count('cancelled'), failed: count('failed'), blocked: count('blocked') };
}

/** True for a completed run with tasks that did not finish (an agent was stopped, say): it is "partly done". */
export function hasGaps(run: Pick<RunState, 'status' | 'taskOrder' | 'tasks'>): boolean {
  if (run.status !== 'completed') return false;
  const { cancelled, failed, blocked } = undoneTasks(run);
  return cancelled + failed + blocked > 0;
}
