import type { RunState } from './state.js';

// Free of zod, like the other modules here that chunks loaded on first use import: a chunk that
// imported the event schemas would split them out of the page's first chunk.

/** Events that end a run; once one is stored the log refuses that run's content events (the fence). */
export const RUN_TERMINAL_TYPES = ['run.completed', 'run.cancelled', 'run.failed', 'run.interrupted'] as const;

type TerminalType = (typeof RUN_TERMINAL_TYPES)[number];
type EndedStatus = TerminalType extends `run.${infer Status}` ? Status : never;

const terminalTypes: ReadonlySet<string> = new Set(RUN_TERMINAL_TYPES);

/** The statuses of a run that has ended, one per terminal event (`run.completed` → `completed`). */
export const ENDED_RUN_STATUSES: ReadonlySet<RunState['status']> = new Set(
  RUN_TERMINAL_TYPES.map((type) => type.slice('run.'.length) as EndedStatus),
);

/** Whether an event type ends its run (`run.completed`, `run.cancelled`, `run.failed`, `run.interrupted`). */
export function isRunTerminalEvent(type: string): type is TerminalType {
  return terminalTypes.has(type);
}

/** Whether a run has ended: its terminal event is stored, and nothing more of it will be. */
export function isRunEnded(run: Pick<RunState, 'status'>): boolean {
  return ENDED_RUN_STATUSES.has(run.status);
}
