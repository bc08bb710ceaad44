import { describe, expect, it } from 'vitest';
import { SessionRecordSchema, SessionStateSchema, type SessionRecord } from '../protocol/index.js';
import { applyRecords, createSessionState } from './reducer.js';

const system = { kind: 'system' } as const;
const opening = [
  { type: 'brief.submitted', runId: 'r1', brief: { goal: 'Launch', whenUnwatched: { action: 'pause' } }, by: { kind: 'human', id: 'u1' } },
  {
    type: 'run.started',
    runId: 'r1',
    model: { provider: 'offline', name: 'draft', offline: true },
    tasks: [
      { id: 'research', title: 'Research', skill: 'market-research', agent: 'market-researcher', dependsOn: [] },
      { id: 'posts', title: 'Posts', skill: 'social', agent: 'content-creator', dependsOn: ['research'] },
    ],
    whenUnwatched: { action: 'cancel', afterMs: 5000 },
  },
  { type: 'task.started', runId: 'r1', taskId: 'research', agent: 'market-researcher' },
  { type: 'message.started', runId: 'r1', taskId: 'research', agent: 'market-researcher', messageId: 'm1' },
  { type: 'text.delta', runId: 'r1', taskId: 'research', agent: 'market-researcher', messageId: 'm1', text: 'Hel' },
];
const stalled = { type: 'task.stalled', runId: 'r1', taskId: 'research', agent: 'market-researcher', sinceMs: 30_000, reason: 'the model sent nothing for 30 s' };

/** Records stored one second apart, from t = 100 000 ms. */
function records(events: readonly unknown[]): SessionRecord[] {
  return events.map((event, index) => SessionRecordSchema.parse({ offset: index + 1, at: 100_000 + index * 1000, event }));
}
const reduce = (events: readonly unknown[]) => applyRecords(createSessionState(), records(events));

describe('liveness in the reducer', () => {
  it('marks a task in progress and its card as stalled since its last progress, and the state still parses as a snapshot', () => {
    const state = reduce([...opening, stalled]);
    const task = state.runs.r1!.tasks.research!;
    // Stored at 105 000 ms after 30 s without progress: no progress since 75 000 ms.
    expect(task.stalled).toEqual({ since: 75_000, reason: 'the model sent nothing for 30 s' });
    expect(state.board['r1:research']?.stalled).toEqual(task.stalled);
    expect(SessionStateSchema.parse(JSON.parse(JSON.stringify(state)))).toEqual(state);
  });

  it.each([
    ['task.resumed', { type: 'task.resumed', runId: 'r1', taskId: 'research', agent: 'market-researcher', stalledMs: 4000 }],
    ['the next text', { type: 'text.delta', runId: 'r1', taskId: 'research', agent: 'market-researcher', messageId: 'm1', text: 'lo' }],
    ['the message closing', { type: 'message.completed', runId: 'r1', taskId: 'research', agent: 'market-researcher', messageId: 'm1', text: 'Hel', stopReason: 'restarted' }],
    ['the task failing', { type: 'task.failed', runId: 'r1', taskId: 'research', agent: 'market-researcher', error: { code: 'timeout', message: 'slow' } }],
    ['the run ending', { type: 'run.cancelled', runId: 'r1', by: system }],
  ])('clears the stall on %s', (_, event) => {
    const state = reduce([...opening, stalled, event]);
    expect(state.runs.r1!.tasks.research!.stalled).toBeUndefined();
    expect(state.board['r1:research']?.stalled).toBeUndefined();
    expect(Object.keys(state.runs.r1!.tasks.research!)).not.toContain('stalled');
  });

  it('ignores a stall of a task that is not in progress', () => {
    const state = reduce([...opening, { ...stalled, taskId: 'posts', agent: 'content-creator' }]);
    expect(state.runs.r1!.tasks.posts!.stalled).toBeUndefined();
  });

  it('keeps a run paused from run.paused until run.resumed, and not past its end', () => {
    const pause = { type: 'run.paused', runId: 'r1', reason: 'nobody is watching', unwatchedMs: 10_000, by: system };
    const paused = reduce([...opening, pause]);
    expect(paused.runs.r1!.paused).toEqual({ since: 105_000, reason: 'nobody is watching', unwatchedMs: 10_000 });
    expect(paused.runs.r1!.status).toBe('running');
    expect(reduce([...opening, pause, { type: 'run.resumed', runId: 'r1', reason: 'someone is watching', by: system }]).runs.r1!.paused).toBeUndefined();
    expect(reduce([...opening, pause, { type: 'run.cancelled', runId: 'r1', by: system }]).runs.r1!.paused).toBeUndefined();
    expect(reduce([...opening, { type: 'run.completed', runId: 'r1', deliverableIds: [] }, pause]).runs.r1!.paused).toBeUndefined();
  });

  it('validates the policy of a brief, filling in the wait', () => {
    const [brief] = records(opening);
    expect(brief!.event).toMatchObject({ brief: { whenUnwatched: { action: 'pause', afterMs: 10_000 } } });
    expect(() => records([{ ...opening[0], brief: { goal: 'x', whenUnwatched: { action: 'snooze' } } }])).toThrow();
    expect(() => records([{ ...opening[0], brief: { goal: 'x', whenUnwatched: { action: 'cancel', afterMs: -1 } } }])).toThrow();
  });
});
