// A run that ended badly (a server shut down under it) can be continued: the completed tasks
// are taken over as they are, only the rest is generated again.
import { afterAll, describe, expect, it } from 'vitest';
import { createDefaultTeam, type SessionRecord } from '@marketing-team/core';
import { MemoryStore } from '../src/stores/memory-store.js';
import { createTeamRuntime } from '../src/runtime/team-runtime.js';
import { createControlledProvider } from '../src/runtime/testing/index.js';
import { publishOnce, readAll, startServer, until } from './_harness.js';

const store = new MemoryStore();
afterAll(() => store.close());

const brief = { goal: 'Launch the spring collection to weekend hikers', channels: ['instagram'] };

async function serverWith(hold?: string) {
  const provider = createControlledProvider();
  if (hold) provider.hold(hold);
  const env = await startServer(store, { launcher: createTeamRuntime({ team: createDefaultTeam(), provider, coalesceMs: 0 }) });
  return { provider, env };
}

const ofRun = (log: SessionRecord[], runId: string) => log.filter((record) => 'runId' in record.event && record.event.runId === runId);

describe('continuing a run', () => {
  it('takes over the completed tasks of an interrupted run and generates only the rest', async () => {
    const session = 'continue-1';
    // First server: the landing page is held, so the run is mid-way when the server shuts down.
    const first = await serverWith('landing-page');
    const token = await first.env.token(session);
    await publishOnce(first.env.wsUrl, token, session, 'brief-1', { type: 'brief.submitted', runId: 'run-1', brief });
    await first.provider.waitForCall('landing-page');
    await until(async () => ofRun(await readAll(store, session), 'run-1').filter((record) => record.event.type === 'task.completed').length >= 2, 20_000, 'two tasks done');
    await first.env.close();
    const firstLog = ofRun(await readAll(store, session), 'run-1');
    expect(firstLog.at(-1)?.event).toMatchObject({ type: 'run.interrupted', reason: 'the server is shutting down' });
    const done = firstLog.flatMap((record) => (record.event.type === 'deliverable.created' ? [record.event.deliverable] : []));
    expect(done.length).toBeGreaterThanOrEqual(2);

    // Second server: continue run-1 as run-2.
    const second = await serverWith();
    try {
      const answer = await publishOnce(second.env.wsUrl, token, session, 'brief-2', { type: 'brief.submitted', runId: 'run-2', brief, continues: 'run-1' });
      expect(answer.type).toBe('ack');
      await until(async () => ofRun(await readAll(store, session), 'run-2').some((record) => record.event.type === 'run.completed'), 20_000, 'run-2 completed');
      const log = ofRun(await readAll(store, session), 'run-2');
      const created = log.flatMap((record) => (record.event.type === 'deliverable.created' ? [record.event.deliverable] : []));
      // Every deliverable of run-1 is in run-2 unchanged, under run-2's ids...
      for (const previous of done) {
        const taken = created.find((deliverable) => deliverable.skill === previous.skill);
        // Compared as JSON, as every store but memory keeps them: a key left undefined is no key.
        expect(JSON.parse(JSON.stringify(taken))).toMatchObject({ runId: 'run-2', kind: previous.kind, markdown: previous.markdown, data: JSON.parse(JSON.stringify(previous.data)) });
      }
      // ...and none of their skills was asked of the model again; the held one was.
      const asked = second.provider.calls.map((call) => call.skill);
      for (const previous of done) expect(asked).not.toContain(previous.skill);
      expect(asked).toContain('landing-page');
      const { state } = await second.env.server.hub.snapshot(session);
      expect(state.runs['run-2']).toMatchObject({ status: 'completed', continues: 'run-1' });
      expect(state.runs['run-1']?.error).toEqual({ code: 'interrupted', message: 'the server is shutting down', retryable: true });
    } finally {
      await second.env.close();
    }
  });

  it('refuses to continue a run that does not exist or that completed, naming the field', async () => {
    const session = 'continue-2';
    const { env } = await serverWith();
    try {
      const token = await env.token(session);
      const missing = await publishOnce(env.wsUrl, token, session, 'b1', { type: 'brief.submitted', runId: 'run-1', brief, continues: 'nope' });
      expect(missing).toMatchObject({ type: 'error', code: 'not_found', field: 'event.continues' });
      await publishOnce(env.wsUrl, token, session, 'b2', { type: 'brief.submitted', runId: 'run-2', brief });
      await until(async () => ofRun(await readAll(store, session), 'run-2').some((record) => record.event.type === 'run.completed'), 20_000, 'run-2 completed');
      const completed = await publishOnce(env.wsUrl, token, session, 'b3', { type: 'brief.submitted', runId: 'run-3', brief, continues: 'run-2' });
      expect(completed).toMatchObject({ type: 'error', code: 'conflict', field: 'event.continues' });
      expect(ofRun(await readAll(store, session), 'run-3')).toEqual([]);
    } finally {
      await env.close();
    }
  });

  it('regenerates one deliverable of a completed run with an instruction, taking every other one over', async () => {
    const session = 'regenerate-1';
    const { env, provider } = await serverWith();
    try {
      const token = await env.token(session);
      await publishOnce(env.wsUrl, token, session, 'r-1', { type: 'brief.submitted', runId: 'run-1', brief });
      await until(async () => ofRun(await readAll(store, session), 'run-1').some((record) => record.event.type === 'run.completed'), 20_000, 'run-1 completed');
      const first = ofRun(await readAll(store, session), 'run-1').flatMap((record) => (record.event.type === 'deliverable.created' ? [record.event.deliverable] : []));
      const posts = first.find((deliverable) => deliverable.kind === 'social-posts')!;
      const asked = provider.calls.length;

      // The task must be named with the run it belongs to, and have finished.
      expect(await publishOnce(env.wsUrl, token, session, 'r-bad', { type: 'brief.submitted', runId: 'run-x', brief, regenerate: { taskId: posts.taskId, instruction: 'Shorter' } })).toMatchObject({
        type: 'error',
        field: 'event.regenerate',
      });
      expect(await publishOnce(env.wsUrl, token, session, 'r-none', { type: 'brief.submitted', runId: 'run-y', brief, continues: 'run-1', regenerate: { taskId: 'nope', instruction: 'Shorter' } })).toMatchObject({
        type: 'error',
        code: 'not_found',
        field: 'event.regenerate.taskId',
      });

      const answer = await publishOnce(env.wsUrl, token, session, 'r-2', {
        type: 'brief.submitted',
        runId: 'run-2',
        brief,
        continues: 'run-1',
        regenerate: { taskId: posts.taskId, instruction: 'Make it playful and name the price' },
      });
      expect(answer.type).toBe('ack');
      await until(async () => ofRun(await readAll(store, session), 'run-2').some((record) => record.event.type === 'run.completed'), 20_000, 'run-2 completed');
      const created = ofRun(await readAll(store, session), 'run-2').flatMap((record) => (record.event.type === 'deliverable.created' ? [record.event.deliverable] : []));
      // Only the social posts went to the model again, with the instruction and the version they replace.
      const again = provider.calls.slice(asked);
      expect(again.map((call) => call.skill)).toEqual([posts.skill]);
      const prompt = JSON.stringify(again[0]!.request.messages);
      expect(prompt).toContain('Make it playful and name the price');
      expect(prompt).toContain('The version to write again');
      const line = posts.markdown.split('\n').find((text) => text.trim().length > 30 && !/^[#>\-*|]/.test(text.trim()))!;
      expect(prompt).toContain(JSON.stringify(line.trim().slice(0, 30)).slice(1, -1));
      // Everything else is the first run's, unchanged; the package is whole.
      expect(created.map((deliverable) => deliverable.skill).sort()).toEqual(first.map((deliverable) => deliverable.skill).sort());
      for (const previous of first.filter((deliverable) => deliverable.skill !== posts.skill)) {
        expect(created.find((deliverable) => deliverable.skill === previous.skill)).toMatchObject({ markdown: previous.markdown });
      }
      const { state } = await env.server.hub.snapshot(session);
      expect(state.runs['run-2']).toMatchObject({ status: 'completed', continues: 'run-1' });
    } finally {
      await env.close();
    }
  });
});
