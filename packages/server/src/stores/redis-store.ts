import type { SessionEvent, SessionRecord } from '@marketing-team/core';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { assertSessionId, fenceTarget, type FenceKind } from './_fence.js';
import { storedStateJson } from './_state-json.js';
import { appendScript, deleteScript, headScript, retentionScript, saveSnapshotScript } from './_redis-scripts.js';
import { Tail } from './_tail.js';
import { readRecord } from './_record-json.js';
import {
  StoreLimitsSchema,
  parseOptions,
  prepareAppend,
  snapshotBeyondHead,
  validateRead,
  validateRetention,
  validateSnapshot,
  validateSubscribe,
  validateClientMessageLookup,
  type ResolvedLimits,
} from './_validate.js';
import {
  FencedError,
  StoreClosedError,
  type AppendOptions,
  type AppendResult,
  type RecordListener,
  type RetentionPolicy,
  type SessionHead,
  type SessionStore,
  type StoredClientMessage,
  type StoredSnapshot,
  type StoreLimits,
  type SubscribeOptions,
  type Subscription,
} from './session-store.js';
import { redisConnectionShape } from '../_redis-connection-shape.js';

/** Options of `RedisStore`. */
export interface RedisStoreOptions extends StoreLimits {
  /**
   * A connected ioredis client to use (the store never closes it). The store opens one more
   * connection, a duplicate of it, for pub/sub.
   */
  redis?: Redis;
  /** Connection URL when no client is given (default `redis://127.0.0.1:6379`). */
  url?: string;
  /** Prefix of every key and channel (default `mt:`), so several apps can share one Redis. */
  keyPrefix?: string;
}

const RedisStoreOptionsSchema = z.object({
  ...StoreLimitsSchema.shape,
  ...redisConnectionShape('{session}'),
});

/** Counters of a `RedisStore`, for benchmarks and monitoring. */
export interface RedisStoreMetrics {
  /** Appends stored by this store (duplicates and refused appends excluded). */
  appends: number;
  /**
   * Requests sent to Redis by `append`. Each append costs exactly one (an EVALSHA that checks
   * the fence and the client message id, XADDs every event and PUBLISHes them), whatever the
   * number of events; a duplicate costs one more (XRANGE of the original records).
   */
  appendRoundTrips: number;
  /** XRANGE requests: `read` calls, subscription replays and pub/sub gap repairs. */
  readRoundTrips: number;
  /** Live batches that arrived with a gap (a pub/sub message lost), repaired from the stream. */
  gapRepairs: number;
}

type ScriptCall = (...args: (string | number)[]) => Promise<unknown>;

interface SessionKeys {
  keys: [meta: string, log: string, fence: string, ids: string, snapshot: string];
  channel: string;
}

interface Channel {
  session: string;
  name: string;
  tails: Set<Tail>;
  /** The epoch live records must carry; known once the subscription is confirmed. */
  epoch: string | undefined;
}

const fenceCodes: Record<FenceKind, string> = { content: 'c', 'run-end': 'r', 'task-cancel': 't', other: 'o' };

/**
 * A `SessionStore` on Redis (ioredis), for several server nodes sharing sessions.
 *
 * - The log of a session is a Redis Stream whose entry ids are the offsets (`<offset>-0`).
 *   One Lua script checks the fence and the client message id, assigns the next offsets,
 *   XADDs the events and PUBLISHes them, atomically, in one round trip.
 * - Live tail between processes travels over pub/sub. Pub/sub is at-most-once, so a live batch
 *   that skips an offset is completed from the stream (XRANGE) before delivery, and every
 *   subscription re-reads the stream after the pub/sub connection reconnects.
 * - An epoch key is created with the log and recreated if the stream is lost (eviction, a flush),
 *   so clients holding old offsets re-snapshot instead of trusting them.
 * - Retention trims with XTRIM MINID, never past the newest snapshot.
 * - Durability is Redis's own: with AOF `appendfsync always` an acknowledged append survives a
 *   Redis crash; with `everysec` the last second may be lost. A lost tail gets a new epoch as soon
 *   as a node that saw it touches the log (its next append, head read or snapshot): offsets given
 *   out twice never carry the same epoch, so clients start over rather than diverge. See docs/scaling.md.
 *
 * Keys are `<keyPrefix>{<session>}:<part>`: the hash tag keeps a session's keys in one slot.
 */
/** Sessions whose last seen head a node remembers (about 100 bytes each). */
const SEEN_SESSIONS = 100_000;

export class RedisStore implements SessionStore {
  private readonly redis: Redis;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  private readonly limits: ResolvedLimits;
  private readonly scripts: Record<'append' | 'head' | 'saveSnapshot' | 'retention' | 'delete', ScriptCall>;
  private subscriber: Redis | undefined;
  private readonly channels = new Map<string, Channel>();
  /** Epoch candidates are unique per call, so pipelined create-delete-create cannot reuse one. */
  private readonly epochBase = randomUUID();
  private epochCounter = 0;
  /** Per session, the epoch and highest offset this node saw: evidence against a log that lost its tail. */
  private readonly seen = new Map<string, { epoch: string; head: number }>();
  private closed = false;
  /** Live counters; read them, do not write them. */
  readonly metrics: RedisStoreMetrics = { appends: 0, appendRoundTrips: 0, readRoundTrips: 0, gapRepairs: 0 };

  constructor(options: RedisStoreOptions = {}) {
    const parsed = parseOptions(RedisStoreOptionsSchema, options, 'options');
    this.limits = { maxEventBytes: parsed.maxEventBytes, maxEventsPerAppend: parsed.maxEventsPerAppend };
    this.prefix = parsed.keyPrefix;
    this.ownsClient = !parsed.redis;
    // Auto-pipelining sends the appends of one event-loop turn in one write.
    this.redis = parsed.redis ?? new Redis(parsed.url ?? 'redis://127.0.0.1:6379', { enableAutoPipelining: true });
    // ioredis reconnects by itself; a failure reaches callers as a rejected command.
    if (this.ownsClient) this.redis.on('error', () => {});
    const definitions = {
      append: [appendScript, 5],
      head: [headScript, 5],
      saveSnapshot: [saveSnapshotScript, 5],
      retention: [retentionScript, 4],
      delete: [deleteScript, 5],
    } as const;
    const scripts: Partial<Record<keyof typeof definitions, ScriptCall>> = {};
    for (const [name, [lua, numberOfKeys]] of Object.entries(definitions)) {
      const command = `marketingTeam_${name}`;
      this.redis.defineCommand(command, { lua, numberOfKeys });
      const call = (this.redis as unknown as Record<string, ScriptCall>)[command]!;
      scripts[name as keyof typeof definitions] = call.bind(this.redis);
    }
    this.scripts = scripts as Record<keyof typeof definitions, ScriptCall>;
  }

  async append(session: string, events: SessionEvent[], options?: AppendOptions): Promise<AppendResult> {
    this.assertOpen();
    const prepared = prepareAppend(session, events, options, this.limits);
    const { keys, channel } = this.keysOf(session);
    const at = Date.now();
    const args: (string | number)[] = [
      ...keys,
      ...this.logArgs(session),
      at,
      prepared.clientMsgId ?? '',
      channel,
      prepared.events.length,
    ];
    for (let index = 0; index < prepared.events.length; index++) {
      const { runId, taskId } = fenceTarget(prepared.events[index]!);
      args.push(fenceCodes[prepared.kinds[index]!], runId, taskId, prepared.json[index]!);
    }
    this.metrics.appendRoundTrips++;
    const [status, first, second] = (await this.scripts.append(...args)) as [string, string, string];
    if (status === 'fenced') throw new FencedError(first, second || undefined);
    if (status === 'ok') this.saw(session, first, Number(second) + prepared.events.length - 1);
    if (status === 'duplicate') {
      const [from, to] = second.split(':').map(Number) as [number, number];
      this.metrics.appendRoundTrips++;
      const records = await this.xrange(keys[1], from - 1, to - from + 1);
      return { records, duplicate: true, firstOffset: from, lastOffset: to };
    }
    const offset = Number(second);
    this.metrics.appends++;
    return {
      records: prepared.events.map((event, index) => ({ offset: offset + index, at, event })),
      duplicate: false,
      firstOffset: offset,
      lastOffset: offset + prepared.events.length - 1,
    };
  }

  async read(session: string, after: number, limit?: number): Promise<SessionRecord[]> {
    this.assertOpen();
    validateRead(session, after, limit);
    return this.xrange(this.keysOf(session).keys[1], after, limit);
  }

  async head(session: string): Promise<SessionHead> {
    this.assertOpen();
    assertSessionId(session);
    const { keys } = this.keysOf(session);
    const [epoch, head] = (await this.scripts.head(...keys, ...this.logArgs(session))) as [string, string, string];
    this.saw(session, epoch, Number(head));
    return { epoch, offset: Number(head) };
  }

  async findClientMessage(session: string, clientMsgId: string): Promise<StoredClientMessage | undefined> {
    this.assertOpen();
    validateClientMessageLookup(session, clientMsgId);
    this.metrics.readRoundTrips++;
    const seen = await this.redis.hget(this.keysOf(session).keys[3], clientMsgId);
    if (!seen) return undefined;
    const [firstOffset, lastOffset] = seen.split(':').map(Number) as [number, number];
    return { firstOffset, lastOffset };
  }

  subscribe(session: string, after: number, listener: RecordListener, options?: SubscribeOptions): Subscription {
    this.assertOpen();
    const resolved = validateSubscribe(session, after, listener, options);
    const { keys, channel: name } = this.keysOf(session);
    const tail = new Tail(after, (from, limit) => this.xrange(keys[1], from, limit), listener, resolved);
    let channel = this.channels.get(name);
    if (!channel) {
      channel = { session, name, tails: new Set(), epoch: undefined };
      this.channels.set(name, channel);
      void this.listen(channel);
    } else if (channel.epoch !== undefined) {
      if (tail.epoch !== undefined && tail.epoch !== channel.epoch) queueMicrotask(() => tail.reset());
      else tail.start();
    }
    const joined = channel;
    joined.tails.add(tail);
    tail.onClose(() => {
      joined.tails.delete(tail);
      if (joined.tails.size === 0 && this.channels.get(name) === joined) {
        this.channels.delete(name);
        this.subscriber?.unsubscribe(name).catch(() => {});
      }
    });
    return tail;
  }

  async saveSnapshot(session: string, snapshot: StoredSnapshot): Promise<void> {
    this.assertOpen();
    const valid = validateSnapshot(session, snapshot);
    const { keys } = this.keysOf(session);
    const [status, head] = (await this.scripts.saveSnapshot(
      ...keys,
      ...this.logArgs(session),
      valid.offset,
      // The text of JSON.stringify(valid), with the state's text built once for it.
      `{"offset":${valid.offset},"state":${storedStateJson(valid.state)}}`,
    )) as [string, string?];
    if (status === 'beyond') throw snapshotBeyondHead(valid.offset, Number(head));
  }

  async loadSnapshot(session: string): Promise<StoredSnapshot | undefined> {
    this.assertOpen();
    assertSessionId(session);
    const text = await this.redis.get(this.keysOf(session).keys[4]);
    return text === null ? undefined : (JSON.parse(text) as StoredSnapshot);
  }

  async applyRetention(session: string, policy: RetentionPolicy): Promise<number> {
    this.assertOpen();
    const valid = validateRetention(session, policy);
    const { keys } = this.keysOf(session);
    let ageCut = 0;
    if (valid.maxAgeMs !== undefined) {
      // Ids are offsets, not times: walk the oldest entries until one is young enough to keep.
      const oldest = Date.now() - valid.maxAgeMs;
      scan: for (let after = 0; ; ) {
        const page = await this.xrange(keys[1], after, 1000);
        for (const record of page) {
          if (record.at > oldest) break scan;
          ageCut = record.offset;
        }
        if (page.length < 1000) break;
        after = page[page.length - 1]!.offset;
      }
    }
    const dropped = await this.scripts.retention(keys[0], keys[1], keys[3], keys[2], valid.maxEvents ?? '', ageCut, valid.clientMessageWindow, valid.fenceWindow);
    return Number(dropped);
  }

  async firstOffset(session: string): Promise<number> {
    this.assertOpen();
    assertSessionId(session);
    const first = await this.redis.hget(this.keysOf(session).keys[0], 'first');
    return first === null ? 1 : Number(first);
  }

  async delete(session: string): Promise<void> {
    this.assertOpen();
    assertSessionId(session);
    const { keys, channel } = this.keysOf(session);
    await this.scripts.delete(...keys, channel);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const channel of [...this.channels.values()]) for (const tail of [...channel.tails]) tail.close();
    this.channels.clear();
    if (this.subscriber) await this.subscriber.quit().catch(() => this.subscriber?.disconnect());
    if (this.ownsClient) await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** Subscribes the channel, learns the epoch, then starts the channel's subscriptions. */
  private async listen(channel: Channel): Promise<void> {
    let delay = 100;
    while (!this.closed && this.channels.get(channel.name) === channel) {
      try {
        await this.subscriberConnection().subscribe(channel.name);
        const { epoch } = await this.head(channel.session);
        if (channel.epoch === undefined) channel.epoch = epoch;
        else if (channel.epoch !== epoch) return this.resetChannel(channel);
        for (const tail of [...channel.tails]) {
          if (tail.epoch !== undefined && tail.epoch !== epoch) tail.reset();
          else tail.start();
        }
        return;
      } catch (error) {
        if (this.closed) return;
        for (const tail of channel.tails) tail.reportError(error);
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  private subscriberConnection(): Redis {
    if (this.subscriber) return this.subscriber;
    const subscriber = this.redis.duplicate({ enableAutoPipelining: false });
    let connectedBefore = false;
    subscriber.on('message', (name: string, message: string) => this.onMessage(name, message));
    subscriber.on('ready', () => {
      // Pub/sub dropped whatever was published while disconnected: re-check every channel.
      if (connectedBefore) for (const channel of this.channels.values()) void this.recheck(channel);
      connectedBefore = true;
    });
    // ioredis reconnects by itself; errors are reported through each subscription's reads.
    subscriber.on('error', () => {});
    this.subscriber = subscriber;
    return subscriber;
  }

  private async recheck(channel: Channel): Promise<void> {
    try {
      const { epoch } = await this.head(channel.session);
      if (channel.epoch !== undefined && epoch !== channel.epoch) this.resetChannel(channel);
      else for (const tail of channel.tails) tail.poke();
    } catch (error) {
      for (const tail of channel.tails) tail.reportError(error);
    }
  }

  private onMessage(name: string, message: string): void {
    const channel = this.channels.get(name);
    if (!channel) return;
    let parsed: { epoch?: unknown; records?: unknown; reset?: unknown };
    try {
      parsed = JSON.parse(message) as typeof parsed;
    } catch {
      return;
    }
    if (parsed.reset === true || (channel.epoch !== undefined && parsed.epoch !== channel.epoch)) {
      this.resetChannel(channel);
      return;
    }
    const records = parsed.records;
    if (!Array.isArray(records) || records.length === 0 || !isRecordBatch(records)) return;
    if (typeof parsed.epoch === 'string') this.saw(channel.session, parsed.epoch, records[records.length - 1]!.offset);
    for (const tail of channel.tails) {
      if (tail.push(records)) this.metrics.gapRepairs++;
    }
  }

  private resetChannel(channel: Channel): void {
    if (this.channels.get(channel.name) === channel) this.channels.delete(channel.name);
    this.subscriber?.unsubscribe(channel.name).catch(() => {});
    for (const tail of [...channel.tails]) tail.reset();
  }

  private async xrange(log: string, after: number, limit?: number): Promise<SessionRecord[]> {
    if (this.closed) throw new StoreClosedError();
    this.metrics.readRoundTrips++;
    const start = `${after + 1}-0`;
    const entries =
      limit === undefined
        ? await this.redis.xrange(log, start, '+')
        : await this.redis.xrange(log, start, '+', 'COUNT', limit);
    return entries.map(([id, fields]) => {
      let at = 0;
      let event = '';
      for (let index = 0; index < fields.length; index += 2) {
        if (fields[index] === 'at') at = Number(fields[index + 1]);
        else if (fields[index] === 'e') event = fields[index + 1]!;
      }
      return readRecord(Number.parseInt(id, 10), at, event);
    });
  }

  /**
   * The arguments every log script starts with: a fresh epoch (used only if the log is new, lost,
   * or lost a tail), then the epoch and head this node last saw of the session, by which the
   * script tells a log that lost a tail (see `openLog`).
   */
  private logArgs(session: string): [string, string, number] {
    const seen = this.seen.get(session);
    return [this.newEpoch(), seen?.epoch ?? '', seen?.head ?? 0];
  }

  /** Remembers the highest offset this node saw given out under `epoch` (bounded: least recent sessions go first). */
  private saw(session: string, epoch: string, head: number): void {
    const seen = this.seen.get(session);
    if (seen && seen.epoch === epoch && seen.head >= head) return;
    this.seen.delete(session);
    if (this.seen.size >= SEEN_SESSIONS) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(session, { epoch, head });
  }

  private newEpoch(): string {
    return `${this.epochBase}.${(this.epochCounter++).toString(36)}`;
  }

  private keysOf(session: string): SessionKeys {
    const base = `${this.prefix}{${session}}:`;
    return {
      keys: [`${base}meta`, `${base}log`, `${base}fence`, `${base}ids`, `${base}snapshot`],
      channel: `${base}live`,
    };
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }
}

/** A cheap shape check of a pub/sub batch (the full schema ran when the events were appended). */
function isRecordBatch(records: unknown[]): records is SessionRecord[] {
  return records.every(
    (record) =>
      typeof record === 'object' &&
      record !== null &&
      Number.isInteger((record as SessionRecord).offset) &&
      typeof (record as SessionRecord).event === 'object',
  );
}
