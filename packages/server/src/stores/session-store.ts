import type { SessionEvent, SessionRecord, SessionState } from '@marketing-team/core';

/** Where a session log stands: its epoch and the offset of its newest event (0 when empty). */
export interface SessionHead {
  /** Changes whenever the log is lost or reset, so clients holding old offsets re-snapshot. */
  epoch: string;
  offset: number;
}

/** Options of `SessionStore.append`. */
export interface AppendOptions {
  /**
   * Client message id. A second append with the same id in the same session stores nothing
   * and returns the records of the first one with `duplicate: true`.
   */
  clientMsgId?: string;
}

/** What `append` stored, or (for a retried client message) what it had stored the first time. */
export interface AppendResult {
  /**
   * The stored records, in offset order. For a duplicate: the original records that are still
   * held (retention may have dropped some, or all, of them since).
   */
  records: SessionRecord[];
  /** True when `clientMsgId` had been stored before and nothing new was stored. */
  duplicate: boolean;
  /** Offset of the append's first event (known even when retention dropped its records). */
  firstOffset: number;
  /** Offset of the append's last event. */
  lastOffset: number;
}

/** Where a client message was stored: the offsets of its first and last event. */
export interface StoredClientMessage {
  firstOffset: number;
  lastOffset: number;
}

/** A run whose brief is stored and that has no terminal event yet. */
export interface OpenRun {
  session: string;
  runId: string;
}

/** A reduced state saved at an offset, so late joiners need not replay the whole log. */
export interface StoredSnapshot {
  offset: number;
  state: SessionState;
}

/**
 * How many of a session's newest events keep their client message ids recognised as retries,
 * unless a policy says otherwise: a client retrying after that many more events were stored
 * (days of use for a busy session) has its message stored anew.
 */
export const DEFAULT_CLIENT_MESSAGE_WINDOW = 100_000;

/**
 * How many of a session's newest events keep the fences they set (ended runs, cancelled tasks),
 * unless a policy says otherwise. Past that, a late write of such a run or task (content, or a
 * second terminal event) is no longer refused: a writer that outlives this many further events
 * of its session (days of use for a busy session) is not expected.
 */
export const DEFAULT_FENCE_WINDOW = 100_000;

/** Which events `applyRetention` may drop; each limit is optional and both may apply. */
export interface RetentionPolicy {
  /** Keep at most this many events per session (older ones are dropped once a snapshot covers them). */
  maxEvents?: number;
  /** Drop events older than this many milliseconds (once a snapshot covers them). */
  maxAgeMs?: number;
  /**
   * Client message ids are forgotten once more than this many events were stored after the
   * message's last one (default `DEFAULT_CLIENT_MESSAGE_WINDOW`), whether or not its events are
   * still held; until then a retry is answered as a duplicate, even after its events were dropped.
   */
  clientMessageWindow?: number;
  /**
   * Fences (a run ended, a task cancelled) are forgotten once more than this many events were
   * stored after the event that set them (default `DEFAULT_FENCE_WINDOW`); until then the run's
   * or task's late writes are refused with `FencedError`, whether or not the events are still held.
   */
  fenceWindow?: number;
}

/**
 * Called with each batch of records, in offset order, with no gap and no duplicate.
 * Records may be shared with other subscribers and the appender: treat them as read-only.
 */
export type RecordListener = (records: SessionRecord[]) => void;

/** Optional hooks of a subscription. */
export interface SubscribeOptions {
  /**
   * The epoch `after` belongs to (from `head()` or a client's resume request). If the log's epoch
   * differs, or the log is gone, nothing is delivered and `onReset` is called.
   */
  epoch?: string;
  /** Most records per replayed batch (default 500). Live batches hold what one commit stored. */
  batchSize?: number;
  /**
   * Called when the log is deleted or reset (a new epoch) while subscribed; the subscription is
   * closed, since its offsets no longer mean anything. Re-read `head()` and re-snapshot.
   */
  onReset?: () => void;
  /** Called with a listener's exception or a failed read (which is retried); delivery goes on. */
  onError?: (error: unknown) => void;
  /**
   * Called once, when the replay has caught up: every record stored before the subscription's
   * last read has been delivered, and later ones arrive live, with no more reads.
   */
  onLive?: () => void;
}

/** A live subscription returned by `SessionStore.subscribe`. */
export interface Subscription {
  /** Stops delivery; safe to call more than once. */
  close(): void;
}

/**
 * A durable, append-only, totally ordered log per session.
 *
 * Contract (checked by the shared conformance suite in `store-conformance.ts`):
 * - `append` assigns offsets `head + 1, head + 2, ...` atomically and resolves only once the
 *   records are durable; concurrent appends to one session never share or skip an offset.
 * - Content events of a run that has a terminal event stored, or of a task that has
 *   `task.cancelled` stored, are refused with `FencedError` (nothing of that append is stored).
 * - `subscribe(after)` delivers every record with offset > after, first the stored ones and
 *   then live ones, with no gap and no duplicate, in order.
 */
export interface SessionStore {
  append(session: string, events: SessionEvent[], options?: AppendOptions): Promise<AppendResult>;
  /** Records with offset > `after`, oldest first, at most `limit`. */
  read(session: string, after: number, limit?: number): Promise<SessionRecord[]>;
  head(session: string): Promise<SessionHead>;
  /**
   * Where the append carrying `clientMsgId` was stored, if one was (in the current epoch).
   * Lets a server answer a retried client message with its true outcome before deciding
   * anything else about it (a retried cancel of a run that has since ended is still a duplicate).
   */
  findClientMessage(session: string, clientMsgId: string): Promise<StoredClientMessage | undefined>;
  subscribe(session: string, after: number, listener: RecordListener, options?: SubscribeOptions): Subscription;
  /**
   * Every run, in every session, whose `brief.submitted` is stored and that has no terminal
   * event: after a crash these are the runs nobody is running any more. Stores for a single
   * node implement it, so the server can mark them interrupted at start-up without waiting for
   * someone to open their session; with several nodes, run leases find orphans instead.
   */
  openRuns?(): Promise<OpenRun[]>;
  saveSnapshot(session: string, snapshot: StoredSnapshot): Promise<void>;
  /** The newest saved snapshot, if any. */
  loadSnapshot(session: string): Promise<StoredSnapshot | undefined>;
  /**
   * Drops events the policy no longer keeps, never past the newest snapshot, client message ids
   * older than its `clientMessageWindow` and fences older than its `fenceWindow`; returns how
   * many events it dropped.
   */
  applyRetention(session: string, policy: RetentionPolicy): Promise<number>;
  /** The lowest offset still readable (1 when nothing was trimmed). */
  firstOffset(session: string): Promise<number>;
  /** Removes the session; a later append starts a new epoch at offset 1. */
  delete(session: string): Promise<void>;
  close(): Promise<void>;
}

/** Size limits every store applies to an append before anything is stored. */
export interface StoreLimits {
  /** Largest accepted event, as UTF-8 JSON bytes (default 2 MiB: room for the longest `message.completed`). */
  maxEventBytes?: number;
  /** Most events in one append (default 1000). */
  maxEventsPerAppend?: number;
}

/** Thrown by any store method called after `close()`. */
export class StoreClosedError extends Error {
  override readonly name = 'StoreClosedError';
  readonly code = 'internal' as const;
  constructor() {
    super('the session store is closed');
  }
}

/** Thrown by `append` when an event targets a fenced (ended or cancelled) run or task. */
export class FencedError extends Error {
  override readonly name = 'FencedError';
  readonly code = 'conflict' as const;
  constructor(
    readonly runId: string,
    readonly taskId?: string,
  ) {
    super(taskId ? `task ${taskId} of run ${runId} is cancelled` : `run ${runId} has ended`);
  }
}
