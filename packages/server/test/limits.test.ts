// Quotas per principal, session and client address, over real sockets: connections (WebSocket
// and SSE together), concurrent runs, briefs per minute, stored bytes per session, model
// budgets, and two nodes on one Redis sharing a limit.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ServerFrameOf, SessionEvent } from '@marketing-team/core';
import type { LimitEvent, LimitsOptions } from '../src/limits/limit-options.js';
import type { RunLauncher } from '../src/runtime/run-launcher.js';
import { createScriptedProducer } from '../src/runtime/scripted-producer.js';
import { MemoryStore } from '../src/stores/memory-store.js';
import { RedisStore } from '../src/stores/redis-store.js';
import { RawClient, readAll, readEventStream, runEnded, startServer, until, type RunningServer } from './_harness.js';

const open: Array<{ close(): Promise<void> | void }> = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

async function serve(limits: LimitsOptions, extra: Parameters<typeof startServer>[1] = {}) {
  const events: LimitEvent[] = [];
  const store = new MemoryStore();
  const env = await startServer(store, { limits: { ...limits, onLimit: (event) => events.push(event) }, ...extra });
  open.push(env);
  return { env, store, events };
}

async function subscribed(env: RunningServer, session: string, userId = 'user-1') {
  const client = await RawClient.connect(env.wsUrl);
  open.push(client);
  client.send({ type: 'subscribe', session, token: await env.token(session, ['read', 'write', 'control'], userId), from: 0 });
  const frame = await client.next((f) => f.type === 'subscribed' || f.type === 'error');
  return { client, frame };
}

function brief(client: RawClient, session: string, runId: string, goal = 'Grow the newsletter') {
  client.send({ type: 'publish', session, clientMsgId: `brief-${runId}`, event: { type: 'brief.submitted', runId, brief: { goal } } });
  return client.next<ServerFrameOf<'ack'> | ServerFrameOf<'error'>>((f) => (f.type === 'ack' || f.type === 'error') && f.clientMsgId === `brief-${runId}`);
}

describe('connections per principal, WebSocket and SSE together', () => {
  it('refuses the connection past the limit with a typed error and reports who, not the token', async () => {
    const { env, events } = await serve({ connectionsPerPrincipal: 3 });
    for (let i = 0; i < 2; i++) expect((await subscribed(env, `s-${i}`)).frame.type).toBe('subscribed');
    // The third connection is an SSE stream of the same principal.
    const controller = new AbortController();
    open.push({ close: () => controller.abort() });
    const sseFrames: string[] = [];
    void readEventStream(`${env.url}/sessions/s-sse/events`, { token: await env.token('s-sse'), signal: controller.signal }, (event) => sseFrames.push(event.event)).catch(() => undefined);
    await until(() => sseFrames.includes('subscribed'), 10_000, 'SSE subscribed');

    const refused = await subscribed(env, 's-4');
    expect(refused.frame).toMatchObject({ type: 'error', code: 'rate_limited', field: 'limits.connectionsPerPrincipal', session: 's-4' });
    const sseRefused = await fetch(`${env.url}/sessions/s-5/events`, { headers: { authorization: `Bearer ${await env.token('s-5')}` } });
    expect(sseRefused.status).toBe(429);
    expect(await sseRefused.json()).toMatchObject({ code: 'rate_limited', field: 'limits.connectionsPerPrincipal' });
    // Another principal is not affected.
    expect((await subscribed(env, 's-6', 'user-2')).frame.type).toBe('subscribed');

    expect(events[0]).toMatchObject({ type: 'limit.exceeded', limit: 'connectionsPerPrincipal', max: 3, subject: 'user-1', session: 's-4', address: '127.0.0.1' });
    expect(JSON.stringify(events)).not.toMatch(/eyJ/);
  });

  it('gives the slot back when a connection closes', async () => {
    const { env } = await serve({ connectionsPerPrincipal: 1 });
    const first = await subscribed(env, 'a');
    expect(first.frame.type).toBe('subscribed');
    expect((await subscribed(env, 'b')).frame).toMatchObject({ code: 'rate_limited' });
    first.client.close();
    await first.client.closed;
    await until(async () => (await subscribed(env, 'c')).frame.type === 'subscribed', 10_000, 'slot given back');
  });
});

describe('viewers per session', () => {
  it('caps the connections following one session, whoever holds them, and counts an SSE stream too', async () => {
    const { env, events } = await serve({ connectionsPerSession: 2 });
    expect((await subscribed(env, 'crowded', 'user-1')).frame.type).toBe('subscribed');
    expect((await subscribed(env, 'crowded', 'user-2')).frame.type).toBe('subscribed');
    // A third viewer, another user again, is refused: presence and fan-out stay bounded per session.
    expect((await subscribed(env, 'crowded', 'user-3')).frame).toMatchObject({ type: 'error', code: 'rate_limited', field: 'limits.connectionsPerSession', session: 'crowded' });
    const sse = await fetch(`${env.url}/sessions/crowded/events`, { headers: { authorization: `Bearer ${await env.token('crowded', ['read'], 'user-4')}` } });
    expect(sse.status).toBe(429);
    expect(await sse.json()).toMatchObject({ code: 'rate_limited', field: 'limits.connectionsPerSession' });
    // Other sessions are not affected.
    expect((await subscribed(env, 'quiet', 'user-3')).frame.type).toBe('subscribed');
    expect(events.map((event) => event.limit)).toEqual(['connectionsPerSession', 'connectionsPerSession']);
  });
});

describe('abuse reports', () => {
  it('floods, too many sessions on a socket and repeated violations reach onLimit with who and where, never the token', async () => {
    const { env, events } = await serve({}, { rateLimit: { messagesPerSecond: 1, burst: 3 }, maxSessionsPerConnection: 1 });
    const token = await env.token('watched', ['read', 'write'], 'user-9');
    const client = await RawClient.connect(env.wsUrl);
    open.push(client);
    client.send({ type: 'subscribe', session: 'watched', token, from: 0 });
    await client.next((f) => f.type === 'subscribed');
    client.send({ type: 'subscribe', session: 'second', token: await env.token('second', ['read'], 'user-9') });
    await client.next((f) => f.type === 'error' && f.session === 'second');
    // A flood: the bucket runs dry, the frames past it are refused, and enough refusals close the socket.
    for (let i = 0; i < 40; i++) client.send({ type: 'ping' });
    expect((await client.closed).code).toBe(4003);

    const byLimit = (limit: string) => events.filter((event) => event.limit === limit);
    expect(byLimit('maxSessionsPerConnection')).toEqual([expect.objectContaining({ max: 1, subject: 'user-9', session: 'second', address: '127.0.0.1' })]);
    // One report per flood, not one per refused frame.
    expect(byLimit('rateLimit')).toEqual([expect.objectContaining({ max: 1, subject: 'user-9', address: '127.0.0.1' })]);
    expect(byLimit('protocolViolations')).toEqual([expect.objectContaining({ subject: 'user-9', address: '127.0.0.1' })]);

    // POSTed messages over their rate are reported with the session.
    for (let i = 0; i < 6; i++) {
      await fetch(`${env.url}/sessions/watched/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ type: 'publish', session: 'watched', clientMsgId: `p${i}`, event: { type: 'card.created', cardId: `c${i}`, title: 'ok' } }),
      });
    }
    expect(byLimit('rateLimit').at(-1)).toMatchObject({ subject: 'user-9', session: 'watched' });
    const logged = JSON.stringify(events);
    expect(logged).not.toContain(token);
    expect(logged).not.toContain(token.split('.')[2]!);
  });
});

describe('connections per address', () => {
  it('closes a socket past the limit with a typed error', async () => {
    const { env } = await serve({ connectionsPerAddress: 2 });
    for (let i = 0; i < 2; i++) open.push(await RawClient.connect(env.wsUrl));
    const third = await RawClient.connect(env.wsUrl, { hello: false });
    open.push(third);
    const error = await third.next((f) => f.type === 'error');
    expect(error).toMatchObject({ code: 'rate_limited', field: 'limits.connectionsPerAddress' });
    expect((await third.closed).code).toBe(4003);
  });
});

describe('runs and briefs', () => {
  it('caps the runs of one principal going at once', async () => {
    const { env, store } = await serve({ concurrentRunsPerPrincipal: 1 }, { launcher: createScriptedProducer({ deltas: 100_000, deltasPerSecond: 200 }) });
    const { client } = await subscribed(env, 'runs');
    expect((await brief(client, 'runs', 'run-1')).type).toBe('ack');
    await until(async () => (await readAll(store, 'runs')).some((r) => r.event.type === 'run.started'), 10_000, 'run started');
    expect(await brief(client, 'runs', 'run-2')).toMatchObject({ type: 'error', code: 'rate_limited', field: 'limits.concurrentRunsPerPrincipal' });
    // Once the first run ends, the next brief is accepted.
    client.send({ type: 'cancel', session: 'runs', clientMsgId: 'stop-1', runId: 'run-1' });
    await until(() => runEnded(store, 'runs', 'run-1'), 10_000, 'run-1 cancelled');
    await until(async () => (await brief(client, 'runs', `run-${randomUUID().slice(0, 8)}`)).type === 'ack', 10_000, 'a new run admitted');
  });

  it('caps briefs per minute per principal', async () => {
    const { env, events } = await serve({ briefsPerMinutePerPrincipal: 2 });
    const { client } = await subscribed(env, 'briefs');
    expect((await brief(client, 'briefs', 'b-1')).type).toBe('ack');
    expect((await brief(client, 'briefs', 'b-2')).type).toBe('ack');
    expect(await brief(client, 'briefs', 'b-3')).toMatchObject({ type: 'error', code: 'rate_limited', field: 'limits.briefsPerMinutePerPrincipal' });
    expect(events.map((event) => event.limit)).toEqual(['briefsPerMinutePerPrincipal']);
  });

  it('caps the bytes of client events one session stores, and stores nothing past it', async () => {
    const { env, store } = await serve({ storedBytesPerSession: 1000 });
    const { client } = await subscribed(env, 'bytes');
    const title = 'x'.repeat(250);
    const publish = (id: string) => {
      client.send({ type: 'publish', session: 'bytes', clientMsgId: id, event: { type: 'card.created', cardId: id, title } });
      return client.next((f) => (f.type === 'ack' || f.type === 'error') && f.clientMsgId === id);
    };
    // A retried event is stored once and costs its bytes once.
    for (let i = 0; i < 3; i++) expect(await publish('card-0')).toMatchObject({ type: 'ack', offset: 1 });
    expect((await publish('card-1')).type).toBe('ack');
    expect((await publish('card-2')).type).toBe('ack');
    expect(await publish('card-3')).toMatchObject({ type: 'error', code: 'rate_limited', field: 'limits.storedBytesPerSession' });
    expect(await publish('card-4')).toMatchObject({ type: 'error', code: 'rate_limited' });
    expect((await readAll(store, 'bytes')).length).toBe(3);
    // Control messages always get through: a stop button must work on a full session.
    client.send({ type: 'cancel', session: 'bytes', clientMsgId: 'stop', runId: 'no-such-run' });
    expect(await client.next((f) => f.type === 'error' && f.clientMsgId === 'stop')).toMatchObject({ code: 'not_found' });
  });
});

describe('model budgets', () => {
  /** A run that keeps spending 400 tokens a turn until it is stopped. */
  const spender: RunLauncher = {
    async launch(context) {
      const { runId } = context;
      await context.append([{ type: 'run.started', runId, tasks: [], model: { provider: 'test', name: 'spender', offline: true } }]);
      for (let turn = 0; turn < 50 && !context.signal.aborted; turn++) {
        const usage: SessionEvent = { type: 'usage', runId, agent: 'data-analyst', inputTokens: 300, outputTokens: 100, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.01 };
        await context.append([usage]);
      }
      await context.append([{ type: 'run.completed', runId, deliverableIds: [] }]);
    },
  };

  it('stops a run over its token budget with a typed run.failed', async () => {
    const { env, store, events } = await serve({ tokensPerRun: 1000 }, { launcher: spender });
    const { client } = await subscribed(env, 'budget');
    expect((await brief(client, 'budget', 'run-1')).type).toBe('ack');
    await until(() => runEnded(store, 'budget', 'run-1'), 10_000, 'run end');
    const log = await readAll(store, 'budget');
    const end = log.at(-1)!.event;
    expect(end).toMatchObject({ type: 'run.failed', runId: 'run-1', error: { code: 'budget_exceeded' } });
    // 3 × 400 tokens pass 1000: nothing of the run is stored after the third.
    expect(log.filter((record) => record.event.type === 'usage').length).toBe(3);
    expect(events).toContainEqual(expect.objectContaining({ limit: 'tokensPerRun', subject: 'user-1', session: 'budget', runId: 'run-1' }));
  });

  it('refuses briefs once the principal has spent the day', async () => {
    const { env, store } = await serve({ costPerDayPerPrincipalUsd: 0.02 }, { launcher: spender });
    const { client } = await subscribed(env, 'day');
    expect((await brief(client, 'day', 'run-1')).type).toBe('ack');
    await until(() => runEnded(store, 'day', 'run-1'), 10_000, 'run end');
    expect((await readAll(store, 'day')).at(-1)!.event).toMatchObject({ type: 'run.failed', error: { code: 'budget_exceeded' } });
    expect(await brief(client, 'day', 'run-2')).toMatchObject({ type: 'error', code: 'rate_limited', field: 'limits.costPerDayPerPrincipalUsd' });
  });
});

describe('two nodes on one Redis', () => {
  const redisClients: Redis[] = [];
  afterAll(() => {
    for (const redis of redisClients) redis.disconnect();
  });

  it('share the connection and brief limits of a principal', async () => {
    const prefix = `mt-limits-${randomUUID().slice(0, 8)}:`;
    const node = async () => {
      const redis = new Redis('redis://127.0.0.1:6379');
      redisClients.push(redis);
      const store = new RedisStore({ url: 'redis://127.0.0.1:6379', keyPrefix: prefix });
      open.push({ close: () => store.close() });
      const env = await startServer(store, { limits: { redis, keyPrefix: `${prefix}limits:`, connectionsPerPrincipal: 2, briefsPerMinutePerPrincipal: 2, onLimit: () => undefined } });
      open.push(env);
      return env;
    };
    const a = await node();
    const b = await node();
    const onA = await subscribed(a, 'shared-1');
    const onB = await subscribed(b, 'shared-2');
    expect([onA.frame.type, onB.frame.type]).toEqual(['subscribed', 'subscribed']);
    // Each node holds one connection; the third, on either node, is refused.
    expect((await subscribed(a, 'shared-3')).frame).toMatchObject({ code: 'rate_limited', field: 'limits.connectionsPerPrincipal' });
    expect((await subscribed(b, 'shared-4')).frame).toMatchObject({ code: 'rate_limited', field: 'limits.connectionsPerPrincipal' });

    expect((await brief(onA.client, 'shared-1', 'r-1')).type).toBe('ack');
    expect((await brief(onB.client, 'shared-2', 'r-2')).type).toBe('ack');
    expect(await brief(onA.client, 'shared-1', 'r-3')).toMatchObject({ code: 'rate_limited', field: 'limits.briefsPerMinutePerPrincipal' });
  });
});
