import { ProtocolError, workspaceDocumentHash, type WorkspaceDocumentInput } from '@marketing-team/core';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorkspaceConflictError, WorkspaceNotFoundError, type WorkspaceStore } from './workspace-store.js';

/** A workspace store under test, with what the suite needs to reopen and clean it up. */
export interface WorkspaceStoreFixture {
  store: WorkspaceStore;
  /** For persistent stores: opens a new store on the same data (the suite closes the old one first). */
  reopen?: () => WorkspaceStore | Promise<WorkspaceStore>;
  /**
   * Storage operations issued so far (statements, round trips, map lookups). Its presence turns on
   * the check that a read and a save cost the same with 1 workspace as with hundreds.
   */
  operations?: () => number;
  /** Removes what the fixture created; called after the store is closed. */
  dispose?: () => void | Promise<void>;
}

/** Creates a fresh fixture for each test. */
export type WorkspaceStoreFactory = () => WorkspaceStoreFixture | Promise<WorkspaceStoreFixture>;

/** A small valid brand named `name`, for documents in tests. */
export function testBrand(name: string) {
  return {
    name,
    voiceGuide: `${name} sounds calm and exact.`,
    styleGuide: 'Sentence case headings.',
    strategy: `Make ${name} the obvious choice.`,
    audience: 'Product teams.',
    products: [{ name: `${name} App`, description: 'The product.' }],
  };
}

/** A valid workspace document whose brand is named `name`. */
export function testDocument(name: string): WorkspaceDocumentInput {
  return { brand: testBrand(name) };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/**
 * The behaviour every `WorkspaceStore` must show, as vitest `describe` blocks. Run it unchanged
 * from each store's test file:
 *
 * ```ts
 * describeWorkspaceStoreConformance('MemoryWorkspaceStore', () => ({ store: new MemoryWorkspaceStore() }));
 * ```
 */
export function describeWorkspaceStoreConformance(name: string, factory: WorkspaceStoreFactory): void {
  describe(`WorkspaceStore conformance: ${name}`, () => {
    let fixture: WorkspaceStoreFixture;
    let store: WorkspaceStore;
    let id: string;

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
      id = `ws-${randomUUID()}`;
    });

    afterEach(async () => {
      await store.close();
      await fixture.dispose?.();
    });

    describe('versions', () => {
      it('knows nothing of a workspace never saved', async () => {
        expect(await store.get(id)).toBeUndefined();
        expect(await store.getVersion(id, 1)).toBeUndefined();
        expect(await store.listVersions(id)).toEqual([]);
      });

      it('creates version 1 with ifMatch null, with the document normalised and hashed', async () => {
        const saved = await store.save(id, testDocument('Notely'), { ifMatch: null, savedBy: 'u1' });
        expect(saved).toMatchObject({ workspaceId: id, version: 1, savedBy: 'u1', hash: workspaceDocumentHash(testDocument('Notely')) });
        expect(saved.document.brand!.bannedTerms).toEqual([]);
        expect(saved.document.skills).toEqual([]);
        expect(typeof saved.etag).toBe('string');
        expect(await store.get(id)).toEqual(saved);
        expect(await store.getVersion(id, 1)).toEqual(saved);
      });

      it('numbers each save 1, 2, 3 and keeps every old version readable and unchanged', async () => {
        let etag: string | null = null;
        const saved = [];
        for (const brand of ['A', 'B', 'C', 'D', 'E']) {
          const version = await store.save(id, testDocument(brand), { ifMatch: etag });
          saved.push(version);
          etag = version.etag;
        }
        expect(saved.map((version) => version.version)).toEqual([1, 2, 3, 4, 5]);
        expect(new Set(saved.map((version) => version.etag)).size).toBe(5);
        expect((await store.get(id))!.document.brand!.name).toBe('E');
        for (const version of saved) expect(await store.getVersion(id, version.version)).toEqual(version);
        const { document: _document, ...summary } = saved[4]!;
        const list = await store.listVersions(id);
        expect(list.map((entry) => entry.version)).toEqual([5, 4, 3, 2, 1]);
        expect(list[0]).toEqual(summary);
        expect(list[0]).not.toHaveProperty('document');
        expect((await store.listVersions(id, { limit: 2 })).map((entry) => entry.version)).toEqual([5, 4]);
        expect((await store.listVersions(id, { before: 4, limit: 2 })).map((entry) => entry.version)).toEqual([3, 2]);
        expect((await store.listVersions(id, { before: 2 })).map((entry) => entry.version)).toEqual([1]);
        expect(await store.listVersions(id, { before: 1 })).toEqual([]);
      });

      it('gives equal content the same hash and a new etag', async () => {
        const first = await store.save(id, testDocument('Same'), { ifMatch: null });
        const second = await store.save(id, testDocument('Same'), { ifMatch: first.etag });
        expect(second.hash).toBe(first.hash);
        expect(second.etag).not.toBe(first.etag);
      });

      it('keeps workspaces apart', async () => {
        const other = `${id}-other`;
        await store.save(id, testDocument('Mine'), { ifMatch: null });
        await store.save(other, testDocument('Theirs'), { ifMatch: null });
        expect((await store.get(id))!.document.brand!.name).toBe('Mine');
        expect((await store.get(other))!.document.brand!.name).toBe('Theirs');
        expect(await store.listVersions(id)).toHaveLength(1);
      });
    });

    describe('optimistic concurrency', () => {
      it('refuses a stale ifMatch with a typed conflict naming the current version', async () => {
        const v1 = await store.save(id, testDocument('A'), { ifMatch: null });
        const v2 = await store.save(id, testDocument('B'), { ifMatch: v1.etag });
        const error = await rejection(store.save(id, testDocument('C'), { ifMatch: v1.etag }));
        expect(error).toBeInstanceOf(WorkspaceConflictError);
        expect(error).toMatchObject({ code: 'conflict', field: 'ifMatch', currentVersion: 2, currentEtag: v2.etag, workspaceId: id });
        expect((error as Error).message).toContain('version 2');
        expect((await store.get(id))!.document.brand!.name).toBe('B');
      });

      it('creates only once: ifMatch null on an existing workspace conflicts', async () => {
        await store.save(id, testDocument('A'), { ifMatch: null });
        expect(await rejection(store.save(id, testDocument('B'), { ifMatch: null }))).toMatchObject({ code: 'conflict', currentVersion: 1 });
      });

      it('refuses an etag for a workspace that does not exist', async () => {
        const error = await rejection(store.save(id, testDocument('A'), { ifMatch: '1-0000000000000000' }));
        expect(error).toBeInstanceOf(WorkspaceConflictError);
        expect(error).toMatchObject({ currentVersion: undefined });
        expect(await store.get(id)).toBeUndefined();
      });

      it('saves over anything with ifMatch "*"', async () => {
        await store.save(id, testDocument('A'), { ifMatch: '*' });
        expect((await store.save(id, testDocument('B'), { ifMatch: '*' })).version).toBe(2);
      });

      it('lets exactly one of two concurrent writers with the same ifMatch win; the other gets the conflict', async () => {
        const base = await store.save(id, testDocument('Base'), { ifMatch: null });
        const results = await Promise.allSettled([
          store.save(id, testDocument('Editor one'), { ifMatch: base.etag }),
          store.save(id, testDocument('Editor two'), { ifMatch: base.etag }),
        ]);
        const won = results.filter((result) => result.status === 'fulfilled');
        const lost = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect(lost[0]!.reason).toBeInstanceOf(WorkspaceConflictError);
        expect(lost[0]!.reason).toMatchObject({ currentVersion: 2 });
        expect(await store.listVersions(id)).toHaveLength(2);
      });

      it('lets exactly one of many concurrent creators win', async () => {
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, (_, index) => store.save(id, testDocument(`Creator ${index}`), { ifMatch: null })),
        );
        expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
        for (const result of results) if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(WorkspaceConflictError);
        expect((await store.listVersions(id)).map((entry) => entry.version)).toEqual([1]);
      });
    });

    describe('rollback', () => {
      it('saves an old version content as a new version, leaving history intact', async () => {
        const v1 = await store.save(id, testDocument('Old brand'), { ifMatch: null });
        const v2 = await store.save(id, testDocument('New brand'), { ifMatch: v1.etag });
        const v3 = await store.rollback(id, 1, { ifMatch: v2.etag, savedBy: 'u2' });
        expect(v3).toMatchObject({ version: 3, rolledBackFrom: 1, savedBy: 'u2', hash: v1.hash });
        expect(v3.document).toEqual(v1.document);
        expect(await store.get(id)).toEqual(v3);
        expect(await store.getVersion(id, 2)).toEqual(v2);
        expect((await store.listVersions(id))[0]).toMatchObject({ version: 3, rolledBackFrom: 1 });
      });

      it('refuses a rollback from a stale etag, and to a version that does not exist', async () => {
        const v1 = await store.save(id, testDocument('A'), { ifMatch: null });
        await store.save(id, testDocument('B'), { ifMatch: v1.etag });
        expect(await rejection(store.rollback(id, 1, { ifMatch: v1.etag }))).toBeInstanceOf(WorkspaceConflictError);
        const missing = await rejection(store.rollback(id, 9));
        expect(missing).toBeInstanceOf(WorkspaceNotFoundError);
        expect(missing).toMatchObject({ code: 'not_found', field: 'version' });
        expect((await store.rollback(id, 1)).version).toBe(3);
      });
    });

    describe('validation', () => {
      it('refuses an invalid document naming the field, and stores nothing', async () => {
        const error = await rejection(store.save(id, { brand: { ...testBrand('X'), voiceGuide: '' } }, { ifMatch: null }));
        expect(error).toBeInstanceOf(ProtocolError);
        expect(error).toMatchObject({ code: 'bad_frame', field: 'document.brand.voiceGuide' });
        const cross = await rejection(
          store.save(id, { rules: [{ agent: 'nobody', keywords: ['x'] }] }, { ifMatch: null }),
        );
        expect(cross).toMatchObject({ code: 'bad_frame', field: 'document.rules[0].agent' });
        expect(await store.get(id)).toBeUndefined();
      });

      it('refuses bad ids, versions and options naming them', async () => {
        expect(await rejection(store.get('../etc'))).toMatchObject({ field: 'workspaceId' });
        expect(await rejection(store.getVersion(id, 0))).toMatchObject({ field: 'version' });
        expect(await rejection(store.save(id, {}, { ifMatch: 5 as never }))).toMatchObject({ field: 'options.ifMatch' });
        expect(await rejection(store.listVersions(id, { limit: 0 }))).toMatchObject({ field: 'options.limit' });
      });
    });

    describe('sessions', () => {
      it('binds a session to the first workspace that claims it', async () => {
        const session = `s-${randomUUID()}`;
        expect(await store.sessionWorkspace(session)).toBeUndefined();
        expect(await store.bindSession(session, id)).toBe(id);
        expect(await store.bindSession(session, 'other-workspace')).toBe(id);
        expect(await store.sessionWorkspace(session)).toBe(id);
        const races = await Promise.all(['w1', 'w2', 'w3'].map((workspace) => store.bindSession(`${session}-2`, workspace)));
        expect(new Set(races).size).toBe(1);
      });
    });

    describe('cost', () => {
      it('reads and saves with the same number of storage operations at 1 and at 300 workspaces', async (context) => {
        // Runs for stores that can count their storage operations; the others have nothing to count.
        if (!fixture.operations) return context.skip();
        const count = fixture.operations;
        const cycle = async (etag: string) => {
          const before = count();
          const latest = await store.get(id);
          await store.getVersion(id, 1);
          await store.listVersions(id, { limit: 5 });
          const saved = await store.save(id, testDocument('Cost'), { ifMatch: latest?.etag ?? etag });
          return { operations: count() - before, etag: saved.etag };
        };
        const first = await store.save(id, testDocument('Cost'), { ifMatch: null });
        const alone = await cycle(first.etag);
        for (let index = 0; index < 300; index++) await store.save(`${id}-${index}`, testDocument(`Other ${index}`), { ifMatch: null });
        const crowded = await cycle(alone.etag);
        expect(crowded.operations).toBe(alone.operations);
      });
    });

    describe('durability across close and reopen', () => {
      it('keeps every version and the latest etag', async (context) => {
        // A store that keeps nothing across a restart (memory) has no durability to prove.
        if (!fixture.reopen) return context.skip();
        const v1 = await store.save(id, testDocument('Kept'), { ifMatch: null });
        const v2 = await store.save(id, testDocument('Kept too'), { ifMatch: v1.etag });
        await store.close();
        store = await fixture.reopen();
        expect(await store.get(id)).toEqual(v2);
        expect(await store.getVersion(id, 1)).toEqual(v1);
        expect((await store.save(id, testDocument('After'), { ifMatch: v2.etag })).version).toBe(3);
      });
    });
  });
}
