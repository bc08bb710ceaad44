import type { SessionRecord } from '@marketing-team/core';
import type { RecordListener, Subscription } from './session-store.js';
import type { ResolvedSubscribeOptions } from './_validate.js';
import { nextTurn } from './_next-turn.js';

/** Reads stored records with offset > `after`, oldest first, at most `limit`. */
export type FetchRecords = (after: number, limit: number) => Promise<SessionRecord[]>;

const maxRetryDelayMs = 5000;

/**
 * One subscription's cursor: joins replay and live tail without gap or duplicate.
 *
 * The live source is attached before the first read, so every record stored after that moment
 * arrives live; while a read is in flight live batches are buffered, then filtered by offset.
 * A live batch that starts beyond the next expected offset (a record lost on the way, as Redis
 * pub/sub may do) triggers a read from the store, which is authoritative: if that read starts
 * later than expected, the missing records were removed by retention and are skipped.
 */
export class Tail implements Subscription {
  private expected: number;
  private buffer: SessionRecord[][] = [];
  /** True while reading from the store (and before `start`), so live batches are buffered. */
  private fetching = true;
  private started = false;
  /** Whether `onLive` has been called. */
  private live = false;
  private closed = false;
  private readonly closeHooks: (() => void)[] = [];

  constructor(
    after: number,
    private readonly fetch: FetchRecords,
    private readonly listener: RecordListener,
    private readonly options: ResolvedSubscribeOptions,
  ) {
    this.expected = after + 1;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Begins the replay; call once the live source is attached. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    void this.catchUp();
  }

  /** A batch stored live, in offset order. Returns true if it revealed a gap (now being repaired). */
  push(records: SessionRecord[]): boolean {
    if (this.closed) return false;
    if (this.fetching) {
      this.buffer.push(records);
      return false;
    }
    return this.accept(records);
  }

  /** Re-reads from the next expected offset, e.g. after the live source reconnected. */
  poke(): void {
    if (this.started && !this.fetching && !this.closed) void this.catchUp();
  }

  /** Runs `hook` when the subscription closes (used by stores to detach the live source). */
  onClose(hook: () => void): void {
    if (this.closed) hook();
    else this.closeHooks.push(hook);
  }

  /** The epoch the subscriber's `after` belongs to, if it said. */
  get epoch(): string | undefined {
    return this.options.epoch;
  }

  /** Closes and tells the subscriber that its offsets belong to a log that is gone. */
  reset(): void {
    if (this.closed) return;
    this.close();
    try {
      this.options.onReset?.();
    } catch (error) {
      this.reportError(error);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.buffer = [];
    for (const hook of this.closeHooks.splice(0)) hook();
  }

  private accept(records: SessionRecord[], afterEmptyRead = false): boolean {
    let start = 0;
    while (start < records.length && records[start]!.offset < this.expected) start++;
    if (start === records.length) return false;
    if (records[start]!.offset > this.expected) {
      if (afterEmptyRead) {
        // The store, read just now, does not hold what this batch claims precedes it.
        this.reportError(new Error(`live records from offset ${records[start]!.offset} skip stored offset ${this.expected}; dropped`));
        return false;
      }
      // A live record is missing: the store fills the gap, and this batch is seen again after.
      this.buffer.push(records);
      void this.catchUp();
      return true;
    }
    this.deliver(start === 0 ? records : records.slice(start));
    return false;
  }

  private async catchUp(): Promise<void> {
    this.fetching = true;
    let delay = 50;
    let delivered = false;
    while (!this.closed) {
      let batch: SessionRecord[];
      try {
        batch = await this.fetch(this.expected - 1, this.options.batchSize);
      } catch (error) {
        if (this.closed) return;
        this.reportError(error);
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, maxRetryDelayMs);
        continue;
      }
      if (this.closed) return;
      let start = 0;
      while (start < batch.length && batch[start]!.offset < this.expected) start++;
      if (start < batch.length) {
        delivered = true;
        this.deliver(start === 0 ? batch : batch.slice(start));
      }
      if (batch.length < this.options.batchSize) break;
      // A full page means more to read: let other sessions' traffic through before the next one.
      await nextTurn();
    }
    if (this.closed) return;
    this.fetching = false;
    const pending = this.buffer;
    this.buffer = [];
    for (const records of pending) {
      if (this.closed) return;
      if (this.fetching) this.buffer.push(records);
      else this.accept(records, !delivered);
    }
    if (!this.live && !this.fetching && !this.closed) {
      this.live = true;
      try {
        this.options.onLive?.();
      } catch (error) {
        this.reportError(error);
      }
    }
  }

  private deliver(records: SessionRecord[]): void {
    this.expected = records[records.length - 1]!.offset + 1;
    try {
      this.listener(records);
    } catch (error) {
      // A failing listener must not stall its own cursor, other subscribers or the store.
      this.reportError(error);
    }
  }

  /** Hands an error to the subscriber's `onError`, if any. */
  reportError(error: unknown): void {
    try {
      this.options.onError?.(error);
    } catch {
      // An error hook that throws has nowhere left to report to.
    }
  }
}
