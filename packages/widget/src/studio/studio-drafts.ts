import { findMessage, isRunEnded, type DraftResult, type RunState, type SessionState } from '@marketing-team/core/client';

/** A studio draft as the studio shows it: its run's progress, the text streamed so far, and its result. */
export interface DraftView {
  runId: string;
  status: RunState['status'];
  /** The model's answer so far (the whole answer once the run has ended). */
  text: string;
  result: DraftResult | undefined;
  /** Why the run failed or was interrupted, in the server's words. */
  error: string | undefined;
}

/** True once a draft's run will write nothing more. */
export const draftEnded = (view: DraftView): boolean => isRunEnded(view);

/** The newest draft run of the studio session that `matches` (runs are kept in the order they were requested). */
export function latestDraft(state: SessionState | undefined, matches: (draft: NonNullable<RunState['draft']>) => boolean): DraftView | undefined {
  if (!state) return undefined;
  for (let i = state.runOrder.length - 1; i >= 0; i--) {
    const run = state.runs[state.runOrder[i]!];
    if (!run?.draft || !matches(run.draft)) continue;
    const messageId = run.taskOrder.flatMap((taskId) => run.tasks[taskId]?.messageIds ?? []).at(-1);
    return {
      runId: run.id,
      status: run.status,
      text: messageId ? (findMessage(state, messageId)?.text ?? '') : '',
      result: run.draft.result,
      error: run.error?.message,
    };
  }
  return undefined;
}

/** A fresh run id for a draft: readable in the log, unique per request. */
export function draftRunId(prefix: string): string {
  const random = Math.random().toString(36).slice(2, 8);
  return `${prefix}-${Date.now().toString(36)}${random}`.replace(/[^A-Za-z0-9_.:-]/g, '-').slice(0, 128);
}
