import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { protocolErrorFromZod } from '@marketing-team/core';
import type { ClusterViewers } from './cluster-viewers.js';
import { readViewersScript, reportViewersScript } from './_viewer-scripts.js';
import { redisConnectionShape } from '../_redis-connection-shape.js';

/** Options of {@link RedisClusterViewers}. */
export interface RedisClusterViewersOptions {
  /** A connected ioredis client to use (never closed by this class); else one is opened from `url`. */
  redis?: Redis;
  /** Connection URL when no client is given (default `redis://127.0.0.1:6379`). */
  url?: string;
  /** Prefix of every key and channel (default `mt:`, the same as `RedisStore`'s). */
  keyPrefix?: string;
  /** This node's id; random when absent. Give the same one as the node's `RedisRunLeases`. */
  nodeId?: string;
  /**
   * How long a node's count lasts unless renewed (renewed every third of it), so the viewers of
   * a node that died stop counting within about this long; defaults to 10 000 ms.
   */
  ttlMs?: number;
  /** Called with errors that must not stop the node (a failed report or read). */
  onError?: (error: unknown) => void;
}

const OptionsSchema = z.object({
  ...redisConnectionShape('{viewers:<session>}'),
  nodeId: z.string().min(1).max(200).optional(),
  ttlMs: z.number().int().min(100).max(600_000).default(10_000),
  onError: z.function().optional(),
});

type ScriptCall = (...args: (string | number)[]) => Promise<unknown>;

interface Watched {
  listeners: Set<(others: number) => void>;
  others: number | undefined;
  reading: boolean;
  readAgain: boolean;
}

/**
 * Cluster-wide presence on Redis. Each node keeps, per session it has subscribers of, its count
 * in a hash beside a sorted set of expiries, renewed every third of `ttlMs`, and announces each
 * change on the session's viewers channel. A node that runs a run of the session follows that
 * channel and re-reads the counts on every announcement and every half ttl, dropping the counts
 * whose node stopped renewing them.
 *
 * Keys: `<prefix>{viewers:<session>}:expiries` and `…:counts`; channel `<prefix>viewers:<session>`.
 */
export class RedisClusterViewers implements ClusterViewers {
  readonly nodeId: string;
  readonly #redis: Redis;
  readonly #ownsClient: boolean;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #report: ScriptCall;
  readonly #read: ScriptCall;
  /** Sessions this node has subscribers of, with how many. */
  readonly #reported = new Map<string, number>();
  readonly #watched = new Map<string, Watched>();
  #subscriber: Redis | undefined;
  readonly #renewTimer: NodeJS.Timeout;
  readonly #readTimer: NodeJS.Timeout;
  #closed = false;

  constructor(options: RedisClusterViewersOptions = {}) {
    const parsed = OptionsSchema.safeParse(options);
    if (!parsed.success) throw protocolErrorFromZod(parsed.error, 'options');
    const settings = parsed.data;
    this.nodeId = settings.nodeId ?? `node-${randomUUID()}`;
    this.#prefix = settings.keyPrefix;
    this.#ttlMs = settings.ttlMs;
    this.#onError = (settings.onError as ((error: unknown) => void) | undefined) ?? ((error) => console.error('[marketing-team] cluster viewers:', error));
    this.#ownsClient = !settings.redis;
    this.#redis = settings.redis ?? new Redis(settings.url ?? 'redis://127.0.0.1:6379', { enableAutoPipelining: true });
    if (this.#ownsClient) this.#redis.on('error', () => {});
    this.#redis.defineCommand('marketingTeamViewers_report', { lua: reportViewersScript, numberOfKeys: 2 });
    this.#redis.defineCommand('marketingTeamViewers_read', { lua: readViewersScript, numberOfKeys: 2 });
    const commands = this.#redis as unknown as Record<string, ScriptCall>;
    this.#report = commands.marketingTeamViewers_report!.bind(this.#redis);
    this.#read = commands.marketingTeamViewers_read!.bind(this.#redis);
    this.#renewTimer = setInterval(() => this.#renew(), Math.max(50, Math.floor(this.#ttlMs / 3)));
    this.#readTimer = setInterval(() => {
      for (const session of this.#watched.keys()) this.#refresh(session);
    }, Math.max(50, Math.floor(this.#ttlMs / 2)));
    this.#renewTimer.unref();
    this.#readTimer.unref();
  }

  report(session: string, count: number): void {
    if (this.#closed) return;
    const current = this.#reported.get(session) ?? 0;
    if (count === current) return;
    if (count > 0) this.#reported.set(session, count);
    else this.#reported.delete(session);
    this.#write(session, count, true);
  }

  watch(session: string, listener: (others: number) => void): () => void {
    let watched = this.#watched.get(session);
    if (!watched) {
      watched = { listeners: new Set(), others: undefined, reading: false, readAgain: false };
      this.#watched.set(session, watched);
      this.#subscriberConnection()
        .subscribe(this.#channel(session))
        .catch(this.#onError);
    }
    watched.listeners.add(listener);
    if (watched.others !== undefined) listener(watched.others);
    // Read after subscribing, so a change announced meanwhile is not missed.
    this.#refresh(session);
    return () => {
      const entry = this.#watched.get(session);
      if (!entry?.listeners.delete(listener) || entry.listeners.size > 0) return;
      this.#watched.delete(session);
      this.#subscriber?.unsubscribe(this.#channel(session)).catch(this.#onError);
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#renewTimer);
    clearInterval(this.#readTimer);
    const withdrawn = [...this.#reported.keys()].map((session) => this.#report(...this.#keys(session), this.nodeId, 0, this.#ttlMs, this.#channel(session)));
    this.#reported.clear();
    this.#watched.clear();
    await Promise.allSettled(withdrawn);
    if (this.#subscriber) await this.#subscriber.quit().catch(() => this.#subscriber?.disconnect());
    if (this.#ownsClient) await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  #keys(session: string): [string, string] {
    const tag = `${this.#prefix}{viewers:${session}}`;
    return [`${tag}:expiries`, `${tag}:counts`];
  }

  #channel(session: string): string {
    return `${this.#prefix}viewers:${session}`;
  }

  #write(session: string, count: number, announce: boolean): void {
    this.#report(...this.#keys(session), this.nodeId, count, this.#ttlMs, announce ? this.#channel(session) : '').catch((error: unknown) => {
      if (!this.#closed) this.#onError(error);
    });
  }

  #renew(): void {
    for (const [session, count] of this.#reported) this.#write(session, count, false);
  }

  /** Re-reads a watched session's counts; reads of one session never overlap, a request meanwhile reads once more. */
  #refresh(session: string): void {
    const watched = this.#watched.get(session);
    if (!watched || this.#closed) return;
    if (watched.reading) {
      watched.readAgain = true;
      return;
    }
    watched.reading = true;
    this.#read(...this.#keys(session))
      .then((reply) => {
        const fields = reply as string[];
        let others = 0;
        for (let index = 0; index + 1 < fields.length; index += 2) if (fields[index] !== this.nodeId) others += Number(fields[index + 1]) || 0;
        if (this.#watched.get(session) !== watched || others === watched.others) return;
        watched.others = others;
        for (const listener of watched.listeners) listener(others);
      })
      .catch((error: unknown) => {
        if (!this.#closed) this.#onError(error);
      })
      .finally(() => {
        watched.reading = false;
        if (watched.readAgain) {
          watched.readAgain = false;
          this.#refresh(session);
        }
      });
  }

  #subscriberConnection(): Redis {
    if (this.#subscriber) return this.#subscriber;
    const subscriber = this.#redis.duplicate({ enableAutoPipelining: false });
    subscriber.on('message', (channel: string) => {
      const session = channel.startsWith(`${this.#prefix}viewers:`) ? channel.slice(`${this.#prefix}viewers:`.length) : undefined;
      if (session !== undefined) this.#refresh(session);
    });
    // Announcements lost while disconnected are made up by the periodic reads.
    subscriber.on('ready', () => {
      for (const session of this.#watched.keys()) this.#refresh(session);
    });
    subscriber.on('error', () => {});
    this.#subscriber = subscriber;
    return subscriber;
  }
}
