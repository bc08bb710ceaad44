// The behaviour every RunLeases implementation shares, run unchanged on each (Redis, PostgreSQL):
// one holder per run, renewal, loss by takeover or by a paused node, orphaned runs recorded as
// interrupted exactly once, and the hub running briefs only under a lease.
import { afterEach, describe, expect, it } from 'vitest';
import { CampaignBriefSchema, type SessionEvent, type SessionRecord } from '@marketing-team/core';
import type { SessionGrant } from '../auth/token-issuer.js';
import { createScriptedProducer } from '../runtime/scripted-producer.js';
import type { RunContext } from '../runtime/run-launcher.js';
import { SessionHub } from '../sessions/session-hub.js';
import { FencedError, type SessionStore } from '../stores/session-store.js';
import type { RunLeases } from './run-leases.js';
import { RunLeaseLostError } from './run-lease-lost-error.js';

/** Options every implementation takes (besides where it keeps its leases). */
export interface CommonRunLeasesOptions {
  store: SessionStore;
  nodeId?: string;
  ttlMs?: number;
  sweepMs?: number;
  graceMs?: number;
  onError?: (error: unknown) => void;
}

/** What the suite needs of one implementation, on a fresh keyspace or table prefix. */
export interface RunLeasesHarness<Leases extends RunLeases> {
  /** A session store of the same backend (the leases write `run.interrupted` into it). */
  store(): SessionStore;
  /** Run leases with these options, left to the caller to close (a killed node never closes). */
  unmanaged(options: CommonRunLeasesOptions): Leases;
  /** Hands the run's lease to `holder` behind its holder's back. */
  takeOver(session: string, runId: string, holder: string): Promise<void>;
  /** Whether the run is still in the set the sweep looks at. */
  listedLive(session: string, runId: string): Promise<boolean>;
}

type SweepingLeases = RunLeases & {
  holder(session: string, runId: string): Promise<string | undefined>;
  sweep(): Promise<number>;
  close(): Promise<void>;
  metrics: { renewRoundTrips: number; lost: number };
};

const grant: SessionGrant = { userId: 'u-1', capabilities: ['read', 'write', 'control'], expiresAt: Math.floor(Date.now() / 1000) + 600 };

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function startedRun(log: SessionStore, session: string, runId: string): Promise<void> {
  await log.append(session, [
    { type: 'brief.submitted', runId, brief: CampaignBriefSchema.parse({ goal: 'Lease' }), by: { kind: 'human', id: 'u-1' } },
    { type: 'run.started', runId, tasks: [], model: { provider: 'scripted', name: 'test', offline: true } },
  ]);
}

const terminals = (records: SessionRecord[], runId: string) =>
  records.filter((record) => 'runId' in record.event && record.event.runId === runId && record.event.type.startsWith('run.') && record.event.type !== 'run.started');

/** Registers the run-leases conformance tests for one implementation. */
export function describeRunLeasesConformance<Leases extends SweepingLeases>(name: string, harness: RunLeasesHarness<Leases>): void {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined);
  });
  const store = (): SessionStore => {
    const created = harness.store();
    cleanups.push(() => created.close());
    return created;
  };
  const leases = (options: Partial<CommonRunLeasesOptions> & { store: SessionStore }): Leases => {
    const created = harness.unmanaged({ ttlMs: 300, sweepMs: 3_600_000, onError: () => undefined, ...options });
    cleanups.push(() => created.close());
    return created;
  };

  describe(`${name}: run leases`, () => {
    it('lets one node hold a run at a time and hands it on after release', async () => {
      const log = store();
      const a = leases({ store: log, nodeId: 'node-a' });
      const b = leases({ store: log, nodeId: 'node-b' });
      const lease = await a.acquire('s-1', 'run-1');
      expect(lease?.held).toBe(true);
      expect(await b.acquire('s-1', 'run-1')).toBeUndefined();
      expect(await b.holder('s-1', 'run-1')).toBe('node-a');
      await lease!.release();
      expect(lease!.held).toBe(false);
      expect(await a.holder('s-1', 'run-1')).toBeUndefined();
      expect(await b.acquire('s-1', 'run-1')).toBeDefined();
    });

    it('renews a lease past its ttl while the node lives', async () => {
      const log = store();
      const a = leases({ store: log, nodeId: 'node-a', ttlMs: 500 });
      const lease = await a.acquire('s-2', 'run-1');
      await new Promise((resolve) => setTimeout(resolve, 1600));
      expect(lease!.held).toBe(true);
      expect(await a.holder('s-2', 'run-1')).toBe('node-a');
      expect(a.metrics.renewRoundTrips).toBeGreaterThan(1);
    });

    it('stops a run whose lease was taken: its signal aborts and its appends are refused', async () => {
      const log = store();
      // Room for a busy machine: the loss must be seen as taken, not as expired.
      const a = leases({ store: log, nodeId: 'node-a', ttlMs: 1000 });
      const lease = (await a.acquire('s-3', 'run-1'))!;
      const appended: SessionEvent[][] = [];
      let seen: { signal: AbortSignal; append: (events: SessionEvent[]) => Promise<SessionRecord[]> } | undefined;
      const guarded = lease.guard<RunContext>({
        launch: async (context) => {
          seen = context;
        },
      });
      const outer = new AbortController();
      await guarded.launch({
        session: 's-3',
        runId: 'run-1',
        brief: CampaignBriefSchema.parse({ goal: 'x' }),
        submittedBy: { kind: 'human', id: 'u-1' },
        briefOffset: 1,
        signal: outer.signal,
        append: async (events) => {
          appended.push(events);
          return [];
        },
        onControl: () => () => undefined,
      });
      const delta: SessionEvent = { type: 'text.delta', runId: 'run-1', taskId: 't', agent: 'content-creator', messageId: 'm', text: 'x' };
      await seen!.append([delta]);
      expect(appended).toHaveLength(1);
      await harness.takeOver('s-3', 'run-1', 'someone-else');
      await until(() => lease.signal.aborted, 'the lease to be lost');
      expect(lease.signal.reason).toBeInstanceOf(RunLeaseLostError);
      expect((lease.signal.reason as RunLeaseLostError).why).toBe('taken');
      expect(seen!.signal.aborted).toBe(true);
      await expect(seen!.append([delta])).rejects.toBeInstanceOf(FencedError);
      expect(appended).toHaveLength(1);
      expect(a.metrics.lost).toBe(1);
    });

    it('treats a lease as lost after the node was paused past its ttl, before any renewal', async () => {
      const log = store();
      const a = leases({ store: log, nodeId: 'node-a', ttlMs: 150 });
      const lease = (await a.acquire('s-4', 'run-1'))!;
      // A real pause of the event loop, as a long GC or a stopped VM would cause.
      const until = performance.now() + 400;
      while (performance.now() < until);
      expect(lease.held).toBe(false);
      expect((lease.signal.reason as RunLeaseLostError).why).toBe('expired');
    });

    it('records a run whose node died as interrupted, once, whichever nodes look', async () => {
      const log = store();
      const dead = harness.unmanaged({ store: log, ttlMs: 200, sweepMs: 3_600_000, nodeId: 'node-dead' });
      await startedRun(log, 's-5', 'run-1');
      await dead.acquire('s-5', 'run-1');
      const b = leases({ store: log, nodeId: 'node-b' });
      const c = leases({ store: log, nodeId: 'node-c' });
      // While the lease lives, nobody takes the run for orphaned.
      expect(await b.interruptIfOrphaned('s-5', 'run-1')).toBe(false);
      await dead.close(); // stops renewing without giving the lease back, as a killed process would
      await until(async () => (await b.holder('s-5', 'run-1')) === undefined, 'the lease to expire');
      const results = await Promise.all([b.sweep(), c.sweep(), b.interruptIfOrphaned('s-5', 'run-1'), c.interruptIfOrphaned('s-5', 'run-1')]);
      expect(results.reduce<number>((sum, value) => sum + Number(value), 0)).toBe(1);
      const records = await log.read('s-5', 0);
      expect(terminals(records, 'run-1').map((record) => record.event.type)).toEqual(['run.interrupted']);
      // The run leaves the live set and its lease stays marked ended, so a late launch cannot take it.
      expect(await harness.listedLive('s-5', 'run-1')).toBe(false);
      expect(await b.acquire('s-5', 'run-1')).toBeUndefined();
      expect(await b.sweep()).toBe(0);
    });

    it('makes a hub opening a session interrupt a run whose node died, and leave a live one alone', async () => {
      const log = store();
      const dead = harness.unmanaged({ store: log, ttlMs: 200, sweepMs: 3_600_000, nodeId: 'node-dead' });
      const alive = leases({ store: log, nodeId: 'node-alive', ttlMs: 1000 });
      await startedRun(log, 's-8', 'run-dead');
      await startedRun(log, 's-8', 'run-alive');
      await dead.acquire('s-8', 'run-dead');
      await alive.acquire('s-8', 'run-alive');
      await dead.close();
      await until(async () => (await alive.holder('s-8', 'run-dead')) === undefined, 'the dead lease to expire');
      // No sweep runs here: the hub's check when it opens the session does it.
      const hub = new SessionHub({ store: log, runLeases: leases({ store: log, nodeId: 'node-b' }), onError: () => undefined });
      cleanups.push(() => hub.close());
      const { state } = await hub.snapshot('s-8');
      await until(async () => (await hub.snapshot('s-8')).state.runs['run-dead']?.status === 'interrupted', 'run-dead interrupted');
      expect(state.runs['run-alive']?.status).toBe('running');
      const records = await log.read('s-8', 0);
      expect(terminals(records, 'run-dead').map((record) => record.event.type)).toEqual(['run.interrupted']);
      expect(terminals(records, 'run-alive')).toEqual([]);
    });

    it('leaves ended runs alone and gives a never-leased run its grace period', async () => {
      const log = store();
      const b = leases({ store: log, nodeId: 'node-b' });
      await startedRun(log, 's-6', 'run-ended');
      await log.append('s-6', [{ type: 'run.completed', runId: 'run-ended', deliverableIds: [] }]);
      expect(await b.interruptIfOrphaned('s-6', 'run-ended')).toBe(false);
      await startedRun(log, 's-6', 'run-young');
      expect(await b.interruptIfOrphaned('s-6', 'run-young')).toBe(false);
      expect(await b.interruptIfOrphaned('s-6', 'no-such-run')).toBe(false);
      const impatient = leases({ store: log, nodeId: 'node-c', graceMs: 0 });
      expect(await impatient.interruptIfOrphaned('s-6', 'run-young')).toBe(true);
      const records = await log.read('s-6', 0);
      expect(terminals(records, 'run-ended').map((record) => record.event.type)).toEqual(['run.completed']);
      expect(terminals(records, 'run-young').map((record) => record.event.type)).toEqual(['run.interrupted']);
    });

    it('refuses bad arguments with an error naming the field', async () => {
      const log = store();
      expect(() => harness.unmanaged({ store: log, ttlMs: 5 })).toThrow(/ttlMs/);
      const a = leases({ store: log });
      await expect(a.acquire('bad session', 'run-1')).rejects.toThrow(/session/);
      await expect(a.interruptIfOrphaned('s', 'bad/run')).rejects.toThrow(/runId/);
    });

    it('makes a hub run a brief only under its lease, give it back at the end, and stop the run on loss', async () => {
      const logA = store();
      const a = leases({ store: logA, nodeId: 'node-a', ttlMs: 1000 });
      const hub = new SessionHub({
        store: logA,
        launcher: createScriptedProducer({ deltas: 600, deltasPerSecond: 1000 }),
        runLeases: a,
        onError: () => undefined,
      });
      cleanups.push(() => hub.close());
      await hub.publish('s-7', grant, 'brief-1', { type: 'brief.submitted', runId: 'run-1', brief: { goal: 'Lease' } });
      await until(() => hub.ownedRuns('s-7').includes('run-1'), 'the run to start');
      expect(await a.holder('s-7', 'run-1')).toBe('node-a');
      await until(async () => (await logA.head('s-7')).offset > 10, 'the run to stream');
      await harness.takeOver('s-7', 'run-1', 'node-elsewhere');
      await until(() => hub.ownedRuns('s-7').length === 0, 'the run to stop');
      const records = await logA.read('s-7', 0);
      expect(terminals(records, 'run-1').map((record) => record.event.type)).toEqual(['run.interrupted']);
      const end = records.findIndex((record) => record.event.type === 'run.interrupted');
      expect(records.slice(end + 1).filter((record) => record.event.type === 'text.delta')).toEqual([]);

      await hub.publish('s-7', grant, 'brief-2', { type: 'brief.submitted', runId: 'run-2', brief: { goal: 'Short' } });
      await until(() => hub.ownedRuns('s-7').includes('run-2'), 'run-2 to start');
      await until(() => hub.ownedRuns('s-7').length === 0, 'run-2 to end');
      expect(terminals(await logA.read('s-7', end), 'run-2').map((record) => record.event.type)).toEqual(['run.completed']);
      // Given back after the terminal event: no holder, not in the live set.
      await until(async () => (await a.holder('s-7', 'run-2')) === undefined, 'the lease to be given back');
      expect(await harness.listedLive('s-7', 'run-2')).toBe(false);
    });
  });
}
