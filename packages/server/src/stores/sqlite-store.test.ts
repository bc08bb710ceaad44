import fs, { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSessionState } from '@marketing-team/core';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { SqliteStore } from './sqlite-store.js';
import { describeSessionStoreConformance, textDelta } from './store-conformance.js';

const root = mkdtempSync(join(tmpdir(), 'mt-sqlite-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let files = 0;

describeSessionStoreConformance('SqliteStore', () => {
  const path = join(root, `store-${++files}`, 'sessions.db');
  return {
    store: new SqliteStore({ path }),
    reopen: () => new SqliteStore({ path }),
  };
});

describe('SqliteStore specifics', () => {
  it('uses WAL mode with the chosen synchronous level', async () => {
    const path = join(root, 'pragma.db');
    for (const [level, expected] of [
      // `full`: SQLite commits at NORMAL and the store syncs the WAL itself (tested below).
      ['full', 1],
      ['normal', 1],
      ['off', 0],
    ] as const) {
      const store = new SqliteStore({ path, synchronous: level });
      await store.append('s', [textDelta('r1', 't1', level)]);
      await store.close();
      // A second connection sees the file's journal mode; synchronous is per connection, so it is
      // checked through the store's own handle below.
      const db = new Database(path, { readonly: true });
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.close();
      const probe = new SqliteStore({ path, synchronous: level });
      expect((probe as unknown as { db: Database.Database }).db.pragma('synchronous', { simple: true })).toBe(expected);
      await probe.close();
    }
  });

  it('commits appends of the same tick in one transaction', async () => {
    const path = join(root, 'group.db');
    const store = new SqliteStore({ path });
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, index) => store.append(`s${index % 4}`, [textDelta('r1', 't1', `${index}`)])),
    );
    expect(store.metrics).toEqual({ appends: 40, commits: 1 });
    expect(results.map((result) => result.records[0]!.offset)).toEqual(
      Array.from({ length: 40 }, (_, index) => Math.floor(index / 4) + 1),
    );
    await store.close();
  });

  it('checkpoints the WAL on its timer, never inside an append', async () => {
    // 40 appends of 50 events of 3 KB: about 1,500 WAL pages, past the 1,000 at which SQLite's
    // own auto-checkpoint would copy them into the main file during a commit.
    const write = async (store: SqliteStore) => {
      for (let i = 0; i < 40; i++) {
        await store.append('s', Array.from({ length: 50 }, (_, index) => textDelta('r1', 't1', `${i}-${index} ${'x'.repeat(3000)}`)));
      }
    };
    const untimed = join(root, 'checkpoint-late.db');
    const late = new SqliteStore({ path: untimed, checkpointIntervalMs: 3_600_000 });
    await write(late);
    expect(statSync(untimed).size).toBeLessThan(256 * 1024);
    await late.close();

    const timed = join(root, 'checkpoint-timed.db');
    const store = new SqliteStore({ path: timed, checkpointIntervalMs: 20 });
    await write(store);
    await vi.waitFor(() => expect(statSync(timed).size).toBeGreaterThan(4 * 1024 * 1024), { timeout: 10_000 });
    expect(await store.read('s', 1999)).toHaveLength(1);
    await store.close();
  });

  it('rejects bad options, naming the field', () => {
    expect(() => new SqliteStore({ path: '' })).toThrow(/options\.path/);
    expect(() => new SqliteStore({ path: join(root, 'x.db'), synchronous: 'sometimes' as never })).toThrow(
      /options\.synchronous/,
    );
    expect(() => new SqliteStore({ path: join(root, 'x.db'), checkpointIntervalMs: 0 })).toThrow(/options\.checkpointIntervalMs/);
  });

  it('derives the open-run index once when it opens a file of schema 1', async () => {
    const path = join(root, 'schema-1.db');
    const brief = (runId: string) => ({ type: 'brief.submitted' as const, runId, brief: { goal: 'Old file', channels: [], deliverables: [], reviewGates: [] }, by: { kind: 'human' as const, id: 'u1' } });
    const before = new SqliteStore({ path });
    await before.append('old', [brief('r1'), brief('r2'), { type: 'run.completed', runId: 'r2', deliverableIds: [] }]);
    await before.close();
    // What a schema-1 file looked like: no open_runs table.
    const db = new Database(path);
    db.exec('DROP TABLE open_runs');
    db.pragma('user_version = 1');
    db.close();
    const after = new SqliteStore({ path });
    expect(await after.openRuns()).toEqual([{ session: 'old', runId: 'r1' }]);
    await after.close();
  });

  it('takes the head from the stored events, so appends never write the session row', async () => {
    const path = join(root, 'heads.db');
    const before = new SqliteStore({ path });
    for (let i = 0; i < 3; i++) await before.append('s', [textDelta('r1', 't1', `${i}`)]);
    const { epoch } = await before.head('s');
    await before.close();
    // The row as it was when the log was created: appends leave it alone.
    const db = new Database(path);
    expect(db.prepare('SELECT head FROM sessions WHERE session = ?').get('s')).toEqual({ head: 0 });
    db.close();
    const after = new SqliteStore({ path });
    expect(await after.head('s')).toEqual({ epoch, offset: 3 });
    expect((await after.append('s', [textDelta('r1', 't1', 'next')])).firstOffset).toBe(4);
    // Retention dropping every event keeps the head at the trim point.
    await after.saveSnapshot('s', { offset: 4, state: { ...createSessionState(), offset: 4 } });
    expect(await after.applyRetention('s', { maxEvents: 0 })).toBe(4);
    await after.close();
    const trimmed = new SqliteStore({ path });
    expect(await trimmed.head('s')).toEqual({ epoch, offset: 4 });
    expect((await trimmed.append('s', [textDelta('r1', 't1', 'after trim')])).firstOffset).toBe(5);
    await trimmed.close();
  });

  it('opens a file of schema 2 and marks it current (4), which a schema-2 build refuses', async () => {
    const path = join(root, 'schema-2.db');
    const before = new SqliteStore({ path });
    await before.append('s', [textDelta('r1', 't1', 'a'), textDelta('r1', 't1', 'b')]);
    await before.close();
    const db = new Database(path);
    // What schema 2 kept: the head in the row.
    db.prepare('UPDATE sessions SET head = 2').run();
    db.pragma('user_version = 2');
    db.close();
    const after = new SqliteStore({ path });
    expect((await after.head('s')).offset).toBe(2);
    await after.close();
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(4);
    check.close();
  });

  it('with synchronous full, delivers and acknowledges a commit only once its WAL sync is done, in commit order', async () => {
    const path = join(root, 'wal-sync.db');
    const store = new SqliteStore({ path });
    await store.append('s', [textDelta('r1', 't1', 'first')]);
    const realSync = fs.fdatasync.bind(fs);
    const held: (() => void)[] = [];
    const spy = vi.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      held.push(() => realSync(fd, callback));
    }) as typeof fs.fdatasync);
    try {
      const seen: number[] = [];
      store.subscribe('s', 1, (records) => seen.push(...records.map((record) => record.offset)));
      let seenAtAck: number[] | undefined;
      const second = store.append('s', [textDelta('r1', 't1', 'second')]).then((result) => {
        seenAtAck = [...seen];
        return result;
      });
      await vi.waitFor(() => expect(held).toHaveLength(1));
      // Committed, not yet on disk: nobody is told, and readers do not see it.
      expect(seenAtAck).toBeUndefined();
      expect(seen).toEqual([]);
      expect(await store.read('s', 1)).toEqual([]);
      expect((await store.head('s')).offset).toBe(1);
      // Made while that sync runs: committed, and synced, once it ends, with whatever else came.
      const third = store.append('s', [textDelta('r1', 't1', 'third')]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(held).toHaveLength(1);
      expect(store.metrics.commits).toBe(2);
      held.shift()!();
      expect((await second).firstOffset).toBe(2);
      expect(seenAtAck).toEqual([2]);
      await vi.waitFor(() => expect(held).toHaveLength(1));
      expect(seen).toEqual([2]);
      held.shift()!();
      expect((await third).firstOffset).toBe(3);
      expect(seen).toEqual([2, 3]);
      expect((await store.read('s', 0)).map((record) => record.offset)).toEqual([1, 2, 3]);
    } finally {
      spy.mockRestore();
      await store.close();
    }
  });

  it('fails the commit, and every later write, when the WAL sync fails; nothing of it is delivered', async () => {
    const path = join(root, 'wal-sync-fails.db');
    const store = new SqliteStore({ path });
    const seen: number[] = [];
    store.subscribe('s', 0, (records) => seen.push(...records.map((record) => record.offset)));
    const spy = vi.spyOn(fs, 'fdatasync').mockImplementation(((_fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      setImmediate(() => callback(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })));
    }) as typeof fs.fdatasync);
    try {
      await expect(store.append('s', [textDelta('r1', 't1', 'lost')])).rejects.toThrow(/EIO/);
      await expect(store.append('s', [textDelta('r1', 't1', 'later')])).rejects.toThrow(/EIO/);
      expect(seen).toEqual([]);
    } finally {
      spy.mockRestore();
      await store.close();
    }
  });

  it('with synchronous normal, leaves the WAL to SQLite', async () => {
    const spy = vi.spyOn(fs, 'fdatasync');
    const store = new SqliteStore({ path: join(root, 'wal-normal.db'), synchronous: 'normal' });
    try {
      await store.append('s', [textDelta('r1', 't1', 'a')]);
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
      await store.close();
    }
  });

  it('writes a large snapshot a part per turn, so other work runs while it is saved, and loads it whole', async () => {
    const path = join(root, 'snapshot-parts.db');
    const store = new SqliteStore({ path });
    await store.append('s', [textDelta('r1', 't1', 'a')]);
    // About 500,000 characters of JSON (8 parts), with a surrogate pair at every possible place of a part boundary.
    const goal = Array.from({ length: 100_000 }, (_, index) => (index % 3 === 0 ? '😀 ' : 'token ')).join('');
    const state = { ...createSessionState(), offset: 1, runOrder: [goal] };
    let turns = 0;
    let saving = true;
    const count = (): void => {
      turns += 1;
      if (saving) setImmediate(count);
    };
    setImmediate(count);
    await store.saveSnapshot('s', { offset: 1, state });
    saving = false;
    expect(turns).toBeGreaterThan(3);
    expect(await store.loadSnapshot('s')).toEqual({ offset: 1, state });
    const db = new Database(path, { readonly: true });
    const parts = (): number => (db.prepare('SELECT count(*) AS n FROM snapshot_parts').get() as { n: number }).n;
    expect(parts()).toBeGreaterThan(3);
    // A smaller snapshot replaces it whole, and the parts go with the snapshot they belonged to.
    await store.append('s', [textDelta('r1', 't1', 'b')]);
    await store.saveSnapshot('s', { offset: 2, state: { ...createSessionState(), offset: 2 } });
    expect(parts()).toBe(0);
    expect(await store.loadSnapshot('s')).toEqual({ offset: 2, state: { ...createSessionState(), offset: 2 } });
    // An older snapshot written after a newer one is dropped, parts included.
    await store.saveSnapshot('s', { offset: 1, state });
    expect(parts()).toBe(0);
    expect((await store.loadSnapshot('s'))?.offset).toBe(2);
    await store.saveSnapshot('s', { offset: 2, state: { ...state, offset: 2 } });
    await store.delete('s');
    expect(parts()).toBe(0);
    db.close();
    await store.close();
  });

  it('refuses a large snapshot whose session was deleted while it was written, leaving no part behind', async () => {
    const path = join(root, 'snapshot-deleted.db');
    const store = new SqliteStore({ path });
    await store.append('s', [textDelta('r1', 't1', 'a')]);
    const state = { ...createSessionState(), offset: 1, runOrder: ['x'.repeat(400_000)] };
    const saving = store.saveSnapshot('s', { offset: 1, state }).then(() => undefined, (error: unknown) => error);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    await store.delete('s');
    await store.append('s', [textDelta('r1', 't1', 'new log')]);
    expect(await saving).toMatchObject({ code: 'conflict' });
    expect(await store.loadSnapshot('s')).toBeUndefined();
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM snapshot_parts').get()).toEqual({ n: 0 });
    db.close();
    await store.close();
  });

  it('drops the parts of a snapshot whose save never completed when it opens the file', async () => {
    const path = join(root, 'snapshot-orphans.db');
    const store = new SqliteStore({ path });
    await store.append('s', [textDelta('r1', 't1', 'a')]);
    await store.close();
    const db = new Database(path);
    db.prepare('INSERT INTO snapshot_parts (session, save, part, text) VALUES (?, ?, ?, ?)').run('s', 'interrupted', 0, '{"version"');
    db.close();
    const reopened = new SqliteStore({ path });
    expect(await reopened.loadSnapshot('s')).toBeUndefined();
    await reopened.close();
    const check = new Database(path, { readonly: true });
    expect(check.prepare('SELECT count(*) AS n FROM snapshot_parts').get()).toEqual({ n: 0 });
    check.close();
  });

  it('loads a snapshot a file of schema 3 kept whole in its row', async () => {
    const path = join(root, 'schema-3-snapshot.db');
    const db = new Database(path);
    db.exec(`CREATE TABLE snapshots (session TEXT PRIMARY KEY, seq INTEGER NOT NULL, state TEXT NOT NULL, saved_at INTEGER NOT NULL) WITHOUT ROWID`);
    const state = { ...createSessionState(), offset: 3 };
    db.prepare('INSERT INTO snapshots (session, seq, state, saved_at) VALUES (?, ?, ?, ?)').run('s', 3, JSON.stringify(state), 0);
    db.pragma('user_version = 3');
    db.close();
    const store = new SqliteStore({ path });
    expect(await store.loadSnapshot('s')).toEqual({ offset: 3, state });
    await store.close();
  });

  it('refuses a file written by a newer schema', () => {
    const path = join(root, 'newer.db');
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    expect(() => new SqliteStore({ path })).toThrow(/newer version/);
  });
});
