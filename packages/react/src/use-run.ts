import { useCallback } from 'react';
import type { RunState, SessionState } from '@marketing-team/core/client';
import { own } from './internal/_own.js';
import { RunIdArgumentSchema, parseArgument } from './internal/_validate.js';
import { useSessionSelector, type SessionHookOptions } from './use-session-selector.js';

/**
 * One run of the session: the one with `runId`, or the latest when `runId` is omitted.
 * `undefined` until the run (or any run) is in the log. Re-renders only when that run changes.
 */
export function useRun(runId?: string, options: SessionHookOptions = {}): RunState | undefined {
  const id = parseArgument(RunIdArgumentSchema, runId, 'runId');
  const select = useCallback((state: SessionState) => own(state.runs, id ?? state.runOrder.at(-1)), [id]);
  return useSessionSelector(select, options);
}
