import type { ClientFrame, ServerFrameOf } from '../protocol/index.js';
import { SessionClientError } from './client-errors.js';

/** What the server answered for a stored client message. */
export interface MessageAck {
  /** The id the message was sent (and, if need be, re-sent) with. */
  clientMsgId: string;
  offset: number;
  /** True when the server had already stored this message (a retry). */
  duplicate: boolean;
}

type WriteFrame = Extract<ClientFrame, { type: 'publish' | 'cancel' | 'steer' }>;

interface Pending {
  frame: WriteFrame;
  /** Connection generation the frame was last sent on; re-sent once on each new connection. */
  sentOn: number | undefined;
  resolve(ack: MessageAck): void;
  reject(error: SessionClientError): void;
}

/**
 * Client messages waiting for their `ack`, in the order they were made. A message is sent once
 * per connection (after its session is subscribed) with the same `clientMsgId` every time, so
 * the server stores it once, and it settles exactly once.
 */
export class Outbox {
  readonly #pending = new Map<string, Pending>();

  get size(): number {
    return this.#pending.size;
  }

  add(frame: WriteFrame): Promise<MessageAck> {
    return new Promise<MessageAck>((resolve, reject) => {
      this.#pending.set(frame.clientMsgId, { frame, sentOn: undefined, resolve, reject });
    });
  }

  /** Adds a message kept from an earlier page (the durable outbox); nobody waits for its answer here. */
  restore(frame: WriteFrame): void {
    if (!this.#pending.has(frame.clientMsgId)) this.add(frame).catch(() => undefined);
  }

  /** The messages of `session` waiting for their acknowledgement, oldest first. */
  of(session: string): WriteFrame[] {
    return [...this.#pending.values()].flatMap((pending) => (pending.frame.session === session ? [pending.frame] : []));
  }

  /** Sends every message of `session` not yet sent on connection `generation`. */
  flush(session: string, generation: number, send: (frame: WriteFrame) => void): void {
    for (const pending of this.#pending.values()) {
      if (pending.frame.session !== session || pending.sentOn === generation) continue;
      pending.sentOn = generation;
      send(pending.frame);
    }
  }

  /** Settles the message an `ack` names; later acks for it are ignored. Returns false when none was pending. */
  acknowledge(frame: ServerFrameOf<'ack'>): boolean {
    const pending = this.#pending.get(frame.clientMsgId);
    if (!pending || pending.frame.session !== frame.session) return false;
    this.#pending.delete(frame.clientMsgId);
    pending.resolve({ clientMsgId: frame.clientMsgId, offset: frame.offset, duplicate: frame.duplicate });
    return true;
  }

  /** Rejects one message. Returns false when none was pending. */
  fail(clientMsgId: string, error: SessionClientError): boolean {
    const pending = this.#pending.get(clientMsgId);
    if (!pending) return false;
    this.#pending.delete(clientMsgId);
    pending.reject(error);
    return true;
  }

  /** Rejects every message of `session`, or of every session when `session` is undefined. */
  failAll(session: string | undefined, error: (clientMsgId: string) => SessionClientError): void {
    for (const [clientMsgId, pending] of [...this.#pending]) {
      if (session === undefined || pending.frame.session === session) this.fail(clientMsgId, error(clientMsgId));
    }
  }
}
