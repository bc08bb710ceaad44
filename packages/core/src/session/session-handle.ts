import type { AnsweredOn, CampaignBriefInput, Capability, ClientFrame, RunScope, ServerFrameOf, SessionState } from '../protocol/index.js';
import { createId } from '../protocol/_ids.js';
import { ProtocolError, protocolErrorFromZod } from '../protocol/errors.js';
import { SessionClientError } from './client-errors.js';
import { variantChosenEvent } from './deliverable-variants.js';
import type { MessageAck } from './_outbox.js';
import type { SessionEntry } from './_session-entry.js';
import { withWireSchemas } from './_wire.js';

export type { MessageAck } from './_outbox.js';

/** One device watching a session. */
export type SessionViewer = ServerFrameOf<'presence'>['viewers'][number];

type WriteFrame = Extract<ClientFrame, { type: 'publish' | 'cancel' | 'steer' }>;

/** What a handle needs from its client. */
export interface SessionHandleHost {
  write(entry: SessionEntry, frame: WriteFrame): Promise<MessageAck>;
  release(entry: SessionEntry): void;
  pending(entry: SessionEntry): readonly PendingMessage[];
  /** The device decisions are made on, for `answeredOn`; absent, decisions do not say. */
  answeredOn?(): AnsweredOn;
}

/** A brief, cancel, steer or review decision sent (or waiting to be sent) and not yet acknowledged. */
export type PendingMessage = Extract<ClientFrame, { type: 'publish' | 'cancel' | 'steer' }>;

/** Options of {@link SessionHandle.steer}. */
export interface SteerOptions {
  /** One task or one agent; absent steers the whole run. */
  scope?: RunScope;
  /** `next-turn` (default) applies at the next generation; `restart` restarts the current one. */
  mode?: 'next-turn' | 'restart';
}

/** What {@link SessionHandle.submitBrief} resolves with. */
export interface SubmittedBrief {
  /** The run id minted for the brief. */
  runId: string;
  /** Offset of the stored `brief.submitted` event. */
  offset: number;
}

/**
 * One subscriber's view of a session: its reduced state and the actions a person can take.
 * `getState` and `subscribe` are bound, so they can be handed straight to React's
 * `useSyncExternalStore` or called from a Lit `ReactiveController`; the state object changes
 * identity only when an event was applied.
 */
export class SessionHandle {
  readonly #entry: SessionEntry;
  readonly #host: SessionHandleHost;
  #released = false;

  constructor(entry: SessionEntry, host: SessionHandleHost) {
    this.#entry = entry;
    this.#host = host;
  }

  /** The session id. */
  get id(): string {
    return this.#entry.id;
  }

  /** The reduced state; the same object until the next applied batch. */
  readonly getState = (): SessionState => this.#entry.state;

  /** Calls `listener` after each applied batch (and when capabilities or errors change); returns the unsubscribe function. */
  readonly subscribe = (listener: () => void): (() => void) => {
    if (typeof listener !== 'function') {
      throw new SessionClientError('invalid_argument', 'listener: expected a function', { field: 'listener', session: this.id });
    }
    return this.#entry.subscribe(listener);
  };

  /** What the token allows, from the last `subscribed` frame. */
  get capabilities(): readonly Capability[] {
    return this.#entry.capabilities;
  }

  /** Epoch of the log the state belongs to; undefined before the first `subscribed`. */
  get epoch(): string | undefined {
    return this.#entry.epoch;
  }

  /** Offset of the last applied event. */
  get offset(): number {
    return this.#entry.state.offset;
  }

  /**
   * The log offset that was history when this client first subscribed (the server's head then);
   * undefined until the server has answered. Events at or below it were there before the page
   * looked; once `offset` reaches it the state has caught up and what follows happens live.
   */
  get historyHead(): number | undefined {
    return this.#entry.historyHead;
  }

  /**
   * The state exactly at `historyHead`: what the page found rather than saw happen. Undefined
   * until the client got there; compare later states with it to tell news from history.
   */
  get historyState(): SessionState | undefined {
    return this.#entry.historyState;
  }

  /** True once the state holds all the history found at subscribe, so later changes are news. */
  get caughtUp(): boolean {
    const head = this.#entry.historyHead;
    return head !== undefined && this.#entry.state.offset >= head;
  }

  /** Devices watching this session, from the server's last `presence` frame. */
  get viewers(): readonly SessionViewer[] {
    return this.#entry.viewers;
  }

  /**
   * Messages of this session not yet acknowledged by the server, oldest first: made offline,
   * in flight, or kept from before a reload (with the client's `cache` option). Listeners are
   * called when it changes, so a page can show them as pending.
   */
  get pending(): readonly PendingMessage[] {
    return this.#host.pending(this.#entry);
  }

  /** Why the subscription was refused, if it was (cleared by the next successful subscribe). */
  get error(): SessionClientError | undefined {
    return this.#entry.error;
  }

  /** True once {@link release} was called on this handle. */
  get released(): boolean {
    return this.#released;
  }

  /**
   * Publishes an input event (`brief.submitted`, `card.*`, `review.*`, ...). The server fills in
   * `by` from the token. Resolves with the stored offset once the server acknowledges it.
   */
  publish(event: Record<string, unknown>): Promise<MessageAck> {
    return withWireSchemas((wire) => {
      let parsed: Record<string, unknown>;
      try {
        // `by` is a placeholder for validation; the server sets it from the token.
        parsed = { ...wire.parseClientEvent(event, { kind: 'system' }) };
      } catch (error) {
        throw toArgumentError(error, this.id);
      }
      delete parsed.by;
      return this.#write((clientMsgId) => ({ type: 'publish', session: this.id, clientMsgId, event: parsed }));
    });
  }

  /** Submits a campaign brief as a new run; resolves with the minted run id and the stored offset. */
  async submitBrief(brief: CampaignBriefInput): Promise<SubmittedBrief> {
    const runId = createId('run');
    const ack = await this.publish({ type: 'brief.submitted', runId, brief });
    return { runId, offset: ack.offset };
  }

  /**
   * Continues a run that ended badly (interrupted, failed or cancelled) as a new run of the same
   * brief: the tasks it completed are taken over as they are and only the rest runs again.
   */
  continueRun(runId: string): Promise<SubmittedBrief> {
    return this.#rerun(runId, {});
  }

  /**
   * Writes one deliverable of an ended run again, with an instruction ("shorter, and name the
   * price"), as a new run of the same brief: every other finished deliverable is taken over as
   * it is, only that task runs.
   */
  regenerate(runId: string, taskId: string, instruction: string): Promise<SubmittedBrief> {
    return this.#rerun(runId, { regenerate: { taskId, instruction } });
  }

  /**
   * Writes 2 or 3 variants of one social post or ad deliverable of an ended run, each from a
   * different angle, with an optional instruction ("mention the free trial"), as a new run that
   * writes only those variants. The deliverable stays as it is until one is chosen (`chooseVariant`).
   */
  requestVariants(runId: string, taskId: string, count: 2 | 3, instruction?: string): Promise<SubmittedBrief> {
    return this.#rerun(runId, { variants: { taskId, count, ...(instruction?.trim() ? { instruction: instruction.trim() } : {}) } });
  }


  /** Uses one variant: its content becomes the deliverable's current version on every device (needs `write`). */
  chooseVariant(deliverableId: string, variantId: string): Promise<MessageAck> {
    try {
      return this.publish(variantChosenEvent(this.getState(), deliverableId, variantId));
    } catch (error) {
      return Promise.reject(error instanceof SessionClientError ? error : toArgumentError(error, this.id));
    }
  }

  /** Asks the server to cancel a run, or one task or agent of it. Cancelling an ended run is acknowledged and does nothing. */
  cancel(runId: string, scope?: RunScope, reason?: string): Promise<MessageAck> {
    return this.#write((clientMsgId) => ({
      type: 'cancel',
      session: this.id,
      clientMsgId,
      runId,
      ...(scope !== undefined ? { scope } : {}),
      ...(reason !== undefined ? { reason } : {}),
    }));
  }

  /** Sends guidance to a running run (or one task or agent of it). */
  steer(runId: string, instruction: string, options: SteerOptions = {}): Promise<MessageAck> {
    return this.#write((clientMsgId) => ({
      type: 'steer',
      session: this.id,
      clientMsgId,
      runId,
      instruction,
      ...(options.scope !== undefined ? { scope: options.scope } : {}),
      ...(options.mode !== undefined ? { mode: options.mode } : {}),
    }));
  }

  /** Approves a task waiting in review; the decision names this device (`answeredOn`), so the person's other devices can say where it was made. */
  approve(runId: string, taskId: string, comment?: string): Promise<MessageAck> {
    return this.publish({ type: 'review.approved', runId, taskId, ...(comment !== undefined ? { comment } : {}), ...this.#answeredOn() });
  }

  /** Sends a task in review back to its agent with a comment (naming this device, as `approve` does). */
  requestChanges(runId: string, taskId: string, comment: string): Promise<MessageAck> {
    return this.publish({ type: 'review.changes_requested', runId, taskId, comment, ...this.#answeredOn() });
  }

  #answeredOn(): { answeredOn?: AnsweredOn } {
    const answeredOn = this.#host.answeredOn?.();
    return answeredOn ? { answeredOn } : {};
  }

  /** Drops this handle; the client unsubscribes when the last handle on the session is released. Idempotent. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#host.release(this.#entry);
  }

  /** A new run of the brief of `runId`, continuing it (with `extra` saying what to do again). */
  async #rerun(runId: string, extra: Record<string, unknown>): Promise<SubmittedBrief> {
    const run = Object.hasOwn(this.getState().runs, runId) ? this.getState().runs[runId] : undefined;
    if (!run?.brief) throw new SessionClientError('invalid_argument', `runId: no run ${runId} with a brief in this session`, { field: 'runId', session: this.id });
    const next = createId('run');
    const ack = await this.publish({ type: 'brief.submitted', runId: next, brief: run.brief, continues: runId, ...extra });
    return { runId: next, offset: ack.offset };
  }

  #write(build: (clientMsgId: string) => unknown): Promise<MessageAck> {
    if (this.#released) {
      return Promise.reject(new SessionClientError('released', 'this session handle was released', { session: this.id }));
    }
    return withWireSchemas((wire) => {
      const parsed = wire.ClientFrameSchema.safeParse(build(createId('msg')));
      if (!parsed.success) throw toArgumentError(protocolErrorFromZod(parsed.error), this.id);
      return this.#host.write(this.#entry, parsed.data as WriteFrame);
    });
  }
}

function toArgumentError(error: unknown, session: string): SessionClientError {
  if (error instanceof ProtocolError) {
    return new SessionClientError('invalid_argument', error.message, {
      session,
      ...(error.field !== undefined ? { field: error.field } : {}),
    });
  }
  return new SessionClientError('invalid_argument', error instanceof Error ? error.message : String(error), { session });
}
