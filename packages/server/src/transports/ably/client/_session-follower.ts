import {
  CONTROL_EVENT_TYPES,
  ProtocolError,
  SessionRecordSchema,
  type ClientFrameOf,
  type ErrorCode,
  type ServerFrame,
  type SessionRecord,
} from '@marketing-team/core';
import type { AblyBrowserClient, AblyChannelStateChange, AblyInboundMessage, AblyRealtimeChannel } from '../ably-client-types.js';
import {
  AblyMessageName,
  AblyRecordPartDataSchema,
  AblyRecordsDataSchema,
  AblyRepliesDataSchema,
  type AblyRecordsData,
  type AblyRecoveryData,
} from '../ably-wire.js';
import { ablySessionChannels } from '../channel-names.js';
import type { AblyRecover } from './ably-recovery.js';

/** Settings shared by every session a socket follows. */
export interface FollowerSettings {
  channelPrefix: string | undefined;
  rewind: number | undefined;
  historyPageSize: number;
  maxHistoryPages: number;
  recover: AblyRecover;
}

/** Answers of a session's subscription, as wire frames. */
export type FrameSink = (frame: ServerFrame) => void;

type WriteFrame = ClientFrameOf<'publish' | 'cancel' | 'steer'>;
/** The digests of a live records message and the offset they hold at (its last record). */
type Digests = { digests: NonNullable<AblyRecordsData['digests']>; at: number };

const CONTROL_TYPES: readonly string[] = CONTROL_EVENT_TYPES;

/** The `cap` and `exp` claims of a session token, read (not verified: Ably and the server verify). */
function claimsOf(token: string): { capabilities: Array<'read' | 'write' | 'control'>; expiresAt: number } {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(json) as { cap?: unknown; exp?: unknown };
    const capabilities = Array.isArray(claims.cap)
      ? claims.cap.filter((c): c is 'read' | 'write' | 'control' => c === 'read' || c === 'write' || c === 'control')
      : [];
    return { capabilities, expiresAt: typeof claims.exp === 'number' ? Math.floor(claims.exp) : 0 };
  } catch {
    return { capabilities: ['read'], expiresAt: 0 };
  }
}

/** Ably's connection-state errors (800xx): the message was not refused, the connection was gone. */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' && code >= 80000 && code < 80100;
}

function errorCodeOfAbly(error: unknown): ErrorCode {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'number') return 'internal';
  if (code === 40160 || code === 40161 || code === 40300) return 'forbidden';
  if (code >= 40100 && code < 40200) return 'unauthorized';
  if (code === 42910 || code === 42911 || code === 42913) return 'rate_limited';
  if (code === 40009) return 'frame_too_large';
  return 'internal';
}

/**
 * Follows one session over Ably and turns it into the frames a WebSocket server would send:
 * records are deduplicated and reordered by offset, gaps are filled from Ably's history
 * (`history({ untilAttach: true })`, https://ably.com/docs/storage-history/history), and when
 * Ably cannot fill them (continuity lost past history, a first join of a long session, a reset
 * log) the server's recovery route supplies a snapshot and the records after it.
 */
export class SessionFollower {
  readonly #session: string;
  readonly #settings: FollowerSettings;
  readonly #emit: FrameSink;
  readonly #ably: AblyBrowserClient;
  readonly #log: AblyRealtimeChannel;
  readonly #input: AblyRealtimeChannel;
  readonly #control: AblyRealtimeChannel;
  #token: string;
  #epoch: string | undefined;
  #applied: number;
  #subscribed = false;
  #started = false;
  #closed = false;
  readonly #pending = new Map<number, SessionRecord>();
  readonly #parts = new Map<number, { epoch: string; count: number; chunks: Array<string | undefined> }>();
  readonly #sent = new Set<string>();
  #resyncing: Promise<void> | undefined;
  #resyncAgain = false;
  #forceServer = false;
  #failures = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Number of server recoveries; for tests and telemetry. */
  recoveries = 0;

  readonly #onMessage = (message: AblyInboundMessage): void => this.#receive(message);
  readonly #onState = (change: AblyChannelStateChange): void => {
    // Lost continuity: messages may be missing even if no later message reveals a gap
    // (https://ably.com/docs/pub-sub/guides/handling-discontinuity).
    if (this.#started && !change.resumed) this.#resync();
    if (change.current === 'attached' && this.#unsent.size > 0) {
      const frames = [...this.#unsent.values()];
      this.#unsent.clear();
      for (const frame of frames) this.send(frame);
    }
  };
  /** Client messages whose publish failed with the connection; sent again once reattached (the server dedupes). */
  readonly #unsent = new Map<string, WriteFrame>();

  constructor(options: {
    session: string;
    token: string;
    from: number | undefined;
    epoch: string | undefined;
    ably: AblyBrowserClient;
    settings: FollowerSettings;
    emit: FrameSink;
  }) {
    this.#session = options.session;
    this.#token = options.token;
    this.#settings = options.settings;
    this.#emit = options.emit;
    this.#ably = options.ably;
    this.#applied = options.from ?? 0;
    this.#epoch = options.from === undefined ? undefined : options.epoch;
    const names = ablySessionChannels(options.session, options.settings.channelPrefix);
    const rewind = options.settings.rewind;
    // `rewind` applies to the first attach only; resumes after that keep continuity on their own
    // (https://ably.com/docs/channels/options/rewind).
    this.#log = this.#ably.channels.get(names.log, rewind ? { params: { rewind: String(rewind) } } : undefined);
    this.#input = this.#ably.channels.get(names.input);
    this.#control = this.#ably.channels.get(names.control);
  }

  get applied(): number {
    return this.#applied;
  }

  /** Registers state listeners before attaching (so the first `attached` is seen), subscribes, then catches up. */
  async start(): Promise<void> {
    this.#log.on('attached', this.#onState);
    this.#log.on('update', this.#onState);
    await this.#log.subscribe(this.#onMessage);
    this.#started = true;
    this.#resync();
  }

  refresh(token: string): void {
    this.#token = token;
  }

  /** Publishes a client message on the input (write) or control channel; Ably enforces the capability. */
  send(frame: WriteFrame): void {
    const control = frame.type !== 'publish' || CONTROL_TYPES.includes(String(frame.event.type));
    const channel = control ? this.#control : this.#input;
    this.#sent.add(frame.clientMsgId);
    channel.publish({ name: frame.type, data: frame }).catch((error: unknown) => {
      if (this.#closed) return;
      // Publishes queued while disconnected fail when the connection is suspended
      // (https://ably.com/docs/connect/states); they are not refused, so try again after reattaching.
      if (isConnectionError(error)) {
        this.#unsent.set(frame.clientMsgId, frame);
        return;
      }
      if (!this.#sent.delete(frame.clientMsgId)) return;
      const message = error instanceof Error ? error.message : 'publish failed';
      this.#emit({ type: 'error', code: errorCodeOfAbly(error), message, session: this.#session, clientMsgId: frame.clientMsgId });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#log.unsubscribe(this.#onMessage);
    this.#log.off('attached', this.#onState);
    this.#log.off('update', this.#onState);
    await Promise.allSettled([this.#log.detach(), this.#input.detach(), this.#control.detach()]);
  }

  #receive(message: AblyInboundMessage): void {
    if (this.#closed) return;
    switch (message.name) {
      case AblyMessageName.records: {
        const parsed = AblyRecordsDataSchema.safeParse(message.data);
        if (!parsed.success || parsed.data.session !== this.#session) return;
        const { batch, digests } = parsed.data;
        this.#accept(parsed.data.epoch, batch, digests && { digests, at: batch[batch.length - 1]!.offset });
        return;
      }
      case AblyMessageName.recordPart: {
        const record = this.#joinPart(message.data);
        if (record) this.#accept(record.epoch, [record.record]);
        return;
      }
      case AblyMessageName.replies: {
        const parsed = AblyRepliesDataSchema.safeParse(message.data);
        if (!parsed.success || parsed.data.session !== this.#session) return;
        for (const frame of parsed.data.frames) {
          // Replies travel on the shared log channel; forward only those answering this socket.
          if ((frame.type === 'ack' || frame.type === 'error') && frame.clientMsgId && this.#sent.delete(frame.clientMsgId)) {
            this.#emit(frame);
          }
        }
        return;
      }
      default:
        return;
    }
  }

  #joinPart(data: unknown): { epoch: string; record: SessionRecord } | undefined {
    const parsed = AblyRecordPartDataSchema.safeParse(data);
    if (!parsed.success || parsed.data.session !== this.#session) return undefined;
    const part = parsed.data;
    if (part.offset <= this.#applied) return undefined;
    let entry = this.#parts.get(part.offset);
    if (!entry || entry.epoch !== part.epoch || entry.count !== part.count) {
      entry = { epoch: part.epoch, count: part.count, chunks: new Array<string | undefined>(part.count) };
      this.#parts.set(part.offset, entry);
    }
    if (part.index >= entry.count) return undefined;
    entry.chunks[part.index] = part.chunk;
    if (entry.chunks.some((chunk) => chunk === undefined)) return undefined;
    this.#parts.delete(part.offset);
    try {
      const record = SessionRecordSchema.safeParse(JSON.parse(entry.chunks.join('')));
      return record.success && record.data.offset === part.offset ? { epoch: entry.epoch, record: record.data } : undefined;
    } catch {
      return undefined;
    }
  }

  /** Takes live records; `digests` hold as of offset `at`, the last of them. */
  #accept(epoch: string, records: readonly SessionRecord[], digests?: Digests): void {
    if (this.#epoch !== undefined && epoch !== this.#epoch) {
      // A reset log: offsets of the old epoch mean nothing; start over from the server.
      if (this.#subscribed) {
        this.#forceServer = true;
        this.#resync();
      }
      return;
    }
    for (const record of records) if (record.offset > this.#applied) this.#pending.set(record.offset, record);
    if (this.#subscribed && !this.#resyncing) {
      this.#drain(digests);
      if (this.#pending.size > 0) this.#resync(); // a gap in offsets
    }
  }

  /**
   * Emits the records that follow the applied offset without a gap, with `digests` when the
   * frame ends at the offset they hold at (the client checks them after the frame's last record).
   */
  #drain(digests?: Digests): void {
    const batch: SessionRecord[] = [];
    for (const offset of [...this.#pending.keys()]) if (offset <= this.#applied) this.#pending.delete(offset);
    let next = this.#pending.get(this.#applied + 1);
    while (next) {
      batch.push(next);
      this.#pending.delete(next.offset);
      this.#applied = next.offset;
      next = this.#pending.get(this.#applied + 1);
    }
    if (batch.length > 0 && this.#epoch !== undefined) {
      const vouched = digests !== undefined && digests.at === this.#applied;
      this.#emit({ type: 'events', session: this.#session, epoch: this.#epoch, batch, ...(vouched ? { digests: digests.digests } : {}) });
    }
  }

  /** Single-flight catch-up; a request while one runs makes it run once more. */
  #resync(): void {
    if (this.#closed) return;
    if (this.#resyncing) {
      this.#resyncAgain = true;
      return;
    }
    let failed = false;
    this.#resyncing = (async () => {
      do {
        this.#resyncAgain = false;
        failed = false;
        try {
          await this.#catchUp();
          this.#failures = 0;
        } catch (error) {
          failed = true;
          this.#fail(error);
        }
      } while (this.#resyncAgain && !this.#closed);
    })().finally(() => {
      this.#resyncing = undefined;
      // Records that arrived during the last step; after a failure the next message or state change retries.
      if (this.#subscribed && !this.#closed && !failed) {
        this.#drain();
        if (this.#pending.size > 0) this.#resync();
      }
    });
  }

  async #catchUp(): Promise<void> {
    const fromHistory = this.#forceServer ? undefined : await this.#readHistory();
    if (this.#closed) return;
    if (fromHistory && this.#subscribed) {
      this.#drain();
      // Covered: history reaches back to what this client holds, so nothing can be missing.
      if (fromHistory.covered && this.#pending.size === 0) return;
    } else if (fromHistory && fromHistory.covered && fromHistory.epoch !== undefined) {
      // Ably's history reaches back to what this client holds: no server round trip.
      this.#epoch = fromHistory.epoch;
      const { capabilities, expiresAt } = claimsOf(this.#token);
      let head = this.#applied;
      for (const offset of this.#pending.keys()) if (offset > head) head = offset;
      this.#emit({ type: 'subscribed', session: this.#session, epoch: fromHistory.epoch, head, capabilities, expiresAt });
      this.#subscribed = true;
      this.#drain();
      if (this.#pending.size === 0) return;
    }
    await this.#recoverFromServer();
  }

  /**
   * Reads history back from the attach point until it reaches the applied offset; records go
   * to `pending`. `covered` says whether nothing between the applied offset and the attach point is missing.
   */
  async #readHistory(): Promise<{ covered: boolean; epoch: string | undefined } | undefined> {
    let newestEpoch: string | undefined;
    let lowest = Number.POSITIVE_INFINITY;
    let page = await this.#log.history({ untilAttach: true, direction: 'backwards', limit: this.#settings.historyPageSize });
    for (let pages = 1; ; pages += 1) {
      for (const message of page.items) {
        let epoch: string | undefined;
        let records: readonly SessionRecord[] = [];
        if (message.name === AblyMessageName.records) {
          const parsed = AblyRecordsDataSchema.safeParse(message.data);
          if (!parsed.success || parsed.data.session !== this.#session) continue;
          epoch = parsed.data.epoch;
          records = parsed.data.batch;
        } else if (message.name === AblyMessageName.recordPart) {
          const joined = this.#joinPart(message.data);
          if (!joined) continue;
          epoch = joined.epoch;
          records = [joined.record];
        } else {
          continue;
        }
        newestEpoch ??= epoch;
        const expected = this.#epoch ?? newestEpoch;
        if (epoch !== expected) return { covered: false, epoch: newestEpoch }; // older epoch beyond this point
        for (const record of records) {
          if (record.offset > this.#applied) this.#pending.set(record.offset, record);
          lowest = Math.min(lowest, record.offset);
        }
      }
      if (lowest <= this.#applied + 1 || this.#pending.has(this.#applied + 1)) break;
      if (!page.hasNext() || pages >= this.#settings.maxHistoryPages) break;
      const next = await page.next();
      if (!next) break;
      page = next;
    }
    if (this.#epoch !== undefined && newestEpoch !== undefined && newestEpoch !== this.#epoch) return { covered: false, epoch: newestEpoch };
    // Covered when what is known (history, rewound or live messages) starts right after what this
    // client holds; gaps inside are found by draining. An empty history proves nothing.
    const covered = lowest <= this.#applied + 1 || this.#pending.has(this.#applied + 1);
    return { covered, epoch: newestEpoch };
  }

  async #recoverFromServer(): Promise<void> {
    this.#forceServer = false;
    this.recoveries += 1;
    const request: Parameters<AblyRecover>[0] = { session: this.#session, token: this.#token };
    if (this.#epoch !== undefined) {
      request.from = this.#applied;
      request.epoch = this.#epoch;
    }
    const data: AblyRecoveryData = await this.#settings.recover(request);
    if (this.#closed) return;
    const subscribed = data.subscribed;
    if (subscribed.type !== 'subscribed') throw new ProtocolError('bad_frame', 'recovery.subscribed: expected a subscribed frame', 'recovery.subscribed');
    // A first answer, or a reset log: the session client takes the epoch (and resets) from `subscribed`.
    if (!this.#subscribed || subscribed.epoch !== this.#epoch) {
      this.#emit(subscribed);
      this.#subscribed = true;
    }
    if (data.snapshot) {
      if (data.snapshot.type !== 'snapshot') throw new ProtocolError('bad_frame', 'recovery.snapshot: expected a snapshot frame', 'recovery.snapshot');
      this.#pending.clear();
      this.#parts.clear();
      this.#applied = data.snapshot.offset;
      this.#emit(data.snapshot);
    } else if (this.#epoch !== subscribed.epoch) {
      this.#pending.clear();
    }
    this.#epoch = subscribed.epoch;
    for (const record of data.records) if (record.offset > this.#applied) this.#pending.set(record.offset, record);
    this.#drain();
  }

  /**
   * A refused token ends the subscription (the session client then asks for a fresh token and
   * subscribes again); anything else (history or the server briefly unreachable) is retried
   * with backoff, since reporting it would stop the session for good.
   */
  #fail(error: unknown): void {
    if (this.#closed) return;
    const code: ErrorCode = error instanceof ProtocolError ? error.code : errorCodeOfAbly(error);
    if (code === 'unauthorized' || code === 'forbidden' || code === 'not_found') {
      const message = error instanceof Error ? error.message : 'catching up failed';
      this.#emit({ type: 'error', code, message, session: this.#session });
      return;
    }
    const delay = Math.min(30_000, 500 * 2 ** Math.min(6, this.#failures));
    this.#failures += 1;
    if (this.#retryTimer !== undefined) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#resync();
    }, delay);
  }
}
