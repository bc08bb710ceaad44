import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterAll } from 'vitest';
import { RedisWorkspaceStore } from './redis-workspace-store.js';
import { describeWorkspaceStoreConformance } from './workspace-store-conformance.js';

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
describeWorkspaceStoreConformance('RedisWorkspaceStore', () => {
  const keyPrefix = `${runPrefix}${++stores}:`;
  const store = new RedisWorkspaceStore({ url, keyPrefix });
  return { store, reopen: () => new RedisWorkspaceStore({ url, keyPrefix }), operations: () => store.metrics.operations };
});
