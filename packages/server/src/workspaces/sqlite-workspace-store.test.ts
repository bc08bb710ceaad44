import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../stores/sqlite-store.js';
import { textDelta } from '../stores/store-conformance.js';
import { SqliteWorkspaceStore } from './sqlite-workspace-store.js';
import { describeWorkspaceStoreConformance, testDocument } from './workspace-store-conformance.js';

const root = mkdtempSync(join(tmpdir(), 'mt-sqlite-workspaces-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let files = 0;

describeWorkspaceStoreConformance('SqliteWorkspaceStore', () => {
  const path = join(root, `store-${++files}`, 'sessions.db');
  const store = new SqliteWorkspaceStore({ path });
  return { store, reopen: () => new SqliteWorkspaceStore({ path }), operations: () => store.metrics.operations };
});

describe('SqliteWorkspaceStore specifics', () => {
  it('shares the session store file: both write it, and each reopens what the other left', async () => {
    const path = join(root, 'shared', 'sessions.db');
    const sessions = new SqliteStore({ path });
    const workspaces = new SqliteWorkspaceStore({ path });
    await sessions.append('s1', [textDelta('r1', 't1', 'hello')]);
    const saved = await workspaces.save('acme', testDocument('Acme'), { ifMatch: null });
    await sessions.append('s1', [textDelta('r1', 't1', 'again')]);
    await workspaces.close();
    await sessions.close();
    const reopenedSessions = new SqliteStore({ path });
    const reopenedWorkspaces = new SqliteWorkspaceStore({ path });
    expect((await reopenedSessions.read('s1', 0)).map((record) => record.offset)).toEqual([1, 2]);
    expect(await reopenedWorkspaces.get('acme')).toEqual(saved);
    await reopenedWorkspaces.close();
    await reopenedSessions.close();
  });

  it('serialises saves from two connections on one file: one wins, the other conflicts', async () => {
    const path = join(root, 'two-connections.db');
    const a = new SqliteWorkspaceStore({ path });
    const b = new SqliteWorkspaceStore({ path });
    const base = await a.save('acme', testDocument('Base'), { ifMatch: null });
    const results = await Promise.allSettled([
      a.save('acme', testDocument('From A'), { ifMatch: base.etag }),
      b.save('acme', testDocument('From B'), { ifMatch: base.etag }),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
    await a.close();
    await b.close();
  });

  it('reaches every row by primary key: no statement scans a table', async () => {
    const store = new SqliteWorkspaceStore({ path: join(root, 'plans.db') });
    const plans = store.queryPlans();
    for (const [statement, details] of Object.entries(plans)) {
      for (const detail of details) expect(`${statement}: ${detail}`).not.toMatch(/\bSCAN\b/);
    }
    expect(plans.latest!.join(' ')).toMatch(/SEARCH workspace_versions USING PRIMARY KEY/);
    await store.close();
  });
});
