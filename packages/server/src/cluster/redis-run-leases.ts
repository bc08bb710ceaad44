import { Redis } from 'ioredis';
import { z } from 'zod';
import type { HeldLease } from './_held-lease.js';
import { acquireScript, expiredScript, peekScript, releaseScript, renewScript, settleScript } from './_lease-scripts.js';
import { RunLeaseManager, parseLeaseOptions, runLeaseTimingShape } from './_run-lease-manager.js';
import type { RunLeaseTimingOptions } from './run-leases.js';
import { redisConnectionShape } from '../_redis-connection-shape.js';

/** Options of {@link RedisRunLeases}. */
export interface RedisRunLeasesOptions extends RunLeaseTimingOptions {
  /** A connected ioredis client to use (never closed by this class); else one is opened from `url`. */
  redis?: Redis;
  /** Connection URL when no client is given (default `redis://127.0.0.1:6379`). */
  url?: string;
  /** Prefix of every key (default `mt:`, the same as `RedisStore`'s). */
  keyPrefix?: string;
}

const OptionsSchema = z.object({
  ...runLeaseTimingShape,
  ...redisConnectionShape('{runs}'),
});

type ScriptCall = (...args: (string | number)[]) => Promise<unknown>;
type ScriptName = 'acquire' | 'renew' | 'release' | 'peek' | 'settle' | 'expired';

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
export class RedisRunLeases extends RunLeaseManager {
  readonly #redis: Redis;
  readonly #ownsClient: boolean;
  readonly #prefix: string;
  readonly #scripts: Record<ScriptName, ScriptCall>;

  constructor(options: RedisRunLeasesOptions) {
    const settings = parseLeaseOptions(OptionsSchema, options);
    super(settings);
    this.#prefix = settings.keyPrefix;
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
  }

  protected override async takeLease(member: string, holder: string, listed: boolean): Promise<boolean> {
    const key = this.leaseKey(member);
    if (listed) return Number(await this.#scripts.acquire(key, this.#liveKey(), holder, this.ttlMs, member)) === 1;
    return (await this.#redis.set(key, holder, 'PX', this.ttlMs, 'NX')) === 'OK';
  }

  protected override async peekLease(member: string): Promise<{ holder: string; listed: boolean }> {
    const [holder, listed] = (await this.#scripts.peek(this.leaseKey(member), this.#liveKey(), member)) as [string, number];
    return { holder, listed: Number(listed) === 1 };
  }

  protected override async settleClaim(member: string, claimer: string): Promise<void> {
    await this.#scripts.settle(this.leaseKey(member), this.#liveKey(), claimer, member, this.tombstoneMs);
  }

  protected override async unlist(member: string): Promise<void> {
    await this.#redis.zrem(this.#liveKey(), member);
  }

  protected override async expiredMembers(limit: number): Promise<string[]> {
    return (await this.#scripts.expired(this.#liveKey(), limit)) as string[];
  }

  protected override async renewLeases(leases: readonly HeldLease[]): Promise<boolean[]> {
    const results = (await this.#scripts.renew(
      leases.length + 1,
      this.#liveKey(),
      ...leases.map((lease) => lease.key),
      this.nodeId,
      this.ttlMs,
      ...leases.map((lease) => lease.member),
    )) as number[];
    return leases.map((_, index) => Number(results[index]) === 1);
  }

  protected override async releaseLease(lease: HeldLease): Promise<void> {
    await this.#scripts.release(lease.key, this.#liveKey(), this.nodeId, lease.member);
  }

  protected override releaseSkippedAfterClose(): boolean {
    return !this.#ownsClient && this.#redis.status !== 'ready';
  }

  protected override async closeStorage(): Promise<void> {
    if (this.#ownsClient) await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  protected override leaseKey(member: string): string {
    return `${this.#prefix}{runs}:lease:${member}`;
  }

  #liveKey(): string {
    return `${this.#prefix}{runs}:live`;
  }
}
