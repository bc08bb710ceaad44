import { applyRecords, createSessionState, restoreSessionState, type RunState } from '@marketing-team/core';
import type { SessionStore } from '../stores/session-store.js';

/** A run as the log tells it, and when its brief was stored (when that is known). */
export interface RunRecord {
  run: RunState | undefined;
  /** Server time of the run's `brief.submitted` (or its first lifecycle event). */
  submittedAt: number | undefined;
}

const PAGE = 1000;

/**
 * Reads a run's state straight from the store: the newest snapshot plus every event after it,
 * read up to the head at the time of the call. Looked up only for runs suspected orphaned, so
 * the cost (one snapshot and the events since) stays off the streaming path.
 */
export async function readRunRecord(store: SessionStore, session: string, runId: string): Promise<RunRecord> {
  const snapshot = await store.loadSnapshot(session);
  // A snapshot that is not valid (or of a shape no longer migrated) is skipped: the log is read instead.
  let state = (snapshot && restoreSessionState(snapshot.state)) ?? createSessionState();
  let submittedAt: number | undefined;
  for (let after = state.offset; ; ) {
    const page = await store.read(session, after, PAGE);
    if (page.length === 0) break;
    for (const record of page) {
      if (record.event.type === 'brief.submitted' && record.event.runId === runId) submittedAt = record.at;
    }
    state = applyRecords(state, page);
    after = page[page.length - 1]!.offset;
    if (page.length < PAGE) break;
  }
  const run = Object.hasOwn(state.runs, runId) ? state.runs[runId] : undefined;
  return { run, submittedAt: submittedAt ?? run?.startedAt ?? run?.endedAt };
}
