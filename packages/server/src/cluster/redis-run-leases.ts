import { IdSchema, ProtocolError, SessionIdSchema, protocolErrorFromZod } from '@marketing-team/core';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { FencedError, type SessionStore } from '../stores/session-store.js';
import { HeldLease, type LeaseHost } from './_held-lease.js';
import { acquireScript, expiredScript, peekScript, releaseScript, renewScript, settleScript } from './_lease-scripts.js';
import { readRunRecord } from './_run-record.js';
import type { RunLease, RunLeases } from './run-leases.js';

/** Options of {@link RedisRunLeases}. */
export interface RedisRunLeasesOptions {
  /** The store the runs write to; a run found orphaned gets its `run.interrupted` here. */
  store: SessionStore;
  /** A connected ioredis client to use (never closed by this class); else one is opened from `url`. */
  redis?: Redis;
  /** Connection URL when no client is given (default `redis://127.0.0.1:6379`). */
  url?: string;
  /** Prefix of every key (default `mt:`, the same as `RedisStore`'s). */
  keyPrefix?: string;
  /** This node's id, stored in the leases it holds; random when absent. */
  nodeId?: string;
  /** How long a lease lasts unless renewed (renewed every third of it); defaults to 10 000 ms. */
  ttlMs?: number;
  /** How often expired leases are looked for; defaults to half the ttl. */
  sweepMs?: number;
  /**
   * How long after its brief a run may go without ever having had a lease before a node opening
   * its session counts it orphaned (its node died before taking the lease); defaults to 3 × ttl.
   */
  graceMs?: number;
  /** How long the lease of an interrupted run stays marked ended, so a late launch cannot take it; defaults to one hour. */
  tombstoneMs?: number;
  /** Called with errors that must not stop the node (a failed renewal or sweep). */
  onError?: (error: unknown) => void;
}

/** Counters of a {@link RedisRunLeases}, for benchmarks and monitoring. */
export interface RunLeaseMetrics {
  /** Leases this node took. */
  acquired: number;
  /** Leases this node lost (taken or expired) while its run was going. */
  lost: number;
  /** Renewal requests sent (one per tick, for every lease the node holds). */
  renewRoundTrips: number;
  /** Runs this node recorded as `run.interrupted` because their node was gone. */
  interrupted: number;
  /** Sweeps of the live-runs set. */
  sweeps: number;
}

const OptionsSchema = z.object({
  store: z.custom<SessionStore>(
    (value) => typeof value === 'object' && value !== null && typeof (value as SessionStore).append === 'function',
    'expected a SessionStore',
  ),
  redis: z.instanceof(Redis).optional(),
  url: z.string().min(1).optional(),
  keyPrefix: z
    .string()
    .max(100)
    .regex(/^[^{}\s]*$/, 'no braces or spaces: "{runs}" is the key hash tag')
    .default('mt:'),
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
});

type ScriptCall = (...args: (string | number)[]) => Promise<unknown>;
type ScriptName = 'acquire' | 'renew' | 'release' | 'peek' | 'settle' | 'expired';

const ENDED = new Set(['completed', 'cancelled', 'failed', 'interrupted']);
/** Most leases renewed by one request. */
const RENEW_CHUNK = 500;
/** Most expired runs looked at per sweep (the next sweep takes the rest). */
const SWEEP_LIMIT = 100;

/**
 * Run ownership across server nodes on Redis: the node that launches a run holds a lease key
 * (`SET NX PX`), renewed every third of its ttl by one compare-and-extend script for all the
 * node's leases, and given back with compare-and-delete once the run's terminal event is stored.
 *
 * Every lease is also listed in a sorted set of live runs scored by expiry. Each node sweeps
 * that set: a run whose lease expired (its node was killed, or paused past the ttl) is claimed
 * (`SET NX` on the same key, so one node does it), re-read from the log and, if it has not
 * ended, recorded as `run.interrupted`, which fences it: every client sees it, and whatever the
 * old node still tries to write is refused. A node that finds its own lease gone (or possibly
 * expired: renewals failing, a long pause) aborts the run's signal and refuses its appends.
 *
 * Keys: `<prefix>{runs}:lease:<session>/<run>` and `<prefix>{runs}:live`, one hash slot.
 */
export class RedisRunLeases implements RunLeases {
  /** This node's id, the value of the lease keys it holds. */
  readonly nodeId: string;
  /** Live counters; read them, do not write them. */
  readonly metrics: RunLeaseMetrics = { acquired: 0, lost: 0, renewRoundTrips: 0, interrupted: 0, sweeps: 0 };
  readonly #store: SessionStore;
  readonly #redis: Redis;
  readonly #ownsClient: boolean;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #graceMs: number;
  readonly #tombstoneMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #scripts: Record<ScriptName, ScriptCall>;
  readonly #held = new Map<string, HeldLease>();
  readonly #releases = new Set<Promise<void>>();
  readonly #host: LeaseHost;
  readonly #renewTimer: NodeJS.Timeout;
  readonly #sweepTimer: NodeJS.Timeout;
  #renewing = false;
  #sweeping: Promise<void> | undefined;
  #closed = false;

  constructor(options: RedisRunLeasesOptions) {
    const parsed = OptionsSchema.safeParse(options ?? {});
    if (!parsed.success) throw protocolErrorFromZod(parsed.error, 'options');
    const settings = parsed.data;
    this.#store = settings.store;
    this.nodeId = settings.nodeId ?? `node-${randomUUID()}`;
    this.#prefix = settings.keyPrefix;
    this.#ttlMs = settings.ttlMs;
    this.#graceMs = settings.graceMs ?? settings.ttlMs * 3;
    this.#tombstoneMs = settings.tombstoneMs;
    this.#onError = settings.onError ?? ((error) => console.error('[marketing-team] run leases:', error));
    this.#ownsClient = !settings.redis;
    this.#redis = settings.redis ?? new Redis(settings.url ?? 'redis://127.0.0.1:6379', { enableAutoPipelining: true });
    if (this.#ownsClient) this.#redis.on('error', () => {});
    const definitions: Record<ScriptName, [string, number]> = {
      acquire: [acquireScript, 2],
      renew: [renewScript, 0],
      release: [releaseScript, 2],
      peek: [peekScript, 2],
      settle: [settleScript, 2],
      expired: [expiredScript, 1],
    };
    const scripts: Partial<Record<ScriptName, ScriptCall>> = {};
    for (const [name, [lua, numberOfKeys]] of Object.entries(definitions) as [ScriptName, [string, number]][]) {
      const command = `marketingTeamLease_${name}`;
      // The renewal takes a variable number of keys, passed as the first argument.
      this.#redis.defineCommand(command, numberOfKeys > 0 ? { lua, numberOfKeys } : { lua });
      scripts[name] = (this.#redis as unknown as Record<string, ScriptCall>)[command]!.bind(this.#redis);
    }
    this.#scripts = scripts as Record<ScriptName, ScriptCall>;
    this.#host = { marginMs: Math.min(1000, Math.floor(this.#ttlMs / 5)), release: (lease) => this.#release(lease) };
    this.#renewTimer = setInterval(() => void this.#renew(), Math.max(10, Math.floor(this.#ttlMs / 3)));
    this.#renewTimer.unref();
    this.#sweepTimer = setInterval(() => void this.sweep().catch(this.#onError), settings.sweepMs ?? Math.floor(this.#ttlMs / 2));
    this.#sweepTimer.unref();
  }

  /** How long a lease lasts unless renewed. */
  get ttlMs(): number {
    return this.#ttlMs;
  }

  /** Runs whose lease this node holds, as `session/run`. */
  held(): string[] {
    return [...this.#held.keys()];
  }

  async acquire(session: string, runId: string): Promise<RunLease | undefined> {
    this.#assertOpen();
    const member = memberOf(session, runId);
    const key = this.#leaseKey(member);
    let taken: unknown;
    let sent = performance.now();
    for (let attempt = 1; ; attempt++) {
      try {
        sent = performance.now();
        taken = await this.#scripts.acquire(key, this.#liveKey(), this.nodeId, this.#ttlMs, member);
        break;
      } catch (error) {
        if (attempt < 3 && !this.#closed) {
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
          continue;
        }
        // No node will run it: say so in the log rather than leave it planned forever.
        await this.#store
          .append(session, [{ type: 'run.interrupted', runId, reason: 'no node could take the run' }])
          .catch(() => undefined);
        throw error;
      }
    }
    if (Number(taken) !== 1) return undefined;
    this.metrics.acquired++;
    const lease = new HeldLease(session, runId, member, key, sent + this.#ttlMs, this.#host);
    this.#held.set(member, lease);
    return lease;
  }

  /**
   * The holder of a run's lease: a node id, `ended` for a run recorded as interrupted, or
   * `undefined` when nobody holds it.
   */
  async holder(session: string, runId: string): Promise<string | undefined> {
    this.#assertOpen();
    const member = memberOf(session, runId);
    const [holder] = (await this.#scripts.peek(this.#leaseKey(member), this.#liveKey(), member)) as [string, number];
    return holder === '' ? undefined : holder;
  }

  async interruptIfOrphaned(session: string, runId: string): Promise<boolean> {
    this.#assertOpen();
    const member = memberOf(session, runId);
    const key = this.#leaseKey(member);
    const [holder, listed] = (await this.#scripts.peek(key, this.#liveKey(), member)) as [string, number];
    if (holder !== '') return false;
    const seen = await readRunRecord(this.#store, session, runId);
    if (!seen.run || ENDED.has(seen.run.status)) {
      if (Number(listed) === 1) await this.#redis.zrem(this.#liveKey(), member);
      return false;
    }
    // Never leased: its node may be taking the lease right now, unless the brief is old.
    if (Number(listed) !== 1 && seen.submittedAt !== undefined && Date.now() - seen.submittedAt < this.#graceMs) return false;
    // The claim is the lease itself, so one node at a time decides, and a late launch finds it taken.
    const claimer = `reaper:${this.nodeId}:${randomUUID()}`;
    const claimed = await this.#redis.set(key, claimer, 'PX', this.#ttlMs, 'NX');
    if (claimed !== 'OK') return false;
    try {
      // Re-read after the claim: the run may have ended just before its lease went.
      const now = await readRunRecord(this.#store, session, runId);
      if (!now.run || ENDED.has(now.run.status)) return false;
      try {
        await this.#store.append(session, [{ type: 'run.interrupted', runId, reason: 'the node running it stopped' }]);
      } catch (error) {
        if (error instanceof FencedError) return false;
        throw error;
      }
      this.metrics.interrupted++;
      return true;
    } finally {
      await this.#scripts.settle(key, this.#liveKey(), claimer, member, this.#tombstoneMs);
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
      const members = (await this.#scripts.expired(this.#liveKey(), SWEEP_LIMIT)) as string[];
      for (const member of members) {
        if (this.#closed) return;
        const slash = member.indexOf('/');
        if (slash <= 0) {
          await this.#redis.zrem(this.#liveKey(), member);
          continue;
        }
        try {
          if (await this.interruptIfOrphaned(member.slice(0, slash), member.slice(slash + 1))) count++;
        } catch (error) {
          this.#onError(error);
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
   * Stops renewing and sweeping, waits for releases under way and closes the Redis connection
   * if this class opened it. Leases still held are left to expire: close the server first, so
   * its runs end (and give their leases back) before this is called.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#renewTimer);
    clearInterval(this.#sweepTimer);
    await Promise.allSettled([...this.#releases]);
    await this.#sweeping?.catch(() => undefined);
    this.#held.clear();
    if (this.#ownsClient) await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  async #renew(): Promise<void> {
    if (this.#closed || this.#held.size === 0) return;
    const leases: HeldLease[] = [];
    for (const lease of this.#held.values()) {
      // `held` marks a lease whose deadline passed (renewals failing or hanging, a pause) as
      // lost; checked on every tick, even while a renewal is still waiting for Redis.
      if (lease.releasing) continue;
      if (lease.held) leases.push(lease);
      else this.#drop(lease);
    }
    if (this.#renewing || leases.length === 0) return;
    this.#renewing = true;
    try {
      for (let start = 0; start < leases.length; start += RENEW_CHUNK) {
        const chunk = leases.slice(start, start + RENEW_CHUNK);
        const sent = performance.now();
        this.metrics.renewRoundTrips++;
        let results: number[];
        try {
          results = (await this.#scripts.renew(
            chunk.length + 1,
            this.#liveKey(),
            ...chunk.map((lease) => lease.key),
            this.nodeId,
            this.#ttlMs,
            ...chunk.map((lease) => lease.member),
          )) as number[];
        } catch (error) {
          // Not fatal yet: the leases stay held until their deadline, and the next tick retries.
          this.#onError(error);
          continue;
        }
        chunk.forEach((lease, index) => {
          if (Number(results[index]) === 1) lease.deadline = sent + this.#ttlMs;
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
        if (this.#closed && !this.#ownsClient && this.#redis.status !== 'ready') return;
        await this.#scripts.release(lease.key, this.#liveKey(), this.nodeId, lease.member);
      } finally {
        if (this.#held.get(lease.member) === lease) this.#held.delete(lease.member);
      }
    })();
    this.#releases.add(released);
    const forget = () => this.#releases.delete(released);
    released.then(forget, forget);
    return released;
  }

  #leaseKey(member: string): string {
    return `${this.#prefix}{runs}:lease:${member}`;
  }

  #liveKey(): string {
    return `${this.#prefix}{runs}:live`;
  }

  #assertOpen(): void {
    if (this.#closed) throw new ProtocolError('internal', 'the run leases are closed');
  }
}

/** `session/run`: ids never contain "/", so the pair is unambiguous. */
function memberOf(session: string, runId: string): string {
  const sessionOk = SessionIdSchema.safeParse(session);
  if (!sessionOk.success) throw protocolErrorFromZod(sessionOk.error, 'session');
  const runOk = IdSchema.safeParse(runId);
  if (!runOk.success) throw protocolErrorFromZod(runOk.error, 'runId');
  return `${session}/${runId}`;
}
