import { ProtocolError, isRunEnded, type EventOf, type SessionState, type TaskState } from '@marketing-team/core';
import type { SessionGrant } from '../auth/token-issuer.js';

type TakeoverEvent = EventOf<'task.taken_over'> | EventOf<'task.handed_back'> | EventOf<'task.marked_done'>;

/**
 * Checks a step of taking a task over from its agent against the reduced state, and returns the
 * event to store. Each is refused with `conflict` once it no longer applies: the run has ended
 * (continue it instead), the task has moved on (finished, blocked, cancelled, at its review gate),
 * someone else has it, or nobody took it over. A take-over gets the round it closes (see
 * `task.taken_over`) from the state, never from the client.
 */
export function checkTakeoverStep<E extends TakeoverEvent>(state: SessionState, event: E, grant: SessionGrant): E {
  const run = Object.hasOwn(state.runs, event.runId) ? state.runs[event.runId] : undefined;
  if (!run) throw new ProtocolError('not_found', `event.runId: no run ${event.runId} in this session`, 'event.runId');
  const task: TaskState | undefined = Object.hasOwn(run.tasks, event.taskId) ? run.tasks[event.taskId] : undefined;
  if (!task) throw new ProtocolError('not_found', `event.taskId: run ${run.id} has no task ${event.taskId}`, 'event.taskId');
  if (isRunEnded(run)) {
    throw new ProtocolError('conflict', `event.runId: run ${run.id} has ended (${run.status}); continue it to work on its tasks again`, 'event.runId');
  }
  const holder = task.takenOver?.by;
  if (event.type === 'task.taken_over') {
    if (holder) throw new ProtocolError('conflict', `event.taskId: task ${task.id} is already taken over by ${nameOf(holder)}`, 'event.taskId');
    if (task.status !== 'todo' && task.status !== 'in_progress') {
      throw new ProtocolError('conflict', `event.taskId: task ${task.id} is ${task.status}; only a pending or running task can be taken over`, 'event.taskId');
    }
    const { round: _ignored, ...rest } = event;
    return { ...rest, ...(task.round ? { round: task.round } : {}) } as E;
  }
  if (!holder) throw new ProtocolError('conflict', `event.taskId: task ${task.id} is not taken over (it is ${task.status})`, 'event.taskId');
  if (holder.kind !== 'human' || holder.id !== grant.userId) {
    throw new ProtocolError('conflict', `event.taskId: task ${task.id} is taken over by ${nameOf(holder)}, not by you`, 'event.taskId');
  }
  return event;
}

function nameOf(actor: NonNullable<TaskState['takenOver']>['by']): string {
  return actor.kind === 'human' ? (actor.name ?? actor.id) : actor.kind === 'agent' ? actor.agent : 'the system';
}
