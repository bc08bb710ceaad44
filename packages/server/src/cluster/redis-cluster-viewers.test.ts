import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionHub } from '../sessions/session-hub.js';
import { MemoryStore } from '../stores/memory-store.js';
import type { ClusterViewers } from './cluster-viewers.js';
import { RedisClusterViewers } from './redis-cluster-viewers.js';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function node(prefix: string, nodeId: string, extra: { redis?: Redis; ttlMs?: number } = {}): RedisClusterViewers {
  const viewers = new RedisClusterViewers({ keyPrefix: prefix, nodeId, ttlMs: extra.ttlMs ?? 600, onError: () => undefined, ...(extra.redis ? { redis: extra.redis } : {}) });
  cleanups.push(() => viewers.close());
  return viewers;
}

function follow(viewers: RedisClusterViewers, session: string): { others: number | undefined } {
  const seen: { others: number | undefined } = { others: undefined };
  cleanups.push(viewers.watch(session, (others) => (seen.others = others)));
  return seen;
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('RedisClusterViewers', () => {
  const prefix = `mt-viewers-unit-${randomUUID().slice(0, 8)}:`;
  cleanups.push(async () => {
    const redis = new Redis('redis://127.0.0.1:6379');
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it("sums the other nodes' viewers of a session, never its own, and follows every change", async () => {
    const [a, b, c] = [node(prefix, 'a'), node(prefix, 'b'), node(prefix, 'c')];
    const seenByA = follow(a, 's-1');
    await until(() => seenByA.others === 0, 'the first read');
    a.report('s-1', 5);
    b.report('s-1', 2);
    c.report('s-1', 1);
    c.report('s-2', 7);
    await until(() => seenByA.others === 3, 'b and c counted');
    b.report('s-1', 0);
    await until(() => seenByA.others === 1, 'b gone');
    await c.close();
    await until(() => seenByA.others === 0, 'c withdrawn on close');
  });

  it("drops the viewers of a node that stopped renewing (it died) within about the ttl", async () => {
    const redis = new Redis('redis://127.0.0.1:6379');
    redis.on('error', () => undefined);
    const dying = node(prefix, 'dying', { redis, ttlMs: 300 });
    const watcher = node(prefix, 'watcher', { ttlMs: 300 });
    const seen = follow(watcher, 's-3');
    dying.report('s-3', 4);
    await until(() => seen.others === 4, 'the count');
    // The node's connection is gone: no renewal, no withdrawal.
    redis.disconnect();
    await until(() => seen.others === 0, 'the count to expire');
  });

  it('names the option it refuses, and the hub names a clusterViewers that is not one', () => {
    expect(() => new RedisClusterViewers({ keyPrefix: 'a{b}' })).toThrow(/keyPrefix/);
    expect(() => new RedisClusterViewers({ ttlMs: 5 })).toThrow(/ttlMs/);
    expect(() => new SessionHub({ store: new MemoryStore(), clusterViewers: { report: () => undefined } as unknown as ClusterViewers })).toThrow(/options\.clusterViewers/);
  });
});
