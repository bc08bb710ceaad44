import { IdSchema, ProtocolError, SessionIdSchema, isRunEnded, protocolErrorFromZod } from '@marketing-team/core';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { FencedError, type SessionStore } from '../stores/session-store.js';
import { HeldLease, type LeaseHost } from './_held-lease.js';
import { readRunRecord } from './_run-record.js';
import type { RunLease, RunLeaseMetrics, RunLeases, RunLeaseTimingOptions } from './run-leases.js';

/** The zod shape of `RunLeaseTimingOptions`; each backend extends it with its own. */
export const runLeaseTimingShape = {
  store: z.custom<SessionStore>(
    (value) => typeof value === 'object' && value !== null && typeof (value as SessionStore).append === 'function',
    'expected a SessionStore',
  ),
  nodeId: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[^\s]+$/, 'no spaces')
    .optional(),
  ttlMs: z.number().int().min(100).max(3_600_000).default(10_000),
  sweepMs: z.number().int().min(20).max(3_600_000).optional(),
  graceMs: z.number().int().min(0).optional(),
  tombstoneMs: z.number().int().min(1000).default(3_600_000),
  onError: z.custom<(error: unknown) => void>((value) => typeof value === 'function', 'expected a function').optional(),
};

type ParsedTiming = z.output<z.ZodObject<typeof runLeaseTimingShape>>;

/** Most leases renewed by one request. */
const RENEW_BATCH = 500;
/** Most expired runs looked at per sweep (the next sweep takes the rest). */
const SWEEP_LIMIT = 100;

/**
 * What the leases share whatever keeps them: taking a lease (with retries, and the run recorded
 * as interrupted when no node can take it), renewing every held lease every third of the ttl and
 * dropping those found taken or past their deadline, the guard and release of a held lease,
 * recording orphaned runs as `run.interrupted` (claimed through the lease itself, so one node
 * does it) and the sweep that looks for them. A backend implements only the storage steps below,
 * each atomic on its storage, on the storage's own clock.
 */
export abstract class RunLeaseManager implements RunLeases {
  /** This node's id, the holder of the leases it takes. */
  readonly nodeId: string;
  /** Live counters; read them, do not write them. */
  readonly metrics: RunLeaseMetrics = { acquired: 0, lost: 0, renewRoundTrips: 0, interrupted: 0, sweeps: 0 };
  protected readonly store: SessionStore;
  protected readonly tombstoneMs: number;
  protected readonly onError: (error: unknown) => void;
  readonly #ttlMs: number;
  readonly #graceMs: number;
  readonly #held = new Map<string, HeldLease>();
  readonly #releases = new Set<Promise<void>>();
  readonly #host: LeaseHost;
  readonly #renewTimer: NodeJS.Timeout;
  readonly #sweepTimer: NodeJS.Timeout;
  #renewing = false;
  #sweeping: Promise<void> | undefined;
  #closed = false;

  /** Starts the renewal and sweep timers (first tick after a third of the ttl). */
  protected constructor(settings: ParsedTiming) {
    this.store = settings.store;
    this.nodeId = settings.nodeId ?? `node-${randomUUID()}`;
    this.#ttlMs = settings.ttlMs;
    this.#graceMs = settings.graceMs ?? settings.ttlMs * 3;
    this.tombstoneMs = settings.tombstoneMs;
    this.onError = settings.onError ?? ((error) => console.error('[marketing-team] run leases:', error));
    this.#host = { marginMs: Math.min(1000, Math.floor(this.#ttlMs / 5)), release: (lease) => this.#release(lease) };
    this.#renewTimer = setInterval(() => void this.#renew(), Math.max(10, Math.floor(this.#ttlMs / 3)));
    this.#renewTimer.unref();
    this.#sweepTimer = setInterval(() => void this.sweep().catch(this.onError), settings.sweepMs ?? Math.floor(this.#ttlMs / 2));
    this.#sweepTimer.unref();
  }

  /**
   * Takes the lease of `member` (`session/run`) for `holder` unless a live lease holds it; an
   * expired one is overwritten. `listed` also puts it among the live leases the sweep watches
   * (a node's own lease); a claim to interrupt an orphan is not listed.
   */
  protected abstract takeLease(member: string, holder: string, listed: boolean): Promise<boolean>;
  /** The live holder of the lease (`''` when none) and whether the run is among the live leases. */
  protected abstract peekLease(member: string): Promise<{ holder: string; listed: boolean }>;
  /** Settles an orphan: a claim still `claimer`'s becomes the `ended` tombstone, and the run leaves the live set. */
  protected abstract settleClaim(member: string, claimer: string): Promise<void>;
  /** Takes the run out of the live leases. */
  protected abstract unlist(member: string): Promise<void>;
  /** Up to `limit` listed runs whose lease expired, oldest first. */
  protected abstract expiredMembers(limit: number): Promise<string[]>;
  /** Compare and extend, in one request: for each lease, whether it was still this node's and is renewed. */
  protected abstract renewLeases(leases: readonly HeldLease[]): Promise<boolean[]>;
  /** Compare and delete: a lease that is no longer this node's is left alone. */
  protected abstract releaseLease(lease: HeldLease): Promise<void>;
  /** Whether a release after `close` should be skipped (its connection is gone). */
  protected abstract releaseSkippedAfterClose(): boolean;
  /** Closes what the backend opened; called once by `close`. */
  protected abstract closeStorage(): Promise<void>;
  /** The storage key of a lease (what `HeldLease.key` carries). */
  protected leaseKey(member: string): string {
    return member;
  }

  /** How long a lease lasts unless renewed. */
  get ttlMs(): number {
    return this.#ttlMs;
  }

  /** True once `close` was called. */
  protected get closed(): boolean {
    return this.#closed;
  }

  /** Runs whose lease this node holds, as `session/run`. */
  held(): string[] {
    return [...this.#held.keys()];
  }

  async acquire(session: string, runId: string): Promise<RunLease | undefined> {
    this.#assertOpen();
    const member = memberOf(session, runId);
    let taken: boolean;
    let sent = performance.now();
    for (let attempt = 1; ; attempt++) {
      try {
        sent = performance.now();
        taken = await this.takeLease(member, this.nodeId, true);
        break;
      } catch (error) {
        if (attempt < 3 && !this.#closed) {
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
          continue;
        }
        // No node will run it: say so in the log rather than leave it planned forever.
        await this.store.append(session, [{ type: 'run.interrupted', runId, reason: 'no node could take the run' }]).catch(() => undefined);
        throw error;
      }
    }
    if (!taken) return undefined;
    this.metrics.acquired++;
    const lease = new HeldLease(session, runId, member, this.leaseKey(member), sent + this.#ttlMs, this.#host);
    this.#held.set(member, lease);
    return lease;
  }

  /**
   * The holder of a run's lease: a node id, `ended` for a run recorded as interrupted, or
   * `undefined` when nobody holds it.
   */
  async holder(session: string, runId: string): Promise<string | undefined> {
    this.#assertOpen();
    const { holder } = await this.peekLease(memberOf(session, runId));
    return holder === '' ? undefined : holder;
  }

  async interruptIfOrphaned(session: string, runId: string): Promise<boolean> {
    this.#assertOpen();
    const member = memberOf(session, runId);
    const { holder, listed } = await this.peekLease(member);
    if (holder !== '') return false;
    const seen = await readRunRecord(this.store, session, runId);
    if (!seen.run || isRunEnded(seen.run)) {
      if (listed) await this.unlist(member);
      return false;
    }
    // Never leased: its node may be taking the lease right now, unless the brief is old.
    if (!listed && seen.submittedAt !== undefined && Date.now() - seen.submittedAt < this.#graceMs) return false;
    // The claim is the lease itself, so one node at a time decides, and a late launch finds it taken.
    const claimer = `reaper:${this.nodeId}:${randomUUID()}`;
    if (!(await this.takeLease(member, claimer, false))) return false;
    try {
      // Re-read after the claim: the run may have ended just before its lease went.
      const now = await readRunRecord(this.store, session, runId);
      if (!now.run || isRunEnded(now.run)) return false;
      try {
        await this.store.append(session, [{ type: 'run.interrupted', runId, reason: 'the node running it stopped' }]);
      } catch (error) {
        if (error instanceof FencedError) return false;
        throw error;
      }
      this.metrics.interrupted++;
      return true;
    } finally {
      await this.settleClaim(member, claimer);
    }
  }

  /**
   * Looks for runs whose lease expired and records each one that has not ended as interrupted.
   * Runs on a timer on every node; callable directly. Resolves with how many this call recorded.
   */
  async sweep(): Promise<number> {
    if (this.#closed) return 0;
    if (this.#sweeping) {
      await this.#sweeping;
      return 0;
    }
    let count = 0;
    const sweeping = (async () => {
      this.metrics.sweeps++;
      for (const member of await this.expiredMembers(SWEEP_LIMIT)) {
        if (this.#closed) return;
        const slash = member.indexOf('/');
        if (slash <= 0) {
          await this.unlist(member);
          continue;
        }
        try {
          if (await this.interruptIfOrphaned(member.slice(0, slash), member.slice(slash + 1))) count++;
        } catch (error) {
          this.onError(error);
        }
      }
    })();
    this.#sweeping = sweeping;
    try {
      await sweeping;
    } finally {
      this.#sweeping = undefined;
    }
    return count;
  }

  /**
   * Stops renewing and sweeping, waits for releases under way and closes the connection if this
   * class opened it. Leases still held are left to expire: close the server first, so its runs
   * end (and give their leases back) before this is called.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#renewTimer);
    clearInterval(this.#sweepTimer);
    await Promise.allSettled([...this.#releases]);
    await this.#sweeping?.catch(() => undefined);
    this.#held.clear();
    await this.closeStorage();
  }

  async #renew(): Promise<void> {
    if (this.#closed || this.#held.size === 0) return;
    const leases: HeldLease[] = [];
    for (const lease of this.#held.values()) {
      // `held` marks a lease whose deadline passed (renewals failing or hanging, a pause) as
      // lost; checked on every tick, even while a renewal is still waiting for the storage.
      if (lease.releasing) continue;
      if (lease.held) leases.push(lease);
      else this.#drop(lease);
    }
    if (this.#renewing || leases.length === 0) return;
    this.#renewing = true;
    try {
      for (let start = 0; start < leases.length; start += RENEW_BATCH) {
        const batch = leases.slice(start, start + RENEW_BATCH);
        const sent = performance.now();
        this.metrics.renewRoundTrips++;
        let renewed: boolean[];
        try {
          renewed = await this.renewLeases(batch);
        } catch (error) {
          // Not fatal yet: the leases stay held until their deadline, and the next tick retries.
          this.onError(error);
          continue;
        }
        batch.forEach((lease, index) => {
          if (renewed[index]) lease.deadline = sent + this.#ttlMs;
          else if (!lease.releasing) {
            lease.markLost('taken');
            this.#drop(lease);
          }
        });
      }
    } finally {
      this.#renewing = false;
    }
  }

  #drop(lease: HeldLease): void {
    if (this.#held.get(lease.member) !== lease) return;
    this.#held.delete(lease.member);
    this.metrics.lost++;
  }

  #release(lease: HeldLease): Promise<void> {
    const released = (async () => {
      try {
        if (this.#closed && this.releaseSkippedAfterClose()) return;
        await this.releaseLease(lease);
      } finally {
        if (this.#held.get(lease.member) === lease) this.#held.delete(lease.member);
      }
    })();
    this.#releases.add(released);
    const forget = () => this.#releases.delete(released);
    released.then(forget, forget);
    return released;
  }

  #assertOpen(): void {
    if (this.#closed) throw new ProtocolError('internal', 'the run leases are closed');
  }
}

/** Parses a backend's options (the shared ones included), naming the field that is wrong. */
export function parseLeaseOptions<Schema extends z.ZodType>(schema: Schema, options: unknown): z.output<Schema> {
  const parsed = schema.safeParse(options ?? {});
  if (!parsed.success) throw protocolErrorFromZod(parsed.error, 'options');
  return parsed.data;
}

/** `session/run`: ids never contain "/", so the pair is unambiguous. */
function memberOf(session: string, runId: string): string {
  const sessionOk = SessionIdSchema.safeParse(session);
  if (!sessionOk.success) throw protocolErrorFromZod(sessionOk.error, 'session');
  const runOk = IdSchema.safeParse(runId);
  if (!runOk.success) throw protocolErrorFromZod(runOk.error, 'runId');
  return `${session}/${runId}`;
}
