import fs, { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { MemoryStore } from '../stores/memory-store.js';
import { createDurableStreamsHandler } from './durable-streams-handler.js';
import { SqliteStreamStore } from './sqlite-stream-store.js';

const root = mkdtempSync(join(tmpdir(), 'mt-sqlite-stream-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const base = 'http://localhost/ds';
type SyncCallback = (error: NodeJS.ErrnoException | null) => void;

async function open(name: string, synchronous?: 'full' | 'normal') {
  const store = new MemoryStore();
  const streams = new SqliteStreamStore({ path: join(root, name, 'streams.db'), ...(synchronous ? { synchronous } : {}) });
  const handler = createDurableStreamsHandler({ store, streams, basePath: '/ds', authorize: () => true });
  const call = async (path: string, init?: RequestInit) => (await handler(new Request(`${base}${path}`, init)))!;
  const append = (body: unknown) => call('/s', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const values = async () => (await (await call('/s?offset=-1')).json()) as unknown[];
  expect((await call('/s', { method: 'PUT', headers: { 'content-type': 'application/json' } })).status).toBe(201);
  return {
    append,
    values,
    close: async () => {
      await streams.close();
      await store.close();
    },
  };
}

describe('SqliteStreamStore with synchronous full', () => {
  it('syncs the WAL off the main thread, and acknowledges and shows an append only once its sync is done', async () => {
    const stream = await open('held');
    await stream.append({ n: 1 });
    const realSync = fs.fdatasync.bind(fs);
    const held: (() => void)[] = [];
    const spy = vi.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, callback: SyncCallback) => {
      held.push(() => realSync(fd, callback));
    }) as typeof fs.fdatasync);
    try {
      let acknowledged = false;
      const second = stream.append({ n: 2 }).then((response) => {
        acknowledged = true;
        return response;
      });
      await vi.waitFor(() => expect(held).toHaveLength(1));
      // Committed, not yet on disk: the event loop goes on, readers do not see it, nobody is answered.
      expect(await stream.values()).toEqual([{ n: 1 }]);
      expect(acknowledged).toBe(false);
      held.shift()!();
      expect((await second).status).toBe(204);
      expect(await stream.values()).toEqual([{ n: 1 }, { n: 2 }]);
    } finally {
      spy.mockRestore();
      await stream.close();
    }
  });

  it('fails the append when its WAL sync fails, never shows it, and refuses later writes', async () => {
    const stream = await open('fails');
    await stream.append({ n: 1 });
    const spy = vi.spyOn(fs, 'fdatasync').mockImplementation(((_fd: number, callback: SyncCallback) => {
      setImmediate(() => callback(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })));
    }) as typeof fs.fdatasync);
    try {
      expect((await stream.append({ n: 2 })).status).toBe(500);
      expect((await stream.append({ n: 3 })).status).toBe(500);
      expect(await stream.values()).toEqual([{ n: 1 }]);
    } finally {
      spy.mockRestore();
      await stream.close();
    }
  });

  it('with synchronous normal, leaves the WAL to SQLite', async () => {
    const spy = vi.spyOn(fs, 'fdatasync');
    const stream = await open('normal', 'normal');
    try {
      await stream.append({ n: 1 });
      expect(await stream.values()).toEqual([{ n: 1 }]);
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
      await stream.close();
    }
  });
});
