import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../stores/redis-store.js';
import { RedisRunLeases } from './redis-run-leases.js';
import { describeRunLeasesConformance } from './run-leases-conformance.js';

const prefix = `mt-lease-test-${randomUUID().slice(0, 8)}:`;
const redis = new Redis('redis://127.0.0.1:6379');

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describeRunLeasesConformance('RedisRunLeases', {
  store: () => new RedisStore({ keyPrefix: prefix }),
  unmanaged: (options) => new RedisRunLeases({ keyPrefix: prefix, ...options }),
  takeOver: async (session, runId, holder) => {
    await redis.set(`${prefix}{runs}:lease:${session}/${runId}`, holder);
  },
  listedLive: async (session, runId) => (await redis.zscore(`${prefix}{runs}:live`, `${session}/${runId}`)) !== null,
});

describe('RedisRunLeases options', () => {
  it('refuses a key prefix that would split the hash slot', () => {
    const store = new RedisStore({ keyPrefix: prefix });
    expect(() => new RedisRunLeases({ store, keyPrefix: 'a{b}' })).toThrow(/keyPrefix/);
    return store.close();
  });
});
