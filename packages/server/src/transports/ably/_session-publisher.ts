import { applyRecords, createSessionState, type ServerFrame, type SessionRecord, type SessionState } from '@marketing-team/core';
import { DigestSchedule } from '../../sessions/_digest-schedule.js';
import type { AblyPublishingChannel } from './ably-client-types.js';
import { AblyMessageName, type AblyRecordsData, type AblyRepliesData } from './ably-wire.js';
import { planRecordMessages, type PlannedMessage } from './_record-messages.js';

/** Settings of one session's publisher. */
export interface SessionPublisherOptions {
  session: string;
  epoch: string;
  channel: AblyPublishingChannel;
  /** Offset already on the channel; records at or below it are not published again. */
  publishedOffset: number;
  coalesceMs: number;
  /** Shortest gap between two publishes on the channel (1000 / messages per second). */
  minIntervalMs: number;
  maxMessageBytes: number;
  onError: (error: unknown) => void;
}

/** Counters of what a publisher has sent, for tests and benchmarks. */
export interface PublisherStats {
  messagesPublished: number;
  recordsPublished: number;
  publishedOffset: number;
  failedAttempts: number;
}

const RETRY_INITIAL_MS = 100;
/** Bytes kept free in a records message for its digests (a few dozen bytes per message that ends or grows by 4 096 characters). */
const DIGEST_ROOM_BYTES = 1024;
const RETRY_MAX_MS = 5_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Publishes one session's records to its Ably log channel, in offset order, one publish at a time
 * (a single in-flight publish keeps per-channel order whatever the client type), coalescing what
 * arrives within `coalesceMs` into one message and spacing publishes to stay under the channel's
 * message-rate limit. A failed publish is retried with backoff and never skipped: a stored record
 * is not dropped on the way to Ably.
 */
export class SessionPublisher {
  readonly #options: SessionPublisherOptions;
  #buffer: SessionRecord[] = [];
  #replies: ServerFrame[] = [];
  #firstBufferedAt = 0;
  #lastPublishAt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pumping = false;
  #closed = false;
  #waiters: Array<{ offset: number; resolve: () => void }> = [];
  readonly #stats: PublisherStats;
  /**
   * The session as reduced from the records published so far, for their digests (as the hub's
   * channel keeps it for its subscribers). Messages that started before the publisher did are
   * not in it, and get no digests.
   */
  #state: SessionState;
  readonly #digests = new DigestSchedule();

  constructor(options: SessionPublisherOptions) {
    this.#options = options;
    this.#state = { ...createSessionState(), offset: options.publishedOffset };
    this.#stats = { messagesPublished: 0, recordsPublished: 0, publishedOffset: options.publishedOffset, failedAttempts: 0 };
  }

  get stats(): PublisherStats {
    return { ...this.#stats };
  }

  /** Queues records delivered by the store (offset order, no gap). */
  pushRecords(records: readonly SessionRecord[]): void {
    if (this.#closed) return;
    for (const record of records) {
      const last = this.#buffer[this.#buffer.length - 1]?.offset ?? this.#stats.publishedOffset;
      if (record.offset <= last) continue;
      if (this.#buffer.length === 0 && this.#replies.length === 0) this.#firstBufferedAt = Date.now();
      this.#buffer.push(record);
    }
    this.#schedule();
  }

  /** Queues an `ack` or `error` frame for a client message received over Ably. */
  pushReply(frame: ServerFrame): void {
    if (this.#closed) return;
    if (this.#buffer.length === 0 && this.#replies.length === 0) this.#firstBufferedAt = Date.now();
    this.#replies.push(frame);
    this.#schedule();
  }

  /** Resolves once every record up to `offset` has been accepted by Ably (or the publisher closed). */
  published(offset: number): Promise<void> {
    if (this.#stats.publishedOffset >= offset || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ offset, resolve }));
  }

  /** Stops publishing; queued records stay unpublished (a later publisher resumes from Ably's history). */
  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
  }

  #schedule(): void {
    if (this.#pumping || this.#timer || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#pump();
    }, this.#delay());
  }

  /** Waits out the coalescing window (counted from the oldest queued item) and the rate spacing. */
  #delay(): number {
    const now = Date.now();
    return Math.max(0, this.#firstBufferedAt + this.#options.coalesceMs - now, this.#lastPublishAt + this.#options.minIntervalMs - now);
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (!this.#closed && (this.#buffer.length > 0 || this.#replies.length > 0)) {
        // Wait first and take after, so what arrives during the window joins this message.
        const wait = this.#delay();
        if (wait > 0) await sleep(wait);
        if (this.#closed) return;
        for (const planned of this.#takeNext()) {
          const spacing = this.#lastPublishAt + this.#options.minIntervalMs - Date.now();
          if (spacing > 0) await sleep(spacing);
          if (this.#closed) return;
          await this.#publish(planned);
        }
      }
    } finally {
      this.#pumping = false;
    }
    if (!this.#closed && (this.#buffer.length > 0 || this.#replies.length > 0)) this.#schedule();
  }

  /**
   * What to send next: one message of records (as many as fit), or every slice of one oversize
   * record, followed by one message of pending replies (so a steady stream of records never
   * starves acknowledgements). Records that do not fit stay queued so newer ones can join them;
   * they have already waited out the window, so they go as soon as the rate spacing allows.
   */
  #takeNext(): PlannedMessage[] {
    const { session, epoch, maxMessageBytes } = this.#options;
    const next: PlannedMessage[] = [];
    if (this.#buffer.length > 0) {
      // A message holds far fewer than 2,000 records, so planning a prefix keeps a long backlog linear.
      const planned = planRecordMessages(session, epoch, this.#buffer.slice(0, 2000), maxMessageBytes - DIGEST_ROOM_BYTES);
      const first = planned[0];
      if (first?.message.name === AblyMessageName.recordPart) {
        next.push(...planned.slice(0, planned.findIndex((message) => message.records === 1) + 1));
        // A record in slices carries no digests; the next message's digest of it does.
        this.#state = applyRecords(this.#state, this.#buffer.splice(0, 1));
      } else if (first) {
        next.push(first);
        const records = this.#buffer.splice(0, first.records);
        // The digests as of this message's last record, the one every client checks them at.
        this.#state = applyRecords(this.#state, records);
        const digests = this.#digests.digestsFor(records, () => this.#state);
        if (digests) (first.message.data as AblyRecordsData).digests = digests;
      }
    }
    if (this.#replies.length > 0) {
      const data: AblyRepliesData = { session, frames: this.#replies.splice(0, 1000) };
      next.push({ message: { name: AblyMessageName.replies, data }, lastOffset: 0, records: 0 });
    }
    return next;
  }

  async #publish(planned: PlannedMessage): Promise<void> {
    let retryMs = RETRY_INITIAL_MS;
    for (;;) {
      if (this.#closed) return;
      this.#lastPublishAt = Date.now();
      try {
        await this.#options.channel.publish(planned.message);
        break;
      } catch (error) {
        this.#stats.failedAttempts += 1;
        this.#options.onError(error);
        await sleep(retryMs);
        retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
      }
    }
    this.#stats.messagesPublished += 1;
    this.#stats.recordsPublished += planned.records;
    if (planned.lastOffset > this.#stats.publishedOffset) this.#stats.publishedOffset = planned.lastOffset;
    this.#waiters = this.#waiters.filter((waiter) => {
      if (waiter.offset > this.#stats.publishedOffset) return true;
      waiter.resolve();
      return false;
    });
  }
}
