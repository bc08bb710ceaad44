// The Redis store on a Redis that persists (AOF) and restarts mid-run: a clean restart loses
// nothing and the run goes on; with `appendfsync always` even a SIGKILL of Redis loses no
// acknowledged event. (With `everysec`, up to a second of acknowledged events can be lost in a
// crash: see docs/scaling.md.)
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { SessionClient, applyRecords, createSessionState } from '@marketing-team/core';
import { createScriptedProducer } from '../src/runtime/index.js';
import { RedisStore } from '../src/stores/redis-store.js';
import { readAll, startServer, tempDir, until } from './_harness.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * A redis-server of the test's own, persisting to `dir` with the given AOF fsync policy, or with
 * `snapshot` only what an explicit SAVE wrote (a deterministic stand-in for a crash that loses the
 * writes made after the last fsync).
 */
async function startRedis(port: number, dir: string, fsync: 'always' | 'everysec' | 'snapshot'): Promise<ChildProcess> {
  const persistence = fsync === 'snapshot' ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', fsync];
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...persistence, '--save', ''], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
  });
  return child;
}

async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

for (const [fsync, signal] of [
  ['everysec', 'SIGTERM'],
  ['always', 'SIGKILL'],
] as const) {
  describe(`RedisStore on Redis with AOF ${fsync}, restarted with ${signal} mid-run`, () => {
    it('loses no acknowledged event; clients and the run carry on over the same log', async () => {
      const dir = tempDir();
      cleanups.push(() => dir.cleanup());
      const port = await freePort();
      let redis = await startRedis(port, dir.path, fsync);
      cleanups.push(() => stop(redis, 'SIGKILL'));
      const store = new RedisStore({ url: `redis://127.0.0.1:${port}`, keyPrefix: 'mt-aof:' });
      cleanups.push(() => store.close());
      const running = await startServer(store, { launcher: createScriptedProducer({ deltas: 1500, deltasPerSecond: 600, tasks: 2 }) });
      cleanups.push(() => running.close());
      const client = new SessionClient({ url: running.wsUrl, WebSocket, backoff: { initialMs: 20, maxMs: 200, jitter: 1 } });
      cleanups.push(() => client.close());
      const session = `aof-${fsync}`;
      const handle = client.session(session, { getToken: (id) => running.token(id) });

      const { runId } = await handle.submitBrief({ goal: 'Survive a Redis restart' });
      await until(() => handle.offset >= 300, 20_000, 'the run to stream');
      const acknowledged: number[] = [];
      for (let index = 0; index < 5; index += 1) acknowledged.push((await handle.publish({ type: 'card.created', cardId: `before-${index}`, title: 'Before' })).offset);
      const seenBefore = handle.offset;

      await stop(redis, signal);
      redis = await startRedis(port, dir.path, fsync);
      for (let index = 0; index < 5; index += 1) acknowledged.push((await handle.publish({ type: 'card.created', cardId: `after-${index}`, title: 'After' })).offset);
      await until(() => ['completed', 'failed'].includes(handle.getState().runs[runId]?.status ?? ''), 30_000, 'the run to end');
      await until(async () => handle.offset === (await store.head(session)).offset, 20_000, 'the client to catch up');

      const log = await readAll(store, session);
      expect(log.map((record) => record.offset)).toEqual(log.map((_, index) => index + 1));
      // Everything the client was told about before the restart is still there, unchanged.
      expect(log.length).toBeGreaterThan(seenBefore);
      for (const offset of acknowledged) expect(log[offset - 1]?.event.type).toBe('card.created');
      expect(JSON.stringify(handle.getState())).toBe(JSON.stringify(applyRecords(createSessionState(), log)));
      expect(handle.getState().runs[runId]?.status).toBe('completed');
    }, 90_000);
  });
}

describe('RedisStore on a Redis that lost the tail of a log in a crash', () => {
  it('gives the log a new epoch, so clients start over instead of trusting offsets given out twice', async () => {
    const dir = tempDir();
    cleanups.push(() => dir.cleanup());
    const port = await freePort();
    let redis = await startRedis(port, dir.path, 'snapshot');
    cleanups.push(() => stop(redis, 'SIGKILL'));
    const store = new RedisStore({ url: `redis://127.0.0.1:${port}`, keyPrefix: 'mt-tail:' });
    cleanups.push(() => store.close());
    const errors: unknown[] = [];
    const running = await startServer(store, { onError: (error) => errors.push(error) });
    cleanups.push(() => running.close());
    const client = new SessionClient({ url: running.wsUrl, WebSocket, backoff: { initialMs: 20, maxMs: 200, jitter: 1 } });
    cleanups.push(() => client.close());
    const session = 'lost-tail';
    const handle = client.session(session, { getToken: (id) => running.token(id) });

    for (let index = 0; index < 5; index += 1) await handle.publish({ type: 'card.created', cardId: `kept-${index}`, title: 'Kept' });
    const admin = new Redis(`redis://127.0.0.1:${port}`);
    await admin.save();
    admin.disconnect();
    // Acknowledged and shown, but never written to disk: the crash takes them.
    for (let index = 0; index < 5; index += 1) await handle.publish({ type: 'card.created', cardId: `lost-${index}`, title: 'Lost' });
    await until(() => handle.offset === 10, 10_000, 'the client to see all ten');
    const before = await store.head(session);
    expect(before.offset).toBe(10);

    await stop(redis, 'SIGKILL');
    redis = await startRedis(port, dir.path, 'snapshot');
    await handle.publish({ type: 'card.created', cardId: 'after', title: 'After the crash' });

    const after = await store.head(session);
    expect(after.epoch).not.toBe(before.epoch);
    expect(after.offset).toBe(6);
    const log = await readAll(store, session);
    await until(() => JSON.stringify(handle.getState()) === JSON.stringify(applyRecords(createSessionState(), log)), 20_000, 'the client to hold exactly the log');
    expect(Object.keys(handle.getState().board)).toEqual(['kept-0', 'kept-1', 'kept-2', 'kept-3', 'kept-4', 'after']);
    // The old epoch's state was not saved as a snapshot of the new log.
    expect(errors).toEqual([]);
  }, 60_000);
});
