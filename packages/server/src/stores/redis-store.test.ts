import type { SessionRecord } from '@marketing-team/core';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisStore } from './redis-store.js';
import { describeSessionStoreConformance, textDelta } from './store-conformance.js';

const url = 'redis://127.0.0.1:6379';
const runPrefix = `mt-test-${randomUUID()}:`;
const admin = new Redis(url);

afterAll(async () => {
  // Delete every key this run created.
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${runPrefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await admin.quit();
});

let stores = 0;
function prefix(): string {
  return `${runPrefix}${++stores}:`;
}

describeSessionStoreConformance('RedisStore', () => {
  const keyPrefix = prefix();
  return {
    store: new RedisStore({ url, keyPrefix }),
    reopen: () => new RedisStore({ url, keyPrefix }),
  };
});

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const offsetsOf = (records: readonly SessionRecord[]) => records.map((record) => record.offset);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

describe('RedisStore across nodes', () => {
  it('keeps offsets gapless when two nodes append concurrently, and tails across them', async () => {
    const keyPrefix = prefix();
    const nodeA = new RedisStore({ url, keyPrefix });
    const nodeB = new RedisStore({ url, keyPrefix });
    const received: number[] = [];
    const subscription = nodeA.subscribe('shared', 0, (batch) => received.push(...offsetsOf(batch)));
    const results = await Promise.all(
      range(1, 60).map((index) => (index % 2 ? nodeA : nodeB).append('shared', [textDelta('r1', 't1', `${index}`)])),
    );
    expect(results.flatMap((result) => offsetsOf(result.records)).sort((a, b) => a - b)).toEqual(range(1, 60));
    await waitFor(() => received.length === 60, 'records of both nodes');
    expect(received).toEqual(range(1, 60));
    expect(await nodeB.head('shared')).toEqual(await nodeA.head('shared'));
    subscription.close();
    await nodeA.close();
    await nodeB.close();
  });

  it('repairs a live batch that arrives after a lost pub/sub message from the stream', async () => {
    const keyPrefix = prefix();
    const store = new RedisStore({ url, keyPrefix });
    const received: number[] = [];
    const subscription = store.subscribe('gap', 0, (batch) => received.push(...offsetsOf(batch)));
    await store.append('gap', [textDelta('r1', 't1', 'one')]);
    await waitFor(() => received.length === 1, 'the first record');
    // Store offset 2 the way the append script does, but without publishing it: a lost message.
    const event = JSON.stringify(textDelta('r1', 't1', 'two'));
    await admin.xadd(`${keyPrefix}{gap}:log`, '2-0', 'at', Date.now(), 'e', event);
    await admin.hset(`${keyPrefix}{gap}:meta`, 'head', 2);
    await store.append('gap', [textDelta('r1', 't1', 'three')]);
    await waitFor(() => received.length === 3, 'the repaired gap');
    expect(received).toEqual([1, 2, 3]);
    expect(store.metrics.gapRepairs).toBe(1);
    expect((await store.read('gap', 1, 1))[0]?.event).toMatchObject({ text: 'two' });
    subscription.close();
    await store.close();
  });

  it('catches up after its pub/sub connection drops', async () => {
    const keyPrefix = prefix();
    const store = new RedisStore({ url, keyPrefix });
    const writer = new RedisStore({ url, keyPrefix });
    const received: number[] = [];
    const subscription = store.subscribe('drop', 0, (batch) => received.push(...offsetsOf(batch)));
    await writer.append('drop', [textDelta('r1', 't1', 'one')]);
    await waitFor(() => received.length === 1, 'the first record');
    const subscriber = (store as unknown as { subscriber: Redis }).subscriber;
    subscriber.disconnect(true);
    await writer.append('drop', [textDelta('r1', 't1', 'two'), textDelta('r1', 't1', 'three')]);
    await waitFor(() => received.length === 3, 'records published while disconnected');
    expect(received).toEqual([1, 2, 3]);
    await writer.append('drop', [textDelta('r1', 't1', 'four')]);
    await waitFor(() => received.length === 4, 'live records after the reconnect');
    expect(received).toEqual([1, 2, 3, 4]);
    subscription.close();
    await store.close();
    await writer.close();
  });

  it('starts a new epoch when the stream is lost, and tells subscribers', async () => {
    const keyPrefix = prefix();
    const store = new RedisStore({ url, keyPrefix });
    await store.append('lost', [textDelta('r1', 't1', 'one'), textDelta('r1', 't1', 'two')]);
    const before = await store.head('lost');
    let resets = 0;
    const subscription = store.subscribe('lost', 2, () => {}, { epoch: before.epoch, onReset: () => resets++ });
    await admin.del(`${keyPrefix}{lost}:log`);
    const after = await store.head('lost');
    expect(after.offset).toBe(0);
    expect(after.epoch).not.toBe(before.epoch);
    const { records } = await store.append('lost', [textDelta('r1', 't1', 'again')]);
    expect(offsetsOf(records)).toEqual([1]);
    await waitFor(() => resets === 1, 'the reset notice');
    subscription.close();
    await store.close();
  });

  it('keeps the fences an earlier version stored as a plain set, as if set at the head it finds', async () => {
    const keyPrefix = prefix();
    const store = new RedisStore({ url, keyPrefix });
    await store.append('legacy', [textDelta('r2', 't1', 'one'), textDelta('r2', 't1', 'two')]);
    // What the previous release left: the fence key as a set of run ids and run/task keys.
    await admin.sadd(`${keyPrefix}{legacy}:fence`, 'r1', 'r3/t1');
    await expect(store.append('legacy', [textDelta('r1', 't1', 'late')])).rejects.toMatchObject({ name: 'FencedError', runId: 'r1' });
    expect(await admin.type(`${keyPrefix}{legacy}:fence`)).toBe('zset');
    expect(await admin.zscore(`${keyPrefix}{legacy}:fence`, 'r3/t1')).toBe('2');
    await expect(store.append('legacy', [textDelta('r3', 't1', 'late')])).rejects.toMatchObject({ name: 'FencedError', taskId: 't1' });
    await store.append('legacy', [textDelta('r2', 't1', 'three')]);
    // Head 3: a window of 1 forgets what was set at offset 2 or before.
    await store.applyRetention('legacy', { fenceWindow: 1 });
    expect(await store.append('legacy', [textDelta('r1', 't1', 'later')])).toMatchObject({ firstOffset: 4 });
    await store.close();
  });

  it('costs one Redis round trip per appended delta', async () => {
    const store = new RedisStore({ url, keyPrefix: prefix() });
    for (let index = 0; index < 50; index++) await store.append('trips', [textDelta('r1', 't1', `${index}`)]);
    await store.append('trips', range(1, 20).map((index) => textDelta('r1', 't1', `${index}`)));
    expect(store.metrics).toMatchObject({ appends: 51, appendRoundTrips: 51 });
    await store.close();
  });

  it('works with a client the caller owns, and leaves it open', async () => {
    const client = new Redis(url);
    const store = new RedisStore({ redis: client, keyPrefix: prefix() });
    await store.append('owned', [textDelta('r1', 't1', 'x')]);
    await store.close();
    expect(await client.ping()).toBe('PONG');
    await client.quit();
  });

  it('rejects bad options, naming the field', () => {
    expect(() => new RedisStore({ url, keyPrefix: 'a{b}' })).toThrow(/options\.keyPrefix/);
  });
});
