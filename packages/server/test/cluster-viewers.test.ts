// Presence across nodes, with two (then three) real server processes on the real Redis: a viewer
// connected to node B keeps a `whenUnwatched: pause` run that node A runs going; when B dies its
// viewers stop counting and A pauses the run; a viewer on another node resumes it.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionRecord } from '@marketing-team/core';
import { createTokenIssuer } from '../src/auth/token-issuer.js';
import { RedisStore } from '../src/stores/redis-store.js';
import { RawClient, SECRET, readAll, until } from './_harness.js';
import { killNode, spawnNode, type NodeProcess } from './_node-spawn.js';

const prefix = `mt-viewers-${randomUUID().slice(0, 8)}:`;
const tokens = createTokenIssuer({ secret: SECRET });
const VIEWERS_TTL_MS = 1500;
const PAUSE_AFTER_MS = 1000;
const children = new Set<ChildProcess>();
const sockets = new Set<RawClient>();
let store: RedisStore;
let nodeA: NodeProcess;
let nodeB: NodeProcess;

function startNode(id: string): Promise<NodeProcess> {
  // A run streams far longer than the test: only the policy ends anything here.
  return spawnNode(id, { MT_PREFIX: prefix, MT_LEASE_TTL: '3000', MT_VIEWERS_TTL: String(VIEWERS_TTL_MS), MT_DELTAS: '1000000', MT_RATE: '50' }, children);
}

async function viewer(node: NodeProcess, session: string, userId: string): Promise<RawClient> {
  const client = await RawClient.connect(node.wsUrl);
  sockets.add(client);
  client.send({ type: 'subscribe', session, token: await tokens.mint({ session, userId, capabilities: ['read', 'write', 'control'], ttlSeconds: 600 }) });
  await client.next((frame) => frame.type === 'subscribed');
  return client;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const decisions = (records: SessionRecord[]) => records.map((record) => record.event.type).filter((type) => type === 'run.paused' || type === 'run.resumed');

beforeAll(async () => {
  store = new RedisStore({ keyPrefix: prefix });
  [nodeA, nodeB] = await Promise.all([startNode('node-a'), startNode('node-b')]);
}, 60_000);

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await Promise.all([...children].map(killNode));
  await store?.close();
  const redis = new Redis('redis://127.0.0.1:6379');
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe('viewers on other nodes', () => {
  it('keep a run owned by another node going, drop out when their node dies, and resume it from a third node', async () => {
    const session = `viewers-${randomUUID().slice(0, 8)}`;
    // The brief goes to A (A owns the run); the only viewer stays on B.
    const onB = await viewer(nodeB, session, 'user-2');
    const submitter = await viewer(nodeA, session, 'user-1');
    submitter.send({
      type: 'publish',
      session,
      clientMsgId: 'brief-1',
      event: { type: 'brief.submitted', runId: 'run-1', brief: { goal: 'Watched from another node', whenUnwatched: { action: 'pause', afterMs: PAUSE_AFTER_MS } } },
    });
    await submitter.next((frame) => frame.type === 'ack');
    await until(async () => (await readAll(store, session)).some((record) => record.event.type === 'text.delta'), 20_000, 'the run streaming');
    submitter.close();
    sockets.delete(submitter);

    // Nobody watches on A, for several times the policy's wait: the viewer on B counts.
    await sleep(PAUSE_AFTER_MS * 4);
    expect(decisions(await readAll(store, session))).toEqual([]);
    expect(onB.frames.some((frame) => frame.type === 'events')).toBe(true);

    // B dies without a goodbye: its count expires and A, alone, pauses the run.
    await killNode(nodeB.child);
    await until(async () => decisions(await readAll(store, session)).includes('run.paused'), 20_000, 'node A to pause the run');

    // A viewer on a third node resumes it.
    const nodeC = await startNode('node-c');
    await viewer(nodeC, session, 'user-3');
    await until(async () => decisions(await readAll(store, session)).at(-1) === 'run.resumed', 20_000, 'node A to resume the run');
    expect(decisions(await readAll(store, session))).toEqual(['run.paused', 'run.resumed']);
  }, 90_000);
});
