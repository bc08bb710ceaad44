import type { ServerFrame } from '@marketing-team/core';
import type { AblyChannelStateChange, AblyInboundMessage, AblyRealtimeChannel } from './ably-client-types.js';
import type { AcceptClientMessage, InboundChannelKind } from './accept-client-message.js';
import { handleInboundMessage } from './_inbound-messages.js';

/** Settings of one inbound (input or control) channel listener. */
export interface InboundListenerOptions {
  session: string;
  kind: InboundChannelKind;
  channel: AblyRealtimeChannel;
  accept: AcceptClientMessage;
  reply: (frame: ServerFrame) => void;
  onError: (error: unknown) => void;
  /** How far back (ms) a catch-up after lost continuity reads history. */
  catchUpWindowMs: number;
}

const MAX_REMEMBERED_IDS = 10_000;
const MAX_CATCH_UP_PAGES = 10;

/**
 * Receives client messages on one inbound channel and stores them one at a time, in arrival order.
 * When the channel (re)attaches without continuity (`resumed: false`, see
 * https://ably.com/docs/pub-sub/guides/handling-discontinuity), messages published meanwhile were
 * not delivered, so it reads them back with `history({ untilAttach: true })`; storing is
 * idempotent by `clientMsgId`, so overlap with live delivery stores nothing twice.
 */
export class InboundListener {
  readonly #options: InboundListenerOptions;
  readonly #seen = new Set<string>();
  #queue: Promise<void> = Promise.resolve();
  #closed = false;
  readonly #onMessage = (message: AblyInboundMessage): void => this.#enqueue([message]);
  readonly #onState = (change: AblyChannelStateChange): void => {
    if (!change.resumed) void this.#catchUp();
  };

  constructor(options: InboundListenerOptions) {
    this.#options = options;
  }

  /** Registers the state listeners first (so the first `attached` is seen), then subscribes. */
  async start(): Promise<void> {
    const { channel } = this.#options;
    channel.on('attached', this.#onState);
    channel.on('update', this.#onState);
    await channel.subscribe(this.#onMessage);
  }

  /** Resolves once every message received so far has been handled. */
  idle(): Promise<void> {
    return this.#queue;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const { channel } = this.#options;
    channel.unsubscribe(this.#onMessage);
    channel.off('attached', this.#onState);
    channel.off('update', this.#onState);
    await this.#queue;
    await channel.detach().catch(() => undefined);
  }

  #enqueue(messages: AblyInboundMessage[]): void {
    this.#queue = this.#queue.then(async () => {
      for (const message of messages) {
        if (this.#closed) return;
        if (message.id !== undefined) {
          if (this.#seen.has(message.id)) continue;
          this.#remember(message.id);
        }
        const { session, kind, accept, reply, onError } = this.#options;
        reply(await handleInboundMessage(session, kind, message, accept, onError));
      }
    });
  }

  #remember(id: string): void {
    this.#seen.add(id);
    if (this.#seen.size > MAX_REMEMBERED_IDS) {
      const oldest = this.#seen.values().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
  }

  async #catchUp(): Promise<void> {
    const { channel, catchUpWindowMs, onError } = this.#options;
    const since = Date.now() - catchUpWindowMs;
    const missed: AblyInboundMessage[] = [];
    try {
      let page = await channel.history({ untilAttach: true, direction: 'backwards', limit: 100 });
      for (let pages = 1; ; pages += 1) {
        let reachedKnown = false;
        for (const message of page.items) {
          if ((message.id !== undefined && this.#seen.has(message.id)) || (message.timestamp ?? 0) < since) {
            reachedKnown = true;
            break;
          }
          missed.push(message);
        }
        if (reachedKnown || !page.hasNext() || pages >= MAX_CATCH_UP_PAGES) break;
        const next = await page.next();
        if (!next) break;
        page = next;
      }
    } catch (error) {
      onError(error);
    }
    this.#enqueue(missed.reverse());
  }
}
