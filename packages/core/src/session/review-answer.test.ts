import { describe, expect, it } from 'vitest';
import type { SessionEventInput, SessionRecord } from '../protocol/index.js';
import { applyRecords, createSessionState } from './reducer.js';

const human = { kind: 'human' as const, id: 'u1' };
const run = [
  {
    type: 'run.started',
    runId: 'r1',
    tasks: [{ id: 't1', title: 'Strategy', skill: 'campaign-strategy', agent: 'campaign-strategist', dependsOn: [], review: true }],
    model: { provider: 'offline', name: 'offline', offline: true },
  },
  { type: 'task.started', runId: 'r1', taskId: 't1', agent: 'campaign-strategist' },
  { type: 'review.requested', runId: 'r1', taskId: 't1' },
] satisfies SessionEventInput[];

function reduce(events: SessionEventInput[]) {
  return applyRecords(createSessionState(), events.map((event, index) => ({ offset: index + 1, at: 0, event }) as SessionRecord));
}

describe('review answers', () => {
  it('records who answered, how, and on which device, for every device to show', () => {
    const state = reduce([...run, { type: 'review.approved', runId: 'r1', taskId: 't1', by: human, answeredOn: { device: 'phone', clientId: 'c-phone' } }]);
    expect(state.runs.r1!.tasks.t1).toMatchObject({
      status: 'done',
      reviewAnswer: { decision: 'approved', by: human, answeredOn: { device: 'phone', clientId: 'c-phone' }, offset: 4 },
    });
  });

  it('keeps the first answer when a second device answers a review that no longer waits, and forgets it when a new review is asked', () => {
    const answered = reduce([
      ...run,
      { type: 'review.approved', runId: 'r1', taskId: 't1', by: human, answeredOn: { device: 'phone', clientId: 'c-phone' } },
      { type: 'review.approved', runId: 'r1', taskId: 't1', by: human, answeredOn: { device: 'desktop', clientId: 'c-desk' } },
    ]);
    expect(answered.runs.r1!.tasks.t1!.reviewAnswer?.answeredOn?.device).toBe('phone');
    const again = applyRecords(answered, [{ offset: 6, at: 0, event: { type: 'review.requested', runId: 'r1', taskId: 't1' } } as SessionRecord]);
    expect(again.runs.r1!.tasks.t1!.reviewAnswer).toBeUndefined();
    expect(again.runs.r1!.tasks.t1!.status).toBe('review');
  });
});
