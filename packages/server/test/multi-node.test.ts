// Two server nodes as real processes on one Redis: a client moved between nodes mid-stream,
// a cancel sent to the node that does not own the run, and the owner killed with SIGKILL.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  SessionClient,
  applyRecords,
  createSessionState,
  type SessionHandle,
  type SessionRecord,
} from '@marketing-team/core';
import { createTokenIssuer } from '../src/auth/token-issuer.js';
import { scriptedDeltaText } from '../src/runtime/scripted-producer.js';
import { RedisStore } from '../src/stores/redis-store.js';
import { ORIGIN, SECRET, readAll, until } from './_harness.js';
import { listMessages } from '@marketing-team/core';
import { killNode, spawnNode, type NodeProcess } from './_node-spawn.js';

const prefix = `mt-multi-${randomUUID().slice(0, 8)}:`;
const tokens = createTokenIssuer({ secret: SECRET });
const DELTAS = 1500;
const TASKS = 3;
const children = new Set<ChildProcess>();
const clients = new Set<SessionClient>();
let store: RedisStore;
let redis: Redis;
let nodeA: Node;
let nodeB: Node;

type Node = NodeProcess;

function startNode(id: string): Promise<Node> {
  return spawnNode(id, { MT_PREFIX: prefix, MT_LEASE_TTL: '1500', MT_DELTAS: String(DELTAS), MT_RATE: '1000', MT_TASKS: String(TASKS) }, children);
}

async function owned(node: Node, session: string): Promise<string[]> {
  const response = await fetch(`${node.httpUrl}/node?session=${session}`, { headers: { origin: ORIGIN } });
  return ((await response.json()) as { owned: string[] }).owned;
}

/** A SessionClient whose every (re)connection goes to whichever node `route.target` names, like a load balancer. */
function routedClient(route: { target: Node }, sockets: { node: string; socket: WebSocket }[]): SessionClient {
  class Routed extends WebSocket {
    constructor(_url: string) {
      super(route.target.wsUrl, { origin: ORIGIN });
      sockets.push({ node: route.target.id, socket: this });
    }
  }
  const client = new SessionClient({ url: 'ws://balancer.invalid/ws', WebSocket: Routed, backoff: { initialMs: 20, maxMs: 200, jitter: 1 } });
  clients.add(client);
  return client;
}

async function token(session: string, userId: string): Promise<string> {
  return tokens.mint({ session, userId, capabilities: ['read', 'write', 'control'], ttlSeconds: 600 });
}

function scriptedText(messageId: string): string {
  const task = Number(messageId.replace('msg-', ''));
  let text = '';
  for (let index = 0; index < DELTAS; index += 1) text += scriptedDeltaText(task, index);
  return text;
}

/** Problems if the offset ever goes back or a streaming message holds text that was never written. */
function watch(handle: SessionHandle): string[] {
  const problems: string[] = [];
  let last = handle.getState().offset;
  handle.subscribe(() => {
    const state = handle.getState();
    if (state.offset < last) problems.push(`offset went back from ${last} to ${state.offset}`);
    last = state.offset;
    for (const message of listMessages(state)) {
      if (!scriptedText(message.id).startsWith(message.text)) problems.push(`message ${message.id} holds text that was never written`);
    }
  });
  return problems;
}

const status = (handle: SessionHandle, runId: string) => handle.getState().runs[runId]?.status;
const ofRun = (records: SessionRecord[], runId: string) => records.filter((record) => 'runId' in record.event && record.event.runId === runId);
const TERMINAL = new Set(['run.completed', 'run.cancelled', 'run.failed', 'run.interrupted']);

beforeAll(async () => {
  store = new RedisStore({ keyPrefix: prefix });
  redis = new Redis('redis://127.0.0.1:6379');
  [nodeA, nodeB] = await Promise.all([startNode('node-a'), startNode('node-b')]);
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.close();
  await Promise.all([...children].map(killNode));
  await store?.close();
  if (redis) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
});

describe('two nodes on one Redis', () => {
  it('a client moved from node A to node B mid-stream resumes with nothing lost or duplicated', async () => {
    const session = `move-${randomUUID().slice(0, 8)}`;
    const route = { target: nodeA };
    const sockets: { node: string; socket: WebSocket }[] = [];
    const handle = routedClient(route, sockets).session(session, { token: await token(session, 'user-1') });
    const problems = watch(handle);
    const { runId } = await handle.submitBrief({ goal: 'Move between nodes' });
    await until(async () => (await owned(nodeA, session)).includes(runId), 10_000, 'node A to own the run');
    expect(await redis.get(`${prefix}{runs}:lease:${session}/${runId}`)).toBe('node-a');

    await until(() => handle.offset >= 300, 20_000, 'the stream to be under way');
    route.target = nodeB;
    const moved = handle.offset;
    sockets.at(-1)!.socket.terminate();
    await until(() => sockets.length >= 2 && handle.offset > moved, 20_000, 'the client to resume on node B');
    expect(sockets.at(-1)!.node).toBe('node-b');
    await until(() => status(handle, runId) === 'completed', 30_000, 'the run to complete');
    expect(status(handle, runId)).toBe('completed');

    const log = await readAll(store, session);
    expect(problems).toEqual([]);
    expect(handle.getState()).toEqual(applyRecords(createSessionState(), log));
    expect(ofRun(log, runId).filter((record) => record.event.type === 'text.delta')).toHaveLength(DELTAS * TASKS);
    // The run stayed on A the whole time; its lease was given back once it ended.
    expect(await owned(nodeB, session)).toEqual([]);
    await until(async () => (await redis.get(`${prefix}{runs}:lease:${session}/${runId}`)) === null, 10_000, 'the lease to be given back');
  }, 60_000);

  it('a cancel sent to node B stops the run node A owns, and both devices see it', async () => {
    const session = `cancel-${randomUUID().slice(0, 8)}`;
    const owner = routedClient({ target: nodeA }, []).session(session, { token: await token(session, 'user-1') });
    const other = routedClient({ target: nodeB }, []).session(session, { token: await token(session, 'user-1') });
    const { runId } = await owner.submitBrief({ goal: 'Cancel across nodes' });
    await until(() => other.offset >= 100 && status(other, runId) === 'running', 20_000, 'device B to see the run streaming');
    expect(await owned(nodeA, session)).toEqual([runId]);

    await other.cancel(runId, undefined, 'stop from the phone');
    await until(() => status(owner, runId) === 'cancelled' && status(other, runId) === 'cancelled', 20_000, 'both devices to see run.cancelled');
    // The work stopped on A: its launcher returned, the lease is given back, nothing followed the fence.
    await until(async () => (await owned(nodeA, session)).length === 0, 10_000, 'node A to stop the run');
    await until(async () => (await redis.get(`${prefix}{runs}:lease:${session}/${runId}`)) === null, 10_000, 'the lease to be given back');
    const log = ofRun(await readAll(store, session), runId);
    const cancelled = log.findIndex((record) => record.event.type === 'run.cancelled');
    expect(cancelled).toBeGreaterThan(0);
    expect(log.slice(cancelled + 1).filter((record) => record.event.type === 'text.delta')).toEqual([]);
    expect(log.filter((record) => TERMINAL.has(record.event.type))).toHaveLength(1);
    expect(log.filter((record) => record.event.type === 'text.delta').length).toBeLessThan(DELTAS * TASKS);
  }, 60_000);

  it('node A killed with SIGKILL mid-run: clients on node B see run.interrupted', async () => {
    const session = `kill-${randomUUID().slice(0, 8)}`;
    const routeOwner = { target: nodeA };
    const owner = routedClient(routeOwner, []).session(session, { token: await token(session, 'user-1') });
    const watcher = routedClient({ target: nodeB }, []).session(session, { token: await token(session, 'user-2') });
    const { runId } = await owner.submitBrief({ goal: 'Survive a dead node' });
    await until(() => watcher.offset >= 100, 20_000, 'node B to stream the run');
    expect(await owned(nodeA, session)).toEqual([runId]);

    // The owner's device fails over to B as soon as A is gone.
    routeOwner.target = nodeB;
    const exited = new Promise((resolve) => nodeA.child.once('exit', resolve));
    nodeA.child.kill('SIGKILL');
    await exited;
    await until(() => status(watcher, runId) === 'interrupted', 20_000, 'run.interrupted on node B');
    await until(() => status(owner, runId) === 'interrupted', 20_000, 'the moved device to see run.interrupted');

    const all = await readAll(store, session);
    const log = ofRun(all, runId);
    expect(log.filter((record) => TERMINAL.has(record.event.type)).map((record) => record.event.type)).toEqual(['run.interrupted']);
    expect(watcher.getState()).toEqual(applyRecords(createSessionState(), all));
    expect(await redis.zscore(`${prefix}{runs}:live`, `${session}/${runId}`)).toBeNull();
  }, 60_000);
});
