import type { SessionRecord } from '@marketing-team/core';
import { recordSize } from '../stores/_record-json.js';

/**
 * The newest records a session's channel received, contiguous in offset, at most `capacity` of
 * them and at most about `maxBytes` of their JSON (an event may be megabytes: a count alone
 * would not bound the memory). A client that resumes from an offset they still cover is
 * replayed from memory: no store read stands between its `subscribe` and its first missed event.
 *
 * A ring: appending is O(1) per record and never copies what is held.
 */
export class RecentRecords {
  readonly #capacity: number;
  readonly #maxBytes: number;
  #ring: (SessionRecord | undefined)[] = [];
  /** The size of each record held, at the same index as the record. */
  #sizes: number[] = [];
  /** Index in `#ring` of the oldest record held. */
  #start = 0;
  #size = 0;
  /** The sizes of the records held, summed. */
  #bytes = 0;
  /** False while the session is unused: nothing is kept until it is used again. */
  #keeping = true;

  constructor(capacity: number, maxBytes = Number.POSITIVE_INFINITY) {
    this.#capacity = capacity;
    this.#maxBytes = maxBytes;
  }

  /** About how many bytes of JSON the records held take. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Offset of the newest record held (0 when empty). */
  get lastOffset(): number {
    return this.#size === 0 ? 0 : this.#at(this.#size - 1).offset;
  }

  /** Offset of the oldest record held (0 when empty). */
  get firstOffset(): number {
    return this.#size === 0 ? 0 : this.#at(0).offset;
  }

  get size(): number {
    return this.#size;
  }

  /**
   * Keeps `records` (in offset order, all newer than what is held). Records that do not follow
   * the newest one held (the store skipped offsets retention removed) start the ring over, so
   * what it holds never has a hole.
   */
  push(records: readonly SessionRecord[]): void {
    if (this.#capacity === 0 || !this.#keeping) return;
    for (const record of records) {
      if (this.#size > 0 && record.offset !== this.lastOffset + 1) this.clear();
      const size = recordSize(record);
      let slot: number;
      if (this.#ring.length < this.#capacity) {
        slot = this.#ring.push(record) - 1;
        this.#size += 1;
      } else if (this.#size < this.#capacity) {
        // Room left by dropping the oldest: the slot after the newest is free.
        slot = (this.#start + this.#size) % this.#capacity;
        this.#size += 1;
      } else {
        // Full: the newest takes the oldest's place.
        slot = this.#start;
        this.#bytes -= this.#sizes[slot]!;
        this.#start = (this.#start + 1) % this.#capacity;
      }
      this.#ring[slot] = record;
      this.#sizes[slot] = size;
      this.#bytes += size;
      // Past the byte budget the oldest go first (the newest too, when it alone is past it).
      if (this.#bytes > this.#maxBytes) this.#dropOldest(this.#bytes - this.#maxBytes);
    }
  }

  /** Lets the oldest records go until at least `bytes` of them are gone. */
  #dropOldest(bytes: number): void {
    let count = 0;
    for (let freed = 0; freed < bytes && count < this.#size; count++) freed += this.#sizes[(this.#start + count) % this.#ring.length]!;
    this.#drop(count);
  }

  /** Whether the records after `offset` start among those held (`offset` is the newest, or `offset + 1` is held). */
  covers(offset: number): boolean {
    return this.#size > 0 && offset + 1 >= this.firstOffset && offset <= this.lastOffset;
  }

  /**
   * Up to `limit` records after `offset`, oldest first, or undefined when the ring does not hold
   * `offset + 1` (older than what it keeps, or nothing kept). Empty when `offset` is the newest.
   */
  after(offset: number, limit: number): SessionRecord[] | undefined {
    if (!this.covers(offset)) return undefined;
    const from = offset + 1 - this.firstOffset;
    const to = Math.min(this.#size, from + limit);
    const records: SessionRecord[] = [];
    for (let index = from; index < to; index++) records.push(this.#at(index));
    return records;
  }

  /** Lets the records before `offset` go (the store no longer holds them: nor does a resume). */
  dropBefore(offset: number): void {
    if (this.#size === 0 || offset <= this.firstOffset) return;
    if (offset > this.lastOffset) return this.clear();
    this.#drop(offset - this.firstOffset);
  }

  /** Lets the `count` oldest records go. */
  #drop(count: number): void {
    if (count >= this.#size) return this.clear();
    for (let index = 0; index < count; index++) {
      const slot = (this.#start + index) % this.#ring.length;
      this.#ring[slot] = undefined;
      this.#bytes -= this.#sizes[slot]!;
    }
    this.#start = (this.#start + count) % this.#ring.length;
    this.#size -= count;
  }

  /** Lets every record go and keeps none until `keep` (an unused session holds no records). */
  forget(): void {
    this.clear();
    this.#keeping = false;
  }

  /** Keeps records again, from the next one received. */
  keep(): void {
    this.#keeping = true;
  }

  /** Lets every record go (the ring's memory with them). */
  clear(): void {
    this.#ring = [];
    this.#sizes = [];
    this.#start = 0;
    this.#size = 0;
    this.#bytes = 0;
  }

  #at(index: number): SessionRecord {
    return this.#ring[(this.#start + index) % this.#ring.length]!;
  }
}
