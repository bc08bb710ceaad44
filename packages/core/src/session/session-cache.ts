import * as z from 'zod/mini';
// The zod-free protocol modules, not its index: a chunk loaded later shares no schemas with the page's.
import type { SessionState } from '../protocol/index.js';
import { STATE_VERSION } from '../protocol/version.js';
import { DurableOutbox } from './durable-outbox.js';
import type { Outbox } from './_outbox.js';
import type { SessionEntry } from './_session-entry.js';
import { OUTBOX, STATES, USAGE, committed, defaultIndexedDb, openDatabase, settled } from './_indexed-db.js';

/** Bounds of the local cache; the least recently used sessions go first. */
export interface SessionCacheOptions {
  /** Sessions kept at most; defaults to 20. */
  maxSessions?: number;
  /** Bytes (of the states as JSON) kept at most; defaults to 5 MiB. A larger state is not kept. */
  maxBytes?: number;
  /** The IndexedDB to use; defaults to `globalThis.indexedDB` (pass `fake-indexeddb`'s in Node). */
  indexedDB?: IDBFactory;
}

/** Schema of {@link SessionCacheOptions}. */
export const SessionCacheOptionsSchema = z.object({
  maxSessions: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(10_000)), 20),
  maxBytes: z._default(z.number().check(z.int(), z.minimum(1024), z.maximum(1024 ** 3)), 5 * 1024 * 1024),
  indexedDB: z.optional(z.custom<IDBFactory>((value) => typeof (value as IDBFactory | null)?.open === 'function', 'expected an IDBFactory')),
});

/** A session as the cache holds it. */
export interface CachedSession {
  epoch: string;
  state: SessionState;
}

interface Usage {
  scope: string;
  bytes: number;
  usedAt: number;
}

/** Counts the clearings of this page, so a save due from before one is dropped. */
let clearings = 0;

/** Writes of one session closer together than this are one write. */
const SAVE_DELAY_MS = 250;

/**
 * Each session's last reduced state and the epoch it belongs to, kept in IndexedDB so that a
 * reload or a new tab renders it before the network answers, and resumes from its offset;
 * readable offline. Bounded by sessions and bytes (least recently used first); an entry of an
 * older state version, or of an epoch the server no longer has, is discarded.
 */
export class SessionCache {
  /** Messages waiting for their acknowledgement, in the same database. */
  readonly outbox: DurableOutbox;
  /** The IndexedDB it keeps its entries in. */
  readonly indexedDB: IDBFactory;
  readonly #factory: IDBFactory;
  readonly #scope: string;
  readonly #maxSessions: number;
  readonly #maxBytes: number;
  readonly #due = new Map<string, () => CachedSession | undefined>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Serialises writes, so a discard is never overtaken by an older save. */
  #queue: Promise<void> = Promise.resolve();
  #clearings = clearings;

  /** `scope` separates endpoints and users (the client passes its endpoint and partition). */
  constructor(scope: string, options: SessionCacheOptions = {}) {
    const parsed = SessionCacheOptionsSchema.parse(options);
    const factory = parsed.indexedDB ?? defaultIndexedDb();
    if (!factory) throw new Error('no IndexedDB here');
    this.#factory = this.indexedDB = factory;
    this.#scope = scope;
    this.#maxSessions = parsed.maxSessions;
    this.#maxBytes = parsed.maxBytes;
    this.outbox = new DurableOutbox(factory, scope);
    const events = globalThis as { addEventListener?: (type: string, listener: () => void) => void };
    // A page being hidden may be closed next without another chance: write what is due now.
    events.addEventListener?.('pagehide', () => void this.flush());
    events.addEventListener?.('visibilitychange', () => {
      if ((globalThis as { document?: { visibilityState?: string } }).document?.visibilityState === 'hidden') void this.flush();
    });
  }

  /** The cached state of `session`, if any (and marks it used). */
  async read(session: string): Promise<CachedSession | undefined> {
    const database = await openDatabase(this.#factory);
    const transaction = database.transaction([STATES, USAGE], 'readwrite');
    const key = this.#key(session);
    const cached = await settled(transaction.objectStore(STATES).get(key) as IDBRequest<CachedSession | undefined>);
    const usage = await settled(transaction.objectStore(USAGE).get(key) as IDBRequest<Usage | undefined>);
    if (cached && usage) transaction.objectStore(USAGE).put({ ...usage, usedAt: Date.now() }, key);
    await committed(transaction);
    if (!cached || typeof cached.epoch !== 'string' || cached.state?.version !== STATE_VERSION) return undefined;
    return cached;
  }

  /**
   * Puts the cached state of a new entry (unless it already has one from the server) and the
   * messages kept for its session in place; resolves true when it found either.
   */
  async restore(entry: SessionEntry, outbox: Outbox): Promise<boolean> {
    try {
      const [cached, pending] = await Promise.all([this.read(entry.id), this.outbox.pending(entry.id)]);
      if (entry.refs === 0) return false;
      if (cached && entry.epoch === undefined) {
        entry.state = cached.state;
        entry.epoch = cached.epoch;
      }
      for (const frame of pending) outbox.restore(frame);
      return cached !== undefined || pending.length > 0;
    } catch {
      // An unreadable cache (private mode, quota, a schema another version wrote) is an empty one.
      return false;
    }
  }

  /** Saves the entry's state soon, as it is then, while it is still subscribed. */
  saveSoon(entry: SessionEntry): void {
    if (entry.epoch === undefined) return;
    this.schedule(entry.id, () => (entry.epoch !== undefined && entry.refs > 0 ? { epoch: entry.epoch, state: entry.state } : undefined));
  }

  /** Saves `session` soon (writes closer together than a quarter second are one); `current` is read when the write happens. */
  schedule(session: string, current: () => CachedSession | undefined): void {
    if (this.#clearings !== clearings) {
      this.#due.clear();
      this.#clearings = clearings;
    }
    this.#due.set(session, current);
    this.#timer ??= setTimeout(() => void this.flush(), SAVE_DELAY_MS);
  }

  /** Writes every save that is due; resolves when they are on disk. */
  flush(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const due = this.#clearings === clearings ? [...this.#due] : [];
    this.#due.clear();
    for (const [session, current] of due) {
      const value = current();
      if (value) this.#enqueue(() => this.#save(session, value));
    }
    return this.#queue;
  }

  /** Forgets `session` (its log was reset, so its offsets mean nothing). */
  discard(session: string): Promise<void> {
    this.#due.delete(session);
    return this.#enqueue(async () => {
      const database = await openDatabase(this.#factory);
      const transaction = database.transaction([STATES, USAGE], 'readwrite');
      transaction.objectStore(STATES).delete(this.#key(session));
      transaction.objectStore(USAGE).delete(this.#key(session));
      await committed(transaction);
    });
  }


  #enqueue(write: () => Promise<void>): Promise<void> {
    this.#queue = this.#queue.then(write).catch(() => undefined);
    return this.#queue;
  }

  async #save(session: string, value: CachedSession): Promise<void> {
    const json = JSON.stringify(value);
    const bytes = json.length;
    const key = this.#key(session);
    const database = await openDatabase(this.#factory);
    const transaction = database.transaction([STATES, USAGE], 'readwrite');
    const states = transaction.objectStore(STATES);
    const usageStore = transaction.objectStore(USAGE);
    if (bytes > this.#maxBytes) {
      states.delete(key);
      usageStore.delete(key);
      await committed(transaction);
      return;
    }
    states.put(value, key);
    usageStore.put({ scope: this.#scope, bytes, usedAt: Date.now() } satisfies Usage, key);
    // Evict the least recently used until the bounds hold, this session last of all.
    const keys = (await settled(usageStore.getAllKeys())) as string[];
    const usages = (await settled(usageStore.getAll())) as Usage[];
    const entries = keys.map((entryKey, index) => ({ key: entryKey, ...usages[index]! }));
    entries.sort((a, b) => (a.key === key ? 1 : b.key === key ? -1 : a.usedAt - b.usedAt));
    let total = entries.reduce((sum, entry) => sum + entry.bytes, 0);
    let count = entries.length;
    for (const entry of entries) {
      if (count <= this.#maxSessions && total <= this.#maxBytes) break;
      if (entry.key === key) break;
      states.delete(entry.key);
      usageStore.delete(entry.key);
      count -= 1;
      total -= entry.bytes;
    }
    await committed(transaction);
  }

  #key(session: string): string {
    return `${this.#scope}\n${session}`;
  }
}

/**
 * The cache of a client's `cache` option, its options parsed with {@link SessionCacheOptionsSchema}
 * (by the client, which names a bad one in its own error), or undefined where there is no IndexedDB.
 */
export function openSessionCache(scope: string, options: z.output<typeof SessionCacheOptionsSchema>): SessionCache | undefined {
  return options.indexedDB ?? defaultIndexedDb() ? new SessionCache(scope, options) : undefined;
}

/** Empties the local cache of sessions and the durable outbox, for every endpoint and user (see `clearSessionCache`). */
export async function emptySessionCache(factory: IDBFactory | undefined = defaultIndexedDb()): Promise<void> {
  clearings += 1;
  if (!factory) return;
  const database = await openDatabase(factory);
  const transaction = database.transaction([STATES, USAGE, OUTBOX], 'readwrite');
  for (const store of [STATES, USAGE, OUTBOX]) transaction.objectStore(store).clear();
  await committed(transaction);
}
