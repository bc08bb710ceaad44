import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ServerFrame, SessionRecord } from '@marketing-team/core';
import type { SessionGrant } from '../auth/token-issuer.js';
import type { RunLauncher } from '../runtime/run-launcher.js';
import { MemoryStore } from '../stores/memory-store.js';
import { SqliteStore } from '../stores/sqlite-store.js';
import { SessionHub } from './session-hub.js';
import type { SessionSubscriber } from './session-subscriber.js';

const grant: SessionGrant = { userId: 'u-1', capabilities: ['read', 'write', 'control'], expiresAt: Math.floor(Date.now() / 1000) + 600 };

function collector(clientId = 'c-1', userId = 'u-1'): SessionSubscriber & { frames: ServerFrame[]; records: SessionRecord[] } {
  const frames: ServerFrame[] = [];
  const records: SessionRecord[] = [];
  return {
    frames,
    records,
    clientId,
    userId,
    subscribed: (frame) => frames.push(frame),
    snapshot: (json) => frames.push(JSON.parse(json) as ServerFrame),
    deliver: (batch) => {
      frames.push(JSON.parse(batch.frameJson()) as ServerFrame);
      records.push(...batch.records);
    },
    presence: (json) => frames.push(JSON.parse(json) as ServerFrame),
  };
}

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 2000 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(await check()).toBe(true);
}

const brief = (runId: string) => ({ type: 'brief.submitted', runId, brief: { goal: 'Test' } });

describe('SessionHub', () => {
  it('coalesces the records stored in one tick into one batch per subscriber', async () => {
    const store = new MemoryStore();
    const hub = new SessionHub({ store, idleSessionMs: 0 });
    const subscriber = collector();
    await hub.subscribe('s', grant, subscriber, { from: 0 });
    await Promise.all(['a', 'b', 'c'].map((id) => hub.publish('s', grant, id, { type: 'card.created', cardId: id, title: id })));
    await until(() => subscriber.records.length === 3);
    expect(subscriber.frames.filter((frame) => frame.type === 'events')).toHaveLength(1);
    await hub.close();
  });

  it('delivers a stored batch before the appender resumes (commit, deliver, acknowledge)', async () => {
    for (const store of [new MemoryStore(), new SqliteStore({ path: ':memory:' })]) {
      const hub = new SessionHub({ store, idleSessionMs: 0 });
      const subscriber = collector();
      await hub.subscribe('s', grant, subscriber, { from: 0 });
      const appended = await store.append('s', [{ type: 'text.delta', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1', text: 'a' }]);
      // Nothing else ran in between: no timer, no later turn of the event loop.
      expect(subscriber.records.map((record) => record.offset)).toEqual([appended.lastOffset]);
      await hub.close();
      await store.close();
    }
  });

  it('records a run as failed when its launcher throws or returns without a result', async () => {
    const store = new MemoryStore();
    const throwing: RunLauncher = { launch: async () => Promise.reject(new Error('boom')) };
    const silent: RunLauncher = { launch: async () => undefined };
    for (const [name, launcher] of [['throwing', throwing], ['silent', silent]] as const) {
      const hub = new SessionHub({ store, launcher, onError: () => undefined });
      await hub.publish(name, grant, 'b', brief('run-1'));
      await until(async () => (await store.read(name, 0)).some((record) => record.event.type === 'run.failed'));
      const failed = (await store.read(name, 0)).find((record) => record.event.type === 'run.failed');
      expect(failed?.event).toMatchObject({ error: { code: 'internal' } });
      expect(JSON.stringify(failed)).not.toContain('boom');
      await hub.close();
    }
  });

  it('refuses a second brief for an existing run from another user, and acks a retry from the same user', async () => {
    const store = new MemoryStore();
    const hub = new SessionHub({ store });
    const first = await hub.publish('s', grant, 'b1', brief('run-1'));
    await expect(hub.publish('s', grant, 'b2', brief('run-1'))).resolves.toMatchObject({ duplicate: true, offset: first.offset });
    await expect(hub.publish('s', { ...grant, userId: 'u-2' }, 'b3', brief('run-1'))).rejects.toMatchObject({ code: 'conflict' });
    expect((await store.head('s')).offset).toBe(1);
    await hub.close();
  });

  it('on close, records the runs it owns as interrupted', async () => {
    const store = new MemoryStore();
    const endless: RunLauncher = {
      launch: (context) => new Promise((resolve) => context.signal.addEventListener('abort', () => resolve(), { once: true })),
    };
    const hub = new SessionHub({ store, launcher: endless });
    await hub.publish('s', grant, 'b', brief('run-1'));
    await until(() => hub.ownedRuns('s').length === 1);
    await hub.close();
    expect((await store.read('s', 0)).at(-1)?.event).toMatchObject({ type: 'run.interrupted', runId: 'run-1' });
  });

  it('moves subscribers to the new epoch with a snapshot when the log is reset', async () => {
    const store = new MemoryStore();
    const hub = new SessionHub({ store });
    const subscriber = collector();
    await hub.subscribe('s', grant, subscriber, { from: 0 });
    await hub.publish('s', grant, 'a', { type: 'card.created', cardId: 'a', title: 'a' });
    await until(() => subscriber.records.length === 1);
    const before = (await store.head('s')).epoch;
    await store.delete('s');
    await store.append('s', [{ type: 'card.created', cardId: 'b', title: 'b', status: 'todo', by: { kind: 'system' } }]);
    await until(() => subscriber.frames.some((frame) => frame.type === 'snapshot' && frame.epoch !== before));
    const snapshot = subscriber.frames.find((frame) => frame.type === 'snapshot');
    expect(snapshot?.type === 'snapshot' && Object.keys(snapshot.state.board)).not.toContain('a');
    await hub.publish('s', grant, 'c', { type: 'card.created', cardId: 'c', title: 'c' });
    await until(() => subscriber.records.some((record) => record.event.type === 'card.created' && record.event.cardId === 'c'));
    await hub.close();
  });

  it('sends a snapshot for an old epoch or an offset the store no longer holds, and replays otherwise', async () => {
    const store = new MemoryStore();
    // No records kept in memory: what is stored decides (recent-resume.test.ts covers them).
    const hub = new SessionHub({ store, snapshotEvery: 5, recentRecords: 0 });
    for (let i = 0; i < 12; i++) await hub.publish('s', grant, `m${i}`, { type: 'card.created', cardId: `c${i}`, title: 'x' });
    await until(async () => ((await store.loadSnapshot('s'))?.offset ?? 0) >= 10);
    const { epoch } = await store.head('s');
    const kinds = async (position: { from?: number; epoch?: string }) => {
      const subscriber = collector();
      const subscription = await hub.subscribe('s', grant, subscriber, position);
      subscription.close();
      return subscriber.frames.filter((frame) => frame.type !== 'presence').map((frame) => frame.type);
    };
    expect(await kinds({ from: 3, epoch })).toEqual(['subscribed', 'events']);
    expect(await kinds({ from: 3, epoch: 'an-old-epoch' })).toEqual(['subscribed', 'snapshot']);
    expect(await kinds({})).toEqual(['subscribed', 'snapshot']);
    expect(await store.applyRetention('s', { maxEvents: 2 })).toBeGreaterThan(0);
    expect(await kinds({ from: 3, epoch })).toEqual(['subscribed', 'snapshot']);
    await hub.close();
  });

  it('sends a resume its first page from the store before the session has opened, then goes live with no gap and no duplicate', async () => {
    const store = new MemoryStore();
    const card = (id: number) => ({ type: 'card.created' as const, cardId: `c${id}`, title: 'x', status: 'todo' as const, by: { kind: 'system' as const } });
    for (let i = 0; i < 300; i++) await store.append('s', [card(i)]);
    // The channel opens by loading the snapshot: held back, so the session stays unopened.
    let open!: () => void;
    const opening = new Promise<void>((resolve) => (open = resolve));
    const load = store.loadSnapshot.bind(store);
    store.loadSnapshot = async (session) => {
      await opening;
      return load(session);
    };
    const hub = new SessionHub({ store });
    const { epoch } = await store.head('s');
    const subscriber = collector();
    const subscribed = hub.subscribe('s', grant, subscriber, { from: 100, epoch });
    await until(() => subscriber.records.length === 200);
    expect(subscriber.frames[0]).toMatchObject({ type: 'subscribed', epoch, head: 300 });
    // Stored while the channel is still opening: the channel's tail delivers them after the pages.
    for (let i = 300; i < 310; i++) await store.append('s', [card(i)]);
    open();
    await subscribed;
    for (let i = 310; i < 320; i++) await store.append('s', [card(i)]);
    await until(() => subscriber.records.length === 220);
    expect(subscriber.records.map((record) => record.offset)).toEqual(Array.from({ length: 220 }, (_, index) => 101 + index));
    // An offset the store no longer holds still gets a snapshot when the session is not open.
    await store.saveSnapshot('s', { offset: 320, state: (await hub.snapshot('s')).state });
    await store.applyRetention('s', { maxEvents: 5 });
    const cold = new SessionHub({ store });
    const late = collector();
    (await cold.subscribe('s', grant, late, { from: 100, epoch })).close();
    expect(late.frames.filter((frame) => frame.type !== 'presence').map((frame) => frame.type)).toEqual(['subscribed', 'snapshot']);
    await cold.close();
    await hub.close();
  });

  it('asks for the head and the first page of a resume together while the session opens', async () => {
    const store = new MemoryStore();
    const card = (id: number) => ({ type: 'card.created' as const, cardId: `c${id}`, title: 'x', status: 'todo' as const, by: { kind: 'system' as const } });
    for (let i = 0; i < 20; i++) await store.append('s', [card(i)]);
    const { epoch } = await store.head('s');
    // Every head is held back until released: a read issued meanwhile did not wait for it.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const head = store.head.bind(store);
    store.head = async (session) => {
      await released;
      return head(session);
    };
    const reads: number[] = [];
    const read = store.read.bind(store);
    store.read = (session, after, limit) => {
      reads.push(after);
      return read(session, after, limit);
    };
    const hub = new SessionHub({ store });
    const subscriber = collector();
    const subscribed = hub.subscribe('s', grant, subscriber, { from: 15, epoch });
    await until(() => reads.length > 0);
    expect(reads[0]).toBe(15);
    release();
    (await subscribed).close();
    expect(subscriber.records.map((record) => record.offset)).toEqual([16, 17, 18, 19, 20]);
    // A page read for another epoch is not sent: the head decides, and the client gets a snapshot.
    const stale = collector();
    (await new SessionHub({ store }).subscribe('s', grant, stale, { from: 15, epoch: 'an-old-epoch' })).close();
    expect(stale.records).toEqual([]);
    expect(stale.frames.filter((frame) => frame.type !== 'presence').map((frame) => frame.type)).toEqual(['subscribed', 'snapshot']);
    await hub.close();
  });

  it('checks capabilities and expiry before touching the store', async () => {
    const store = new MemoryStore();
    const hub = new SessionHub({ store });
    await expect(hub.publish('s', { ...grant, capabilities: ['read'] }, 'a', { type: 'card.created', cardId: 'a', title: 'a' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(hub.subscribe('s', { ...grant, capabilities: ['write'] }, collector())).rejects.toMatchObject({ code: 'forbidden' });
    await expect(hub.publish('s', { ...grant, expiresAt: 1 }, 'a', { type: 'card.created', cardId: 'a', title: 'a' })).rejects.toMatchObject({ code: 'unauthorized' });
    expect((await store.head('s')).offset).toBe(0);
    await hub.close();
  });

  it('takes review decisions only with control, for a task of the run that is awaiting review', async () => {
    const store = new MemoryStore();
    const system = { kind: 'system' } as const;
    const tasks = [
      { id: 'gated', title: 'Research', skill: 'research-brief', agent: 'market-researcher', dependsOn: [], review: true },
      { id: 'later', title: 'Strategy', skill: 'campaign-strategy', agent: 'campaign-strategist', dependsOn: ['gated'], review: false },
    ];
    await store.append('s', [
      { type: 'brief.submitted', runId: 'run-1', brief: { goal: 'Test', channels: [], deliverables: [], reviewGates: ['research-brief'] }, by: system },
      { type: 'run.started', runId: 'run-1', tasks, model: { provider: 'scripted', name: 'x', offline: true } },
      { type: 'task.started', runId: 'run-1', taskId: 'gated', agent: 'market-researcher' },
      { type: 'review.requested', runId: 'run-1', taskId: 'gated' },
    ]);
    const hub = new SessionHub({ store });
    const head = (await store.head('s')).offset;
    const writeOnly: SessionGrant = { ...grant, capabilities: ['read', 'write'] };
    const approve = (runId: string, taskId: string) => ({ type: 'review.approved', runId, taskId });
    const changes = (runId: string, taskId: string) => ({ type: 'review.changes_requested', runId, taskId, comment: 'Again' });

    await expect(hub.publish('s', writeOnly, 'r1', approve('run-1', 'gated'))).rejects.toMatchObject({ code: 'forbidden', field: 'token' });
    await expect(hub.publish('s', writeOnly, 'r2', changes('run-1', 'gated'))).rejects.toMatchObject({ code: 'forbidden', field: 'token' });
    await expect(hub.publish('s', grant, 'r3', approve('run-9', 'gated'))).rejects.toMatchObject({ code: 'not_found', field: 'event.runId' });
    await expect(hub.publish('s', grant, 'r4', approve('run-1', 'nope'))).rejects.toMatchObject({ code: 'not_found', field: 'event.taskId' });
    await expect(hub.publish('s', grant, 'r5', changes('run-1', '__proto__'))).rejects.toMatchObject({ code: 'bad_frame', field: 'event.taskId' });
    await expect(hub.publish('s', grant, 'r6', approve('run-1', 'later'))).rejects.toMatchObject({ code: 'conflict', field: 'event.taskId' });
    await expect(hub.publish('s', grant, 'r7', changes('run-1', 'later'))).rejects.toMatchObject({ code: 'conflict', field: 'event.taskId' });
    // Nothing was stored by any refused decision.
    expect((await store.head('s')).offset).toBe(head);

    await expect(hub.publish('s', grant, 'r8', approve('run-1', 'gated'))).resolves.toMatchObject({ offset: head + 1, duplicate: false });
    expect((await hub.snapshot('s')).state.runs['run-1']!.tasks['gated']!.status).toBe('done');
    // Once approved, the task no longer awaits review.
    await expect(hub.publish('s', grant, 'r9', changes('run-1', 'gated'))).rejects.toMatchObject({ code: 'conflict', field: 'event.taskId' });
    await hub.close();
  });
});

describe('SessionHub deliverable edits', () => {
  const deliverable = {
    id: 'd-research',
    kind: 'research-brief' as const,
    title: 'Research brief',
    runId: 'run-1',
    taskId: 'research',
    agent: 'market-researcher',
    skill: 'market-research',
    offline: true,
    markdown: 'Agent text.',
    data: { summary: 'Agent summary', audienceInsights: [], marketTrends: [], opportunities: [] },
    issues: [],
    disclaimers: [],
  };
  const edit = (baseVersion: number, markdown: string, extra: Record<string, unknown> = {}) => ({
    type: 'deliverable.edited',
    runId: 'run-1',
    taskId: 'research',
    deliverableId: deliverable.id,
    baseVersion,
    content: { kind: 'research-brief', title: 'Research brief', markdown, data: deliverable.data },
    ...extra,
  });

  async function sessionWithDeliverable() {
    const store = new MemoryStore();
    await store.append('s', [
      { type: 'brief.submitted', runId: 'run-1', brief: { goal: 'Test', channels: [], deliverables: [], reviewGates: [] }, by: { kind: 'system' } },
      { type: 'run.started', runId: 'run-1', tasks: [{ id: 'research', title: 'Research', skill: 'market-research', agent: 'market-researcher', dependsOn: [], review: false }], model: { provider: 'scripted', name: 'x', offline: true } },
      { type: 'deliverable.created', runId: 'run-1', taskId: 'research', deliverable },
      { type: 'run.completed', runId: 'run-1', deliverableIds: [deliverable.id] },
    ]);
    return { store, hub: new SessionHub({ store }) };
  }

  it('stores an edit with the actor of the token, and refuses one made on a stale version with a conflict naming baseVersion', async () => {
    const { store, hub } = await sessionWithDeliverable();
    const head = (await store.head('s')).offset;
    const forged = { by: { kind: 'human', id: 'someone-else', name: 'Mallory' } };
    await expect(hub.publish('s', grant, 'e1', edit(1, 'Edited by u-1.', forged))).resolves.toMatchObject({ offset: head + 1, duplicate: false });
    const stored = (await store.read('s', head)).at(-1)!;
    expect(stored.event).toMatchObject({ type: 'deliverable.edited', by: { kind: 'human', id: 'u-1' } });
    // Edits need write, not control; a stale base is refused and nothing is stored.
    await expect(hub.publish('s', { ...grant, capabilities: ['read'] }, 'e2', edit(2, 'x'))).rejects.toMatchObject({ code: 'forbidden' });
    await expect(hub.publish('s', { ...grant, userId: 'u-2' }, 'e3', edit(1, 'Made on version 1.'))).rejects.toMatchObject({ code: 'conflict', field: 'event.baseVersion' });
    await expect(hub.publish('s', { ...grant, capabilities: ['read', 'write'] }, 'e4', edit(2, 'Second edit.'))).resolves.toMatchObject({ offset: head + 2 });
    const { state } = await hub.snapshot('s');
    expect(state.deliverables[deliverable.id]?.markdown).toBe('Second edit.');
    expect(state.deliverableVersions[deliverable.id]?.version).toBe(3);
    expect(state.deliverableVersions[deliverable.id]?.history.map((entry) => entry.by)).toEqual([
      { kind: 'agent', agent: 'market-researcher' },
      { kind: 'human', id: 'u-1' },
      { kind: 'human', id: 'u-1' },
    ]);
    await hub.close();
  });

  it('refuses bad content, another kind and an unknown deliverable with typed errors naming the field', async () => {
    const { store, hub } = await sessionWithDeliverable();
    const head = (await store.head('s')).offset;
    await expect(hub.publish('s', grant, 'b1', edit(1, 'x'.repeat(200_001)))).rejects.toMatchObject({ code: 'bad_frame', field: 'event.content.markdown' });
    await expect(hub.publish('s', grant, 'b2', { ...edit(1, 'x'), content: { kind: 'research-brief', title: 'T', markdown: 'x', data: { summary: 'only' } } })).rejects.toMatchObject({ code: 'bad_frame', field: 'event.content.data.audienceInsights' });
    await expect(hub.publish('s', grant, 'b3', { ...edit(1, 'x'), content: { kind: 'ad-copy', title: 'T', markdown: 'x', data: { variants: [] } } })).rejects.toMatchObject({ code: 'bad_frame', field: 'event.content.kind' });
    await expect(hub.publish('s', grant, 'b4', { ...edit(1, 'x'), deliverableId: 'nope' })).rejects.toMatchObject({ code: 'not_found', field: 'event.deliverableId' });
    await expect(hub.publish('s', grant, 'b5', { ...edit(1, 'x'), runId: 'run-9' })).rejects.toMatchObject({ code: 'not_found', field: 'event.runId' });
    expect((await store.head('s')).offset).toBe(head);
    await hub.close();
  });
});

describe('SessionHub presence', () => {
  // Only the presence timer and the clock are faked: the store and the record fan-out keep
  // running on their own, and the test decides when the coalescing window ends.
  afterEach(() => void vi.useRealTimers());
  const watching: SessionGrant = { ...grant, capabilities: ['read', 'presence'] };
  const readOnly: SessionGrant = { ...grant, userId: 'u-toggler', capabilities: ['read'] };
  const presenceFrames = (subscriber: { frames: ServerFrame[] }) => subscriber.frames.filter((frame) => frame.type.startsWith('presence'));

  it('sends the others coalesced changes, never the list, and nothing to a token without presence', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const store = new MemoryStore();
    const hub = new SessionHub({ store, idleSessionMs: 60_000, presenceIntervalMs: 500 });
    const watchers = Array.from({ length: 30 }, (_, index) => collector(`w-${index}`, `u-${index}`));
    for (const watcher of watchers) await hub.subscribe('s', { ...watching, userId: watcher.userId }, watcher);
    await vi.advanceTimersByTimeAsync(1_000);
    // Each watcher got the list as it stood when it joined, then one change naming all thirty.
    for (const watcher of watchers) {
      const [list, ...changes] = presenceFrames(watcher);
      expect(list).toMatchObject({ type: 'presence', viewers: [] });
      expect(changes).toHaveLength(1);
      expect(changes[0]).toMatchObject({ type: 'presence.changed', left: [] });
      expect((changes[0] as { joined: unknown[] }).joined).toHaveLength(30);
      watcher.frames.length = 0;
    }

    // A read-only viewer toggling its subscription 90 times within one window: join and leave
    // cancel out, so the others hear nothing at all (before, each toggle sent every viewer the
    // full list twice).
    const toggler = collector('toggler', readOnly.userId);
    for (let round = 0; round < 90; round++) (await hub.subscribe('s', readOnly, toggler)).close();
    await vi.advanceTimersByTimeAsync(1_000);
    for (const watcher of watchers) expect(presenceFrames(watcher)).toEqual([]);

    // It stays: one small change, naming it alone, reaches each watcher once.
    const stay = await hub.subscribe('s', readOnly, toggler);
    await vi.advanceTimersByTimeAsync(1_000);
    for (const watcher of watchers) {
      expect(presenceFrames(watcher)).toEqual([
        { type: 'presence.changed', session: 's', joined: [expect.objectContaining({ clientId: 'toggler', userId: 'u-toggler' })], left: [] },
      ]);
    }
    // Without the presence capability it counted as a viewer but was told nothing.
    expect(presenceFrames(toggler)).toEqual([]);

    stay.close();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(presenceFrames(watchers[0]!).at(-1)).toEqual({ type: 'presence.changed', session: 's', joined: [], left: [{ clientId: 'toggler', userId: 'u-toggler' }] });
    await hub.close();
  });

  it('asks the subscriber before each frame, so a refreshed token without presence stops it at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const hub = new SessionHub({ store: new MemoryStore(), idleSessionMs: 60_000 });
    let allowed = true;
    const watcher = { ...collector('w', 'u-w'), seesPresence: () => allowed };
    await hub.subscribe('s', watching, watcher);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(presenceFrames(watcher).map((frame) => frame.type)).toEqual(['presence', 'presence.changed']);
    allowed = false;
    await hub.subscribe('s', readOnly, collector('other', 'u-other'));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(presenceFrames(watcher)).toHaveLength(2);
    await hub.close();
  });
});
