import type { ClientFrame } from '../protocol/index.js';
import { OUTBOX, committed, openDatabase, settled } from './_indexed-db.js';

type WriteFrame = Extract<ClientFrame, { type: 'publish' | 'cancel' | 'steer' }>;

interface StoredMessage {
  clientMsgId: string;
  /** Scope and session, so one session's messages are read without the others'. */
  key: string;
  frame: WriteFrame;
  storedAt: number;
}

/** Messages older than this are not sent any more: a brief or a steer a day late is no longer what the person meant. */
const MAX_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * Client messages (briefs, cancels, steers, review decisions) kept in IndexedDB from the moment
 * they are made until the server acknowledges them, so one made offline or just before a reload
 * is sent when the connection returns, by this page or the next one. It goes with the same
 * `clientMsgId` every time, so the server stores it once however often it is sent.
 */
export class DurableOutbox {
  readonly #factory: IDBFactory;
  readonly #scope: string;

  constructor(factory: IDBFactory, scope: string) {
    this.#factory = factory;
    this.#scope = scope;
  }

  /** Stores a message until {@link settle}; resolves once it is on disk. */
  async keep(frame: WriteFrame): Promise<void> {
    const database = await openDatabase(this.#factory);
    const transaction = database.transaction(OUTBOX, 'readwrite');
    const message: StoredMessage = { clientMsgId: frame.clientMsgId, key: this.#key(frame.session), frame, storedAt: Date.now() };
    transaction.objectStore(OUTBOX).put(message);
    await committed(transaction);
  }

  /** Forgets a message the server acknowledged or refused for good. */
  async settle(clientMsgId: string): Promise<void> {
    const database = await openDatabase(this.#factory);
    const transaction = database.transaction(OUTBOX, 'readwrite');
    transaction.objectStore(OUTBOX).delete(clientMsgId);
    await committed(transaction);
  }

  /** The messages of `session` still waiting, oldest first; messages past their age are dropped. */
  async pending(session: string): Promise<WriteFrame[]> {
    const database = await openDatabase(this.#factory);
    const transaction = database.transaction(OUTBOX, 'readwrite');
    const store = transaction.objectStore(OUTBOX);
    const messages = await settled(store.index('key').getAll(this.#key(session)) as IDBRequest<StoredMessage[]>);
    const oldest = Date.now() - MAX_AGE_MS;
    for (const message of messages) if (message.storedAt < oldest) store.delete(message.clientMsgId);
    await committed(transaction);
    return messages
      .filter((message) => message.storedAt >= oldest)
      .sort((a, b) => a.storedAt - b.storedAt)
      .map((message) => message.frame);
  }

  #key(session: string): string {
    return `${this.#scope}\n${session}`;
  }
}
