import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  digestText,
  SessionRecordSchema,
  IdSchema,
  SessionStateSchema,
  MESSAGE_BUCKET_COUNT,
  findMessage,
  listMessages,
  messageBucketIndex,
  type SessionRecord,
  type SessionState,
} from '../protocol/index.js';
import { applyRecord, applyRecords, createSessionState } from './reducer.js';
import { restoreSessionState, restoreSessionStateInTurns } from './state-migration.js';

const human = { kind: 'human', id: 'u1', name: 'Ada' } as const;
const plan = {
  type: 'run.started',
  runId: 'r1',
  model: { provider: 'offline', name: 'draft', offline: true },
  tasks: [
    { id: 'research', title: 'Research', skill: 'market-research', agent: 'market-researcher', dependsOn: [] },
    { id: 'strategy', title: 'Strategy', skill: 'strategy', agent: 'campaign-strategist', dependsOn: ['research'], review: true },
    { id: 'posts', title: 'Posts', skill: 'social', agent: 'content-creator', dependsOn: ['strategy'] },
  ],
} as const;

function deliverable(id: string, taskId: string, runId = 'r1') {
  return {
    id,
    kind: 'ad-copy',
    title: 'Ads',
    runId,
    taskId,
    agent: 'content-creator',
    skill: 'ads',
    offline: true,
    markdown: '# Ads',
    data: { variants: [] },
  } as const;
}

/** Parses events into stored records with consecutive offsets from `first`. */
function records(events: readonly unknown[], first = 1): SessionRecord[] {
  return events.map((event, index) =>
    SessionRecordSchema.parse({ offset: first + index, at: 1_000 + first + index, event }),
  );
}

function reduce(events: readonly unknown[]): SessionState {
  return applyRecords(createSessionState(), records(events));
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

const started = [
  { type: 'brief.submitted', runId: 'r1', brief: { goal: 'Launch' }, by: human },
  plan,
] as const;

describe('session reducer: runs and tasks', () => {
  it('creates a planned run from a brief, then plans tasks, cards and lanes on run.started', () => {
    const afterBrief = reduce(started.slice(0, 1));
    expect(afterBrief.runs.r1).toMatchObject({ status: 'planned', brief: { goal: 'Launch' }, submittedBy: human });
    expect(afterBrief.runOrder).toEqual(['r1']);

    const state = reduce(started);
    const run = state.runs.r1!;
    expect(run).toMatchObject({ status: 'running', startedAt: 1_002, model: { provider: 'offline' } });
    expect(run.taskOrder).toEqual(['research', 'strategy', 'posts']);
    expect(Object.values(run.tasks).map((task) => task.status)).toEqual(['todo', 'todo', 'todo']);
    expect(state.board['r1:strategy']).toMatchObject({
      status: 'todo',
      review: true,
      runId: 'r1',
      taskId: 'strategy',
      assignee: { kind: 'agent', agent: 'campaign-strategist' },
    });
    expect(state.boardOrder).toEqual(['r1:research', 'r1:strategy', 'r1:posts']);
    expect(state.agentOrder).toEqual(['market-researcher', 'campaign-strategist', 'content-creator']);
    expect(SessionStateSchema.safeParse(state).success).toBe(true);
  });

  it('moves tasks, cards and agent lanes through started, completed, failed, blocked and cancelled', () => {
    const state = reduce([
      ...started,
      { type: 'task.started', runId: 'r1', taskId: 'research', agent: 'market-researcher' },
      { type: 'task.completed', runId: 'r1', taskId: 'research', agent: 'market-researcher', deliverableId: 'd1' },
      { type: 'task.started', runId: 'r1', taskId: 'strategy', agent: 'campaign-strategist' },
      { type: 'task.failed', runId: 'r1', taskId: 'strategy', agent: 'campaign-strategist', error: { code: 'timeout', message: 'slow' } },
      { type: 'task.blocked', runId: 'r1', taskId: 'posts', reason: 'strategy failed' },
    ]);
    const tasks = state.runs.r1!.tasks;
    expect(tasks.research).toMatchObject({ status: 'done', deliverableId: 'd1' });
    expect(tasks.strategy).toMatchObject({ status: 'failed', error: { code: 'timeout', retryable: false } });
    expect(tasks.posts).toMatchObject({ status: 'blocked', blockedReason: 'strategy failed' });
    expect(state.board['r1:research']!.status).toBe('done');
    expect(state.board['r1:strategy']!.status).toBe('failed');
    expect(state.board['r1:posts']!.status).toBe('blocked');
    expect(state.agents['market-researcher']).toMatchObject({ status: 'idle', runId: 'r1', taskId: 'research' });

    const working = reduce([...started, { type: 'task.started', runId: 'r1', taskId: 'posts', agent: 'content-creator' }]);
    expect(working.agents['content-creator']).toMatchObject({ status: 'working', runId: 'r1', taskId: 'posts' });
    const cancelled = applyRecords(working, records([{ type: 'task.cancelled', runId: 'r1', taskId: 'posts', by: human }], 4));
    expect(cancelled.runs.r1!.tasks.posts!.status).toBe('cancelled');
    expect(cancelled.agents['content-creator']!.status).toBe('idle');
  });

  it('sets terminal run statuses with their end time, error and deliverables', () => {
    const completed = reduce([...started, { type: 'run.completed', runId: 'r1', deliverableIds: ['d1', 'd2'] }]);
    expect(completed.runs.r1).toMatchObject({ status: 'completed', endedAt: 1_003, deliverableIds: ['d1', 'd2'] });
    const failed = reduce([...started, { type: 'run.failed', runId: 'r1', error: { code: 'model_error', message: 'no' } }]);
    expect(failed.runs.r1).toMatchObject({ status: 'failed', endedAt: 1_003, error: { code: 'model_error' } });
    const interrupted = reduce([...started, { type: 'run.interrupted', runId: 'r1', reason: 'restart' }]);
    expect(interrupted.runs.r1).toMatchObject({ status: 'interrupted', endedAt: 1_003, error: { code: 'interrupted', message: 'restart', retryable: true } });
  });

  it('on run.cancelled keeps partial text, cancels streaming messages and unfinished tasks and cards', () => {
    const state = reduce([
      ...started,
      { type: 'task.started', runId: 'r1', taskId: 'research', agent: 'market-researcher' },
      { type: 'message.started', runId: 'r1', taskId: 'research', agent: 'market-researcher', messageId: 'm1' },
      { type: 'text.delta', runId: 'r1', taskId: 'research', agent: 'market-researcher', messageId: 'm1', text: 'Half a ' },
      { type: 'text.delta', runId: 'r1', taskId: 'research', agent: 'market-researcher', messageId: 'm1', text: 'thought' },
      { type: 'run.cancelled', runId: 'r1', by: human, reason: 'changed my mind' },
      // A late token after the fence must not reopen the message.
      { type: 'text.delta', runId: 'r1', taskId: 'research', agent: 'market-researcher', messageId: 'm1', text: '!' },
    ]);
    expect(findMessage(state, 'm1')).toMatchObject({ status: 'cancelled', text: 'Half a thought' });
    expect(state.runs.r1).toMatchObject({ status: 'cancelled', cancelledBy: human, endedAt: 1_007 });
    expect(state.runs.r1!.taskOrder.map((id) => state.runs.r1!.tasks[id]!.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(state.board['r1:posts']!.status).toBe('cancelled');
    expect(state.agents['market-researcher']!.status).toBe('idle');
  });

  it('ignores events about unknown runs, tasks, messages, cards and steers without throwing', () => {
    const base = reduce(started);
    const state = applyRecords(
      base,
      records(
        [
          { type: 'task.started', runId: 'nope', taskId: 'x', agent: 'data-analyst' },
          { type: 'task.completed', runId: 'r1', taskId: 'nope', agent: 'data-analyst' },
          { type: 'task.blocked', runId: 'nope', taskId: 'x', reason: 'r' },
          { type: 'run.completed', runId: 'nope', deliverableIds: [] },
          { type: 'run.cancelled', runId: 'nope', by: human },
          { type: 'steer.applied', runId: 'r1', taskId: 'x', agent: 'data-analyst', steerOffset: 99 },
          { type: 'card.updated', cardId: 'nope', status: 'done', by: human },
          { type: 'card.commented', cardId: 'nope', text: 'hi', by: human },
          { type: 'review.approved', runId: 'nope', taskId: 'x', by: human },
          { type: 'deliverable.created', runId: 'nope', taskId: 'x', deliverable: deliverable('d9', 'x', 'nope') },
          { type: 'usage', runId: 'nope', agent: 'data-analyst', inputTokens: 1, outputTokens: 2, costUsd: 0.5 },
          { type: 'text.delta', runId: 'nope', taskId: 'x', agent: 'data-analyst', messageId: 'orphan', text: 'hi' },
        ],
        3,
      ),
    );
    expect(state.offset).toBe(14);
    expect(Object.keys(state.runs)).toEqual(['r1']);
    expect(state.deliverables.d9).toBeDefined();
    expect(findMessage(state, 'orphan')).toMatchObject({ text: 'hi', status: 'streaming' });
    expect(state.usage.costUsd).toBe(0.5);
    expect(SessionStateSchema.safeParse(state).success).toBe(true);
  });
});

describe('session reducer: content', () => {
  const streaming = [
    ...started,
    { type: 'task.started', runId: 'r1', taskId: 'posts', agent: 'content-creator' },
    { type: 'message.started', runId: 'r1', taskId: 'posts', agent: 'content-creator', messageId: 'm1', offline: true },
  ] as const;

  it('streams a message, then takes the authoritative text and status from message.completed', () => {
    const state = reduce([
      ...streaming,
      { type: 'text.delta', runId: 'r1', taskId: 'posts', agent: 'content-creator', messageId: 'm1', text: 'Hel' },
      { type: 'text.delta', runId: 'r1', taskId: 'posts', agent: 'content-creator', messageId: 'm1', text: 'lo' },
    ]);
    expect(findMessage(state, 'm1')).toEqual({
      id: 'm1',
      runId: 'r1',
      taskId: 'posts',
      agent: 'content-creator',
      text: 'Hello',
      status: 'streaming',
      offline: true,
      startedAt: 4,
      // The running digest of the deltas equals the digest of the whole text.
      digest: digestText('Hello'),
    });
    expect(state.agents['content-creator']).toMatchObject({ status: 'working', messageId: 'm1', taskId: 'posts' });
    expect(state.runs.r1!.tasks.posts!.messageIds).toEqual(['m1']);

    const done = applyRecords(state, records([
      { type: 'message.completed', runId: 'r1', taskId: 'posts', agent: 'content-creator', messageId: 'm1', text: 'Hello, world' },
    ], 7));
    expect(findMessage(done, 'm1')).toMatchObject({ text: 'Hello, world', status: 'completed', digest: digestText('Hello, world') });
    const restarted = applyRecords(state, records([
      { type: 'message.completed', runId: 'r1', taskId: 'posts', agent: 'content-creator', messageId: 'm1', text: 'Hel', stopReason: 'restarted' },
    ], 7));
    expect(findMessage(restarted, 'm1')!.status).toBe('restarted');
  });

  it('a text.delta copies only the message, its bucket, the bucket list and the root', () => {
    const before = deepFreeze(reduce([
      ...streaming,
      { type: 'message.started', runId: 'r1', taskId: 'research', agent: 'market-researcher', messageId: 'm0' },
    ]));
    const after = applyRecord(before, records([
      { type: 'text.delta', runId: 'r1', taskId: 'posts', agent: 'content-creator', messageId: 'm1', text: 'x' },
    ], 6)[0]!);
    expect(after).not.toBe(before);
    expect(after.messageBuckets).not.toBe(before.messageBuckets);
    expect(findMessage(after, 'm1')).not.toBe(findMessage(before, 'm1'));
    expect(findMessage(after, 'm0')).toBe(findMessage(before, 'm0'));
    for (const key of ['runs', 'runOrder', 'agents', 'agentOrder', 'deliverables', 'board', 'boardOrder', 'steers', 'routing', 'usage'] as const) {
      expect(after[key]).toBe(before[key]);
    }
    expect(after.offset).toBe(6);
  });

  it('a text.delta in a session of thousands of messages shares every other bucket and message', () => {
    const started = Array.from({ length: 3000 }, (_, index) => ({
      type: 'message.started', runId: 'r1', taskId: 'posts', agent: 'content-creator', messageId: `m${index}`,
    }) as const);
    const before = deepFreeze(reduce([...streaming, ...started]));
    expect(listMessages(before)).toHaveLength(3000);
    const after = applyRecord(before, records([
      { type: 'text.delta', runId: 'r1', taskId: 'posts', agent: 'content-creator', messageId: 'm1234', text: 'x' },
    ], before.offset + 1)[0]!);
    const changed = messageBucketIndex('m1234');
    expect(after.messageBuckets).toHaveLength(MESSAGE_BUCKET_COUNT);
    after.messageBuckets.forEach((bucket, index) => {
      if (index === changed) expect(bucket).not.toBe(before.messageBuckets[index]);
      else expect(bucket).toBe(before.messageBuckets[index]);
    });
    const bucket = after.messageBuckets[changed]!;
    for (const id of Object.keys(bucket)) {
      if (id === 'm1234') expect(bucket[id]!.text).toBe('x');
      else expect(bucket[id]).toBe(before.messageBuckets[changed]![id]);
    }
    // A bucket holds about 3000 / 256 messages: what a delta copies does not grow with the session.
    expect(Object.keys(bucket).length).toBeLessThan(40);
  });

  it('stores deliverables and links them to their task and run', () => {
    const state = reduce([
      ...streaming,
      { type: 'deliverable.created', runId: 'r1', taskId: 'posts', deliverable: deliverable('d1', 'posts') },
      { type: 'run.completed', runId: 'r1', deliverableIds: ['d1'] },
    ]);
    expect(state.deliverables.d1).toMatchObject({ kind: 'ad-copy', issues: [] });
    expect(state.deliverableOrder).toEqual(['d1']);
    expect(state.runs.r1!.tasks.posts!.deliverableId).toBe('d1');
    expect(state.runs.r1!.deliverableIds).toEqual(['d1']);
  });

  it('adds usage to the run, the agent lane and the session totals', () => {
    const usage = { type: 'usage', runId: 'r1', taskId: 'posts', agent: 'data-analyst', inputTokens: 10, outputTokens: 5, cacheReadTokens: 2, costUsd: 0.25 } as const;
    const state = reduce([...started, usage, usage]);
    expect(state.runs.r1!.tasks.posts!.usage).toEqual({ inputTokens: 20, outputTokens: 10, cacheReadTokens: 4, cacheWriteTokens: 0, costUsd: 0.5 });
    expect(state.runs.r1!.tasks.research!.usage).toBeUndefined();
    const expected = { inputTokens: 20, outputTokens: 10, cacheReadTokens: 4, cacheWriteTokens: 0, costUsd: 0.5 };
    expect(state.runs.r1!.usage).toEqual(expected);
    expect(state.agents['data-analyst']!.usage).toEqual(expected);
    expect(state.usage).toEqual(expected);
    expect(state.agentOrder.at(-1)).toBe('data-analyst');
  });
});

describe('session reducer: steering, routing and the board', () => {
  it('records steers, where they were applied, and routing decisions', () => {
    const state = reduce([
      ...started,
      { type: 'steer.submitted', runId: 'r1', instruction: 'More playful', scope: { agent: 'content-creator' }, by: human },
      { type: 'steer.applied', runId: 'r1', taskId: 'posts', agent: 'content-creator', steerOffset: 3 },
      { type: 'routing.decided', runId: 'r1', taskId: 'posts', agent: 'content-creator', skill: 'social', via: 'playbook', reason: 'plan' },
    ]);
    expect(state.steers).toEqual([
      {
        offset: 3,
        runId: 'r1',
        instruction: 'More playful',
        scope: { agent: 'content-creator' },
        mode: 'next-turn',
        by: human,
        appliedTo: [{ agent: 'content-creator', taskId: 'posts', offset: 4 }],
      },
    ]);
    expect(state.routing).toEqual([
      { runId: 'r1', taskId: 'posts', agent: 'content-creator', skill: 'social', via: 'playbook', reason: 'plan' },
    ]);
  });

  it('creates, updates and comments on human cards', () => {
    const state = reduce([
      { type: 'card.created', cardId: 'c1', title: 'Book venue', assignee: { kind: 'human', id: 'u2' }, by: human },
      { type: 'card.created', cardId: 'c1', title: 'Duplicate is ignored', by: human },
      { type: 'card.updated', cardId: 'c1', status: 'in_progress', assignee: null, by: human },
      { type: 'card.commented', cardId: 'c1', text: 'Called them', by: human },
    ]);
    expect(state.board.c1).toEqual({
      id: 'c1',
      title: 'Book venue',
      status: 'in_progress',
      review: false,
      comments: [{ by: human, text: 'Called them', at: 1_004 }],
    });
    expect(state.boardOrder).toEqual(['c1']);
  });

  it('runs the review gate: requested, changes requested with a comment, approved', () => {
    const gate = [
      ...started,
      { type: 'task.started', runId: 'r1', taskId: 'strategy', agent: 'campaign-strategist' },
      { type: 'review.requested', runId: 'r1', taskId: 'strategy', deliverableId: 'd1' },
      { type: 'task.completed', runId: 'r1', taskId: 'strategy', agent: 'campaign-strategist' },
    ] as const;
    const inReview = reduce(gate);
    expect(inReview.runs.r1!.tasks.strategy!.status).toBe('review');
    expect(inReview.board['r1:strategy']!.status).toBe('review');

    const changes = reduce([...gate, { type: 'review.changes_requested', runId: 'r1', taskId: 'strategy', comment: 'Warmer', by: human }]);
    expect(changes.runs.r1!.tasks.strategy!.status).toBe('in_progress');
    expect(changes.board['r1:strategy']).toMatchObject({ status: 'in_progress', comments: [{ text: 'Warmer', by: human }] });

    const approved = reduce([...gate, { type: 'review.approved', runId: 'r1', taskId: 'strategy', by: human }]);
    expect(approved.runs.r1!.tasks.strategy!.status).toBe('done');
    expect(approved.board['r1:strategy']!.status).toBe('done');
    // Approving a task that is not in review changes nothing.
    const early = reduce([...started, { type: 'review.approved', runId: 'r1', taskId: 'posts', by: human }]);
    expect(early.runs.r1!.tasks.posts!.status).toBe('todo');
  });

  it('keeps card ids of long run and task ids within the id limit, so snapshots still validate', () => {
    const runId = 'r'.repeat(128);
    const state = reduce([
      { ...plan, runId, tasks: [{ id: 't'.repeat(128), title: 'Long', skill: 's', agent: 'data-analyst', dependsOn: [] }] },
      { type: 'review.requested', runId, taskId: 't'.repeat(128) },
    ]);
    const [cardId] = state.boardOrder;
    expect(cardId!.length).toBeLessThanOrEqual(128);
    expect(state.board[cardId!]).toMatchObject({ status: 'review', runId, taskId: 't'.repeat(128) });
    expect(SessionStateSchema.safeParse(state).success).toBe(true);
  });

  it('refuses reserved ids and treats other prototype names as plain keys', () => {
    // Ids become record keys; the protocol refuses the ones a record cannot hold safely.
    for (const id of ['__proto__', 'constructor', 'prototype']) expect(IdSchema.safeParse(id).success).toBe(false);
    const state = reduce([
      { type: 'brief.submitted', runId: 'toString', brief: { goal: 'x' }, by: human },
      { type: 'brief.submitted', runId: 'hasOwnProperty', brief: { goal: 'y' }, by: human },
      { type: 'card.updated', cardId: 'valueOf', status: 'done', by: human },
    ]);
    expect(Object.keys(state.runs)).toEqual(['toString', 'hasOwnProperty']);
    expect(Object.getPrototypeOf(state.runs)).toBe(Object.prototype);
    expect(state.board).toEqual({});
    expect(JSON.stringify(SessionStateSchema.parse(JSON.parse(JSON.stringify(state))))).toBe(JSON.stringify(state));
  });
});

describe('session reducer: offsets', () => {
  it('ignores records at or below the applied offset and returns the same object', () => {
    const state = reduce(started);
    expect(applyRecords(state, records(started))).toBe(state);
    expect(applyRecords(state, [])).toBe(state);
  });

  it('skips an event type it does not know but moves its offset', () => {
    const state = reduce(started);
    const future = { offset: 3, at: 9, event: { type: 'future.thing' } } as unknown as SessionRecord;
    const next = applyRecord(state, future);
    expect(next.offset).toBe(3);
    expect({ ...next, offset: 2 }).toEqual(state);
  });
});

// ---- property: every way of applying the same log gives the same state ----

const runIds = ['r1', 'r2'] as const;
const taskIds = ['t1', 't2', 't3'] as const;
const messageIds = ['m1', 'm2', 'm3', 'toString'] as const;
const agents = ['market-researcher', 'content-creator', 'data-analyst'] as const;
const cardIds = ['c1', 'c2', 'r1:t1'] as const;
const runId = fc.constantFrom(...runIds);
const taskId = fc.constantFrom(...taskIds);
const messageId = fc.constantFrom(...messageIds);
const agent = fc.constantFrom(...agents);
const status = fc.constantFrom('todo', 'in_progress', 'review', 'done', 'blocked', 'failed', 'cancelled' as const);
const word = fc.string({ minLength: 1, maxLength: 6 });
const by = fc.constantFrom(human, { kind: 'system' } as const, { kind: 'agent', agent: 'data-analyst' } as const);
const error = fc.record({ code: fc.constantFrom('timeout', 'model_error' as const), message: word });

const eventArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ type: fc.constant('brief.submitted' as const), runId, brief: fc.record({ goal: fc.constantFrom('Launch', 'Grow') }), by }),
  fc.record({
    type: fc.constant('run.started' as const),
    runId,
    model: fc.constant({ provider: 'offline', name: 'draft', offline: true }),
    tasks: fc.uniqueArray(
      fc.record({ id: taskId, title: word, skill: fc.constant('s'), agent, dependsOn: fc.constant([]), review: fc.boolean() }),
      { selector: (task) => task.id, maxLength: 3 },
    ),
  }),
  fc.record({ type: fc.constantFrom('task.started', 'task.completed' as const), runId, taskId, agent }),
  fc.record({ type: fc.constant('task.failed' as const), runId, taskId, agent, error }),
  fc.record({ type: fc.constant('task.blocked' as const), runId, taskId, reason: word }),
  fc.record({ type: fc.constant('task.cancelled' as const), runId, taskId }),
  fc.record({ type: fc.constant('message.started' as const), runId, taskId, agent, messageId, offline: fc.boolean() }),
  { arbitrary: fc.record({ type: fc.constant('text.delta' as const), runId, taskId, agent, messageId, text: word }), weight: 4 },
  fc.record({
    type: fc.constant('message.completed' as const),
    runId,
    taskId,
    agent,
    messageId,
    text: word,
    stopReason: fc.constantFrom('end', 'cancelled', 'error', 'restarted' as const),
  }),
  fc.record({ type: fc.constant('deliverable.created' as const), runId, taskId }).map((event) => ({
    ...event,
    deliverable: deliverable(`d-${event.runId}-${event.taskId}`, event.taskId, event.runId),
  })),
  fc.record({ type: fc.constant('run.completed' as const), runId, deliverableIds: fc.array(fc.constantFrom('d-r1-t1', 'dx'), { maxLength: 2 }) }),
  fc.record({ type: fc.constant('run.cancelled' as const), runId, by }),
  fc.record({ type: fc.constant('run.failed' as const), runId, error }),
  fc.record({ type: fc.constant('run.interrupted' as const), runId, reason: word }),
  fc.record({ type: fc.constant('cancel.requested' as const), runId, by }),
  fc.record({ type: fc.constant('steer.submitted' as const), runId, instruction: word, by }),
  fc.record({ type: fc.constant('steer.applied' as const), runId, taskId, agent, steerOffset: fc.integer({ min: 1, max: 30 }) }),
  fc.record({ type: fc.constant('routing.decided' as const), runId, agent, skill: fc.constant('s'), via: fc.constant('rule' as const), reason: word }, { requiredKeys: ['type', 'runId', 'agent', 'skill', 'via', 'reason'] }),
  fc.record(
    { type: fc.constant('usage' as const), runId, taskId, agent, inputTokens: fc.nat(100), outputTokens: fc.nat(100), costUsd: fc.double({ min: 0, max: 1, noNaN: true }) },
    { requiredKeys: ['type', 'runId', 'agent', 'inputTokens', 'outputTokens', 'costUsd'] },
  ),
  fc.record(
    { type: fc.constant('card.created' as const), cardId: fc.constantFrom(...cardIds), title: word, status, assignee: fc.constant({ kind: 'agent', agent: 'data-analyst' } as const), by },
    { requiredKeys: ['type', 'cardId', 'title', 'by'] },
  ),
  fc.record(
    { type: fc.constant('card.updated' as const), cardId: fc.constantFrom(...cardIds), title: word, status, assignee: fc.constantFrom(null, { kind: 'human', id: 'u2' } as const), by },
    { requiredKeys: ['type', 'cardId', 'by'] },
  ),
  fc.record({ type: fc.constant('card.commented' as const), cardId: fc.constantFrom(...cardIds), text: word, by }),
  fc.record({ type: fc.constant('review.requested' as const), runId, taskId }),
  fc.record({ type: fc.constant('review.approved' as const), runId, taskId, by }),
  fc.record({ type: fc.constant('review.changes_requested' as const), runId, taskId, comment: word, by }),
);

const logArbitrary = fc.array(eventArbitrary, { maxLength: 40 }).map((events) => records(events));

/** Splits a list into consecutive batches at the given cut points. */
function split<T>(list: readonly T[], cuts: readonly number[]): T[][] {
  const points = [...new Set(cuts.map((cut) => cut % (list.length + 1)))].sort((a, b) => a - b);
  const batches: T[][] = [];
  let start = 0;
  for (const point of [...points, list.length]) {
    batches.push(list.slice(start, point));
    start = point;
  }
  return batches;
}

describe('session reducer: properties', () => {
  it('batch, one by one, random splits and snapshot + rest all give JSON-identical, valid state', () => {
    fc.assert(
      fc.property(logArbitrary, fc.array(fc.nat(), { maxLength: 6 }), fc.nat(), (log, cuts, snapshotAt) => {
        const batch = applyRecords(deepFreeze(createSessionState()), log);
        const expected = JSON.stringify(batch);
        expect(SessionStateSchema.safeParse(batch).success).toBe(true);

        let oneByOne = createSessionState();
        for (const record of log) oneByOne = deepFreeze(applyRecord(oneByOne, record));
        expect(JSON.stringify(oneByOne)).toBe(expected);

        let splits = createSessionState();
        for (const part of split(log, cuts)) splits = deepFreeze(applyRecords(splits, part));
        expect(JSON.stringify(splits)).toBe(expected);

        const k = snapshotAt % (log.length + 1);
        const snapshot = SessionStateSchema.parse(JSON.parse(JSON.stringify(applyRecords(createSessionState(), log.slice(0, k)))));
        expect(JSON.stringify(applyRecords(snapshot, log.slice(k)))).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('runs of deltas of one message, applied as a batch, give what one by one gives (text, digest, stalls)', () => {
    // Mostly deltas, from few messages and tasks, so a batch holds long runs of one message broken
    // by another message, another task of the same message id, a stall, an end or a restart.
    const delta = fc.record({ type: fc.constant('text.delta' as const), runId: fc.constant('r1'), taskId: fc.constantFrom('research', 'posts'), agent: fc.constant('content-creator'), messageId: fc.constantFrom('m1', 'm2'), text: word });
    const other = fc.oneof(
      fc.record({ type: fc.constant('task.started' as const), runId: fc.constant('r1'), taskId: fc.constantFrom('research', 'posts'), agent: fc.constant('content-creator') }),
      fc.record({ type: fc.constant('task.stalled' as const), runId: fc.constant('r1'), taskId: fc.constantFrom('research', 'posts'), agent: fc.constant('content-creator'), sinceMs: fc.nat(1000), reason: word }),
      fc.record({ type: fc.constant('message.started' as const), runId: fc.constant('r1'), taskId: fc.constantFrom('research', 'posts'), agent: fc.constant('content-creator'), messageId: fc.constantFrom('m1', 'm2'), offline: fc.boolean() }),
      fc.record({ type: fc.constant('message.completed' as const), runId: fc.constant('r1'), taskId: fc.constant('research'), agent: fc.constant('content-creator'), messageId: fc.constantFrom('m1', 'm2'), text: word, stopReason: fc.constantFrom('end', 'restarted' as const) }),
    );
    // Both tasks working and stalled: the first delta of either clears its stall.
    const working = ['research', 'posts'].flatMap((taskId) => [
      { type: 'task.started', runId: 'r1', taskId, agent: 'content-creator' },
      { type: 'task.stalled', runId: 'r1', taskId, agent: 'content-creator', sinceMs: 10, reason: 'slow' },
    ]);
    const log = fc.array(fc.oneof({ arbitrary: delta, weight: 12 }, { arbitrary: other, weight: 1 }), { maxLength: 60 }).map((events) => records([...started, ...working, ...events]));
    fc.assert(
      fc.property(log, fc.array(fc.nat(), { maxLength: 4 }), (log, cuts) => {
        let oneByOne = createSessionState();
        for (const record of log) oneByOne = deepFreeze(applyRecord(oneByOne, record));
        const expected = JSON.stringify(oneByOne);
        expect(JSON.stringify(applyRecords(deepFreeze(createSessionState()), log))).toBe(expected);
        let splits = createSessionState();
        for (const part of split(log, cuts)) splits = deepFreeze(applyRecords(splits, part));
        expect(JSON.stringify(splits)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('duplicates and replays are no-ops', () => {
    fc.assert(
      fc.property(logArbitrary, fc.array(fc.nat(), { maxLength: 10 }), (log, picks) => {
        const state = deepFreeze(applyRecords(createSessionState(), log));
        const replay = picks.map((pick) => log[pick % Math.max(log.length, 1)]).filter((record) => record !== undefined);
        expect(applyRecords(state, replay)).toBe(state);
        expect(applyRecords(state, log)).toBe(state);
        // Interleaving duplicates with the log itself gives the same state as the log alone.
        const doubled = log.flatMap((record) => [record, record]);
        expect(JSON.stringify(applyRecords(createSessionState(), doubled))).toBe(JSON.stringify(state));
      }),
      { numRuns: 200 },
    );
  });

  it('restores a stored state checked a slice at a time exactly as checked whole, and refuses the same broken ones', async () => {
    const turn = () => Promise.resolve();
    await fc.assert(
      fc.asyncProperty(logArbitrary, fc.nat(), fc.nat(), async (log, where, which) => {
        const stored = JSON.parse(JSON.stringify(applyRecords(createSessionState(), log))) as Record<string, unknown>;
        const whole = restoreSessionState(structuredClone(stored));
        const sliced = await restoreSessionStateInTurns(structuredClone(stored), turn);
        expect(JSON.stringify(sliced)).toBe(JSON.stringify(whole));
        // Break one entry of a sliced map (a message, a run or a deliverable: each has an id) or a plain field.
        const messages = (stored.messageBuckets as Record<string, Record<string, unknown>>[]).flatMap((bucket) => Object.values(bucket));
        const targets = [...messages, ...Object.values(stored.runs as Record<string, Record<string, unknown>>), ...Object.values(stored.deliverables as Record<string, Record<string, unknown>>)];
        if (targets.length > 0 && which % 4 !== 0) targets[where % targets.length]!.id = 7;
        else stored.offset = -1;
        expect(restoreSessionState(structuredClone(stored))).toBeUndefined();
        expect(await restoreSessionStateInTurns(structuredClone(stored), turn)).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });
});

