import { FencedError } from '../stores/session-store.js';

/**
 * How a task stops before its work is done. This file is the one place that tells the ways apart:
 * whatever the runtime catches (a thrown error, an abort's reason) it classifies with `stopOf`.
 *
 * - `cancelled`: a person cancelled the task (a scoped `cancel.requested`). Its model call is
 *   aborted at once (`TaskCancelled` is the abort's reason); the task closes its partial message
 *   (`stopReason: 'cancelled'`) and writes `task.cancelled`. The outcome is `cancelled`.
 * - `fenced`: the log refused one of the task's writes because the task is fenced (its
 *   `task.cancelled` is stored). Nothing more can be written; the outcome is `cancelled` when the
 *   cancel reached this task, else `stopped`.
 * - `taken-over`: a person took the task over (`task.taken_over`). Its generation is aborted at
 *   once (`TaskTakenOver` is the abort's reason), or its next write is refused because the
 *   take-over fenced the agent's round (`fenced`, then the take-over's arrival tells why).
 *   Nothing is written: the take-over itself ends the agent's message on every device. The task
 *   then waits for the person to hand it back (a new round) or finish it.
 * - `run-stopped`: the run stopped as a whole — cancelled without a scope, its lease lost, ended,
 *   or refused by the log (a run-level fence, `RunStopped` inside the run). Nothing more is
 *   written; the outcome is `stopped`. It overrides the other two: once the run's signal fired,
 *   every reason a task sees is this one.
 */
export type TaskStop = 'cancelled' | 'fenced' | 'taken-over' | 'run-stopped';

/** Thrown inside a run once it must stop quietly: the run was cancelled as a whole, or the log fenced it. */
export class RunStopped extends Error {
  override readonly name = 'RunStopped';
}

/** The abort reason of a scoped cancel, as opposed to the whole run stopping. */
export class TaskCancelled extends Error {
  override readonly name = 'TaskCancelled';
}

/** The abort reason when a person takes a task over from its agent. */
export class TaskTakenOver extends Error {
  override readonly name = 'TaskTakenOver';
}

/**
 * Which stop `reason` (an error or an abort's reason) means, or `undefined` when it means none
 * (a failure, to be reported as one). `run` is the run's signal: once it fired, the run stopped.
 */
export function stopOf(reason: unknown, run?: AbortSignal): TaskStop | undefined {
  if (run?.aborted || reason instanceof RunStopped) return 'run-stopped';
  if (reason instanceof FencedError) return reason.taskId === undefined ? 'run-stopped' : 'fenced';
  if (reason instanceof TaskCancelled) return 'cancelled';
  if (reason instanceof TaskTakenOver) return 'taken-over';
  return undefined;
}

/** True when `error` is the log refusing a write (the run or the task is fenced): that output is not stored. */
export function isRefusedWrite(error: unknown): boolean {
  const stop = stopOf(error);
  return stop === 'run-stopped' || stop === 'fenced';
}
