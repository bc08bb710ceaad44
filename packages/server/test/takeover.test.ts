// A person takes a task over from its agent and hands it back or finishes it: the agent stops
// working on that task only, the run goes on, dependants wait, and the log says who did what.
import { BlobReader, TextWriter, ZipReader } from '@zip.js/zip.js';
import { afterAll, describe, expect, it } from 'vitest';
import { applyRecords, createDefaultTeam, createSessionState, type SessionRecord } from '@marketing-team/core';
import { SqliteStore } from '../src/stores/sqlite-store.js';
import { createTeamRuntime } from '../src/runtime/team-runtime.js';
import { createControlledProvider } from '../src/runtime/testing/index.js';
import { publishOnce, RawClient, readAll, startServer, tempDir, until } from './_harness.js';

const dir = tempDir();
const path = `${dir.path}/takeover.db`;
const store = new SqliteStore({ path });
afterAll(async () => {
  await store.close();
  dir.cleanup();
});

const brief = { goal: 'Launch the spring collection to weekend hikers', channels: ['x', 'linkedin'] };
const RESEARCH = 'run-1:research';
const STRATEGY = 'run-1:strategy';

const stateOf = (log: readonly SessionRecord[]) => applyRecords(createSessionState(), log);
const taskOf = (log: readonly SessionRecord[], taskId: string) => stateOf(log).runs['run-1']!.tasks[taskId]!;
const has = (log: readonly SessionRecord[], test: (record: SessionRecord) => boolean) => log.some(test);

/** Starts a run whose research is held mid-generation, then takes the research over as Dana. */
async function takenOverRun(session: string) {
  const provider = createControlledProvider();
  provider.hold('research-brief');
  const env = await startServer(store, { launcher: createTeamRuntime({ team: createDefaultTeam(), provider, coalesceMs: 0 }) });
  const dana = await env.server.tokens.mint({ session, userId: 'dana', userName: 'Dana', capabilities: ['read', 'write', 'control'], ttlSeconds: 600 });
  expect((await publishOnce(env.wsUrl, dana, session, 'brief', { type: 'brief.submitted', runId: 'run-1', brief })).type).toBe('ack');
  const research = await provider.waitForCall('research-brief');
  await until(async () => has(await readAll(store, session), (r) => r.event.type === 'text.delta' && r.event.taskId === RESEARCH), 20_000, 'research streaming');

  const answer = await publishOnce(env.wsUrl, dana, session, 'take-1', { type: 'task.taken_over', runId: 'run-1', taskId: RESEARCH });
  expect(answer.type).toBe('ack');
  // Its generation stops for that task only; the run goes on (competitors finishes) and strategy waits.
  expect(await research.ended).toBe('aborted');
  await until(async () => taskOf(await readAll(store, session), 'run-1:competitors').status === 'done', 20_000, 'competitors done');
  const log = await readAll(store, session);
  const task = taskOf(log, RESEARCH);
  expect(task.takenOver?.by).toEqual({ kind: 'human', id: 'dana', name: 'Dana' });
  expect(task.status).toBe('in_progress');
  expect(Object.values(stateOf(log).board).find((card) => card.taskId === RESEARCH)?.assignee).toEqual({ kind: 'human', id: 'dana', name: 'Dana' });
  expect(taskOf(log, STRATEGY).status).toBe('todo');
  expect(stateOf(log).runs['run-1']!.status).toBe('running');
  // The agent's partial message ended with the take-over, on every device alike.
  const partial = Object.values(stateOf(log).messageBuckets).flatMap((bucket) => Object.values(bucket)).filter((message) => message.taskId === RESEARCH);
  expect(partial.map((message) => message.status)).toEqual(['cancelled']);
  return { provider, env, dana };
}

describe('taking a task over from its agent', () => {
  it('hand back: the agent completes the task from the person draft, then dependants run', async () => {
    const session = 'takeover-hand-back';
    const { provider, env, dana } = await takenOverRun(session);
    try {
      const asked = provider.calls.length;
      const draft = { title: 'Hikers research', markdown: 'DRAFT-MARK weekend hikers buy light gear in March.' };
      provider.unhold('research-brief');
      expect((await publishOnce(env.wsUrl, dana, session, 'back-1', { type: 'task.handed_back', runId: 'run-1', taskId: RESEARCH, draft })).type).toBe('ack');
      // A retry of the same message is acknowledged once, without a second hand-back.
      expect(await publishOnce(env.wsUrl, dana, session, 'back-1', { type: 'task.handed_back', runId: 'run-1', taskId: RESEARCH, draft })).toMatchObject({ type: 'ack', duplicate: true });
      await until(async () => stateOf(await readAll(store, session)).runs['run-1']!.status === 'completed', 30_000, 'run completed');
      const again = provider.calls.slice(asked).find((call) => call.skill === 'research-brief')!;
      expect(JSON.stringify(again.request.messages)).toContain('DRAFT-MARK weekend hikers buy light gear in March.');
      const log = await readAll(store, session);
      const task = taskOf(log, RESEARCH);
      expect(task).toMatchObject({ status: 'done', round: 1, handedBack: { by: { kind: 'human', id: 'dana', name: 'Dana' } } });
      expect(task.takenOver).toBeUndefined();
      // The agent's second round is written as round 1; nothing of round 0 after the take-over.
      const takeOffset = log.find((r) => r.event.type === 'task.taken_over')!.offset;
      const late = log.filter((r) => r.offset > takeOffset && 'taskId' in r.event && r.event.taskId === RESEARCH && ['text.delta', 'message.started', 'task.completed', 'deliverable.created'].includes(r.event.type));
      expect(late.length).toBeGreaterThan(0);
      expect(late.every((r) => (r.event as { round?: number }).round === 1)).toBe(true);
      expect(stateOf(log).deliverableVersions[task.deliverableId!]!.history[0]!.by).toEqual({ kind: 'agent', agent: 'market-researcher' });
      // The strategy started only after the hand-back's round completed.
      const researchDone = log.find((r) => r.event.type === 'task.completed' && r.event.taskId === RESEARCH)!.offset;
      const strategyStarted = log.find((r) => r.event.type === 'task.started' && r.event.taskId === STRATEGY)!.offset;
      expect(strategyStarted).toBeGreaterThan(researchDone);
      // Handing back again, or taking over a finished task, no longer applies.
      expect(await publishOnce(env.wsUrl, dana, session, 'back-2', { type: 'task.handed_back', runId: 'run-1', taskId: RESEARCH })).toMatchObject({ type: 'error', code: 'conflict', field: 'event.runId' });
      expect(await publishOnce(env.wsUrl, dana, session, 'take-done', { type: 'task.taken_over', runId: 'run-1', taskId: RESEARCH })).toMatchObject({ type: 'error', code: 'conflict', field: 'event.runId' });
    } finally {
      await env.close();
    }
  });

  it('mark done: the person text is the deliverable, theirs, and dependants go on with it; conflicts are refused', async () => {
    const session = 'takeover-done';
    const { provider, env, dana } = await takenOverRun(session);
    try {
      const sam = await env.server.tokens.mint({ session, userId: 'sam', userName: 'Sam', capabilities: ['read', 'write', 'control'], ttlSeconds: 600 });
      const reader = await env.token(session, ['read']);
      expect(await publishOnce(env.wsUrl, sam, session, 'sam-take', { type: 'task.taken_over', runId: 'run-1', taskId: RESEARCH })).toMatchObject({ type: 'error', code: 'conflict', field: 'event.taskId' });
      expect(await publishOnce(env.wsUrl, sam, session, 'sam-done', { type: 'task.marked_done', runId: 'run-1', taskId: RESEARCH, title: 'Mine', markdown: 'Mine' })).toMatchObject({ type: 'error', code: 'conflict', field: 'event.taskId' });
      expect(await publishOnce(env.wsUrl, reader, session, 'read-take', { type: 'task.taken_over', runId: 'run-1', taskId: STRATEGY })).toMatchObject({ type: 'error', code: 'forbidden' });
      expect(await publishOnce(env.wsUrl, dana, session, 'bad-done', { type: 'task.marked_done', runId: 'run-1', taskId: RESEARCH, title: 'x', markdown: '' })).toMatchObject({ type: 'error', field: 'event.markdown' });
      expect(await publishOnce(env.wsUrl, dana, session, 'strategy-done', { type: 'task.marked_done', runId: 'run-1', taskId: STRATEGY, title: 'x', markdown: 'x' })).toMatchObject({ type: 'error', code: 'conflict' });

      const markdown = '# Hikers research\n\nPERSON-MARK Weekend hikers plan trips on Thursday evenings and buy light gear in March.';
      expect((await publishOnce(env.wsUrl, dana, session, 'done-1', { type: 'task.marked_done', runId: 'run-1', taskId: RESEARCH, title: 'Hikers research', markdown })).type).toBe('ack');
      await until(async () => stateOf(await readAll(store, session)).runs['run-1']!.status === 'completed', 30_000, 'run completed');
      const log = await readAll(store, session);
      const state = stateOf(log);
      const task = state.runs['run-1']!.tasks[RESEARCH]!;
      expect(task).toMatchObject({ status: 'done', round: 1, doneBy: { by: { kind: 'human', id: 'dana', name: 'Dana' } } });
      const deliverable = state.deliverables[task.deliverableId!]!;
      expect(deliverable.title).toBe('Hikers research');
      expect(deliverable.markdown).toContain('PERSON-MARK');
      expect(state.deliverableVersions[deliverable.id]!.history.map((entry) => entry.by)).toEqual([{ kind: 'human', id: 'dana', name: 'Dana' }]);
      // The research model call was never asked again, and the strategy read the person's text.
      expect(provider.calls.filter((call) => call.skill === 'research-brief')).toHaveLength(1);
      const strategy = provider.calls.find((call) => call.skill === 'campaign-strategy')!;
      expect(JSON.stringify(strategy.request.messages)).toContain('PERSON-MARK');
      expect(state.runs['run-1']!.deliverableIds).toContain(deliverable.id);

      // The run's zip names whose words these are.
      const exported = await fetch(`${env.url}/sessions/${session}/runs/run-1/export.zip`, { headers: { authorization: `Bearer ${dana}` } });
      expect(exported.status).toBe(200);
      const zip = new ZipReader(new BlobReader(await exported.blob()));
      const readme = (await zip.getEntries()).find((entry) => entry.filename === 'README.md');
      if (!readme || readme.directory) throw new Error('no README.md in the zip');
      expect(await readme.getData(new TextWriter())).toContain('written by Dana (version 1)');
      await zip.close();

      // Reload: a second store on the same file replays the log into the same state.
      const reloaded = new SqliteStore({ path });
      try {
        const again = await readAll(reloaded, session);
        expect(again.map((r) => r.offset)).toEqual(log.map((r) => r.offset));
        expect(JSON.stringify(stateOf(again))).toBe(JSON.stringify(state));
        // In two halves (a device that joined from a snapshot) it is the same state too.
        const half = Math.floor(again.length / 2);
        const split = applyRecords(JSON.parse(JSON.stringify(applyRecords(createSessionState(), again.slice(0, half)))), again.slice(half));
        expect(JSON.stringify(split)).toBe(JSON.stringify(state));
      } finally {
        await reloaded.close();
      }
    } finally {
      await env.close();
    }
  });

  it('a run cancelled while a task is taken over is continued as usual: the agent writes that task again', async () => {
    const session = 'takeover-continue';
    const { provider, env, dana } = await takenOverRun(session);
    try {
      provider.unhold('research-brief');
      const socket = await RawClient.connect(env.wsUrl);
      socket.send({ type: 'subscribe', session, token: dana });
      await socket.next((frame) => frame.type === 'subscribed');
      socket.send({ type: 'cancel', session, clientMsgId: 'cancel-1', runId: 'run-1' });
      await socket.next((frame) => frame.type === 'ack');
      socket.close();
      await until(async () => stateOf(await readAll(store, session)).runs['run-1']!.status === 'cancelled', 20_000, 'run cancelled');
      // The person can no longer finish it in the ended run: continuing is the way on.
      expect(await publishOnce(env.wsUrl, dana, session, 'late-done', { type: 'task.marked_done', runId: 'run-1', taskId: RESEARCH, title: 'x', markdown: 'x' })).toMatchObject({ type: 'error', code: 'conflict', field: 'event.runId' });
      const asked = provider.calls.length;
      expect((await publishOnce(env.wsUrl, dana, session, 'continue', { type: 'brief.submitted', runId: 'run-2', brief, continues: 'run-1' })).type).toBe('ack');
      await until(async () => stateOf(await readAll(store, session)).runs['run-2']?.status === 'completed', 30_000, 'run-2 completed');
      const state = stateOf(await readAll(store, session));
      expect(state.runs['run-2']!.tasks['run-2:research']!.status).toBe('done');
      // The competitors' snapshot was taken over as it was; the research was written again.
      const skills = provider.calls.slice(asked).map((call) => call.skill);
      expect(skills).toContain('research-brief');
      expect(skills).not.toContain('competitor-snapshot');
    } finally {
      await env.close();
    }
  });

  it('a hand-back right behind the take-over is not lost while the generation is still stopping', async () => {
    const session = 'takeover-quick';
    const provider = createControlledProvider();
    provider.hold('research-brief');
    const env = await startServer(store, { launcher: createTeamRuntime({ team: createDefaultTeam(), provider, coalesceMs: 0 }) });
    try {
      const token = await env.token(session);
      await publishOnce(env.wsUrl, token, session, 'brief', { type: 'brief.submitted', runId: 'run-1', brief });
      await provider.waitForCall('research-brief');
      // One right after the other's ack: the runtime may hear the hand-back before its generation has stopped.
      const socket = await RawClient.connect(env.wsUrl);
      socket.send({ type: 'subscribe', session, token });
      await socket.next((frame) => frame.type === 'subscribed');
      socket.send({ type: 'publish', session, clientMsgId: 'q-take', event: { type: 'task.taken_over', runId: 'run-1', taskId: RESEARCH } });
      const acks = [await socket.next((frame) => frame.type === 'ack' || frame.type === 'error')];
      socket.send({ type: 'publish', session, clientMsgId: 'q-back', event: { type: 'task.handed_back', runId: 'run-1', taskId: RESEARCH, draft: { title: 'Quick', markdown: 'QUICK-MARK' } } });
      acks.push(await socket.next((frame) => frame.type === 'ack' || frame.type === 'error'));
      socket.close();
      expect(acks.map((ack) => ack.type)).toEqual(['ack', 'ack']);
      provider.unhold('research-brief');
      await until(async () => stateOf(await readAll(store, session)).runs['run-1']!.status === 'completed', 30_000, 'run completed');
      const task = taskOf(await readAll(store, session), RESEARCH);
      expect(task).toMatchObject({ status: 'done', round: 1 });
      expect(provider.calls.filter((call) => call.skill === 'research-brief').some((call) => JSON.stringify(call.request.messages).includes('QUICK-MARK'))).toBe(true);
    } finally {
      await env.close();
    }
  });

  it('a pending task taken over is not started; the run waits for the person', async () => {
    const session = 'takeover-pending';
    const provider = createControlledProvider();
    provider.hold('research-brief');
    const env = await startServer(store, { launcher: createTeamRuntime({ team: createDefaultTeam(), provider, coalesceMs: 0 }) });
    try {
      const token = await env.token(session);
      await publishOnce(env.wsUrl, token, session, 'brief', { type: 'brief.submitted', runId: 'run-1', brief });
      await provider.waitForCall('research-brief');
      expect((await publishOnce(env.wsUrl, token, session, 'take-s', { type: 'task.taken_over', runId: 'run-1', taskId: STRATEGY })).type).toBe('ack');
      provider.unhold('research-brief');
      await until(async () => taskOf(await readAll(store, session), 'run-1:research').status === 'done' && taskOf(await readAll(store, session), 'run-1:competitors').status === 'done', 20_000, 'research done');
      // Give the run a chance to (wrongly) start the strategy: a marker event written after the research round.
      await publishOnce(env.wsUrl, token, session, 'card', { type: 'card.created', cardId: 'marker', title: 'marker' });
      let log = await readAll(store, session);
      expect(has(log, (r) => r.event.type === 'task.started' && r.event.taskId === STRATEGY)).toBe(false);
      expect(provider.calls.some((call) => call.skill === 'campaign-strategy')).toBe(false);
      expect(taskOf(log, 'run-1:social').status).toBe('todo');
      expect((await publishOnce(env.wsUrl, token, session, 'back-s', { type: 'task.handed_back', runId: 'run-1', taskId: STRATEGY })).type).toBe('ack');
      await until(async () => stateOf(await readAll(store, session)).runs['run-1']!.status === 'completed', 30_000, 'run completed');
      log = await readAll(store, session);
      expect(taskOf(log, STRATEGY).status).toBe('done');
    } finally {
      await env.close();
    }
  });
});
