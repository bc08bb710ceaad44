import {
  PROTOCOL_VERSION,
  ServerFrameSchema,
  applyRecords,
  createSessionState,
  findMessage,
  matchesTextDigest,
  type ClientFrame,
  type ServerFrame,
  type ServerFrameOf,
  type SessionRecord,
  type SessionState,
  type SessionViewer,
  type WebSocketConstructor,
  type WebSocketLike,
} from '@marketing-team/core';

/** Where the conformance client connects: a URL and the socket-shaped transport that reaches it. */
export interface ConformanceTransport {
  url: string;
  WebSocket: WebSocketConstructor;
}

/** What one client holds of one session, built only from the frames it received. */
export interface ConformanceView {
  readonly session: string;
  token: string;
  state: SessionState;
  epoch: string | undefined;
  /** Every record applied, in the order applied (a snapshot replaces the ones before it). */
  readonly records: SessionRecord[];
  /** Offsets of the snapshots received. */
  readonly snapshots: number[];
  /** Who watches, as the presence frames told it (user and device, with the attention it reported). */
  readonly viewers: Map<string, SessionViewer>;
  presenceFrames: number;
  /**
   * The digests of live `events` frames (protocol section 3.10), each checked against the text
   * the client held once it applied the frame (`matched`).
   */
  readonly digests: Array<{ messageId: string; length: number; matched: boolean }>;
  subscribed: boolean;
}

type WriteFrame = Extract<ClientFrame, { type: 'publish' | 'cancel' | 'steer' }>;
/** What a device says of itself besides the log: how it is used, how sessions reach it. */
type SignalFrame = Extract<ClientFrame, { type: 'attention' | 'telemetry' }>;
type Answer = ServerFrameOf<'ack'> | ServerFrameOf<'error'>;

const OPEN = 1;

/** Polls `check` until it holds, failing with `what` after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A protocol-level client for the session conformance suite: it speaks the frames of protocol
 * section 3 over any socket-shaped transport, applies what it receives with core's reducer, and
 * records every departure from the protocol (an offset out of order, a frame the schema refuses,
 * an unrequested error) in `problems` instead of repairing it, so the suite can fail on it.
 */
export class ConformanceClient {
  readonly sessions = new Map<string, ConformanceView>();
  readonly problems: string[] = [];
  /** Connections opened so far (one per connect or reconnect). */
  connections = 0;
  #socket: WebSocketLike | undefined;
  readonly #answers = new Map<string, (frame: Answer) => void>();
  #welcomed = false;

  private constructor(
    readonly transport: ConformanceTransport,
    readonly clientId: string,
  ) {}

  /** Opens a connection and completes the handshake. */
  static async connect(transport: ConformanceTransport, clientId: string): Promise<ConformanceClient> {
    const client = new ConformanceClient(transport, clientId);
    await client.#open();
    return client;
  }

  /** The view of `session`; throws if the client never subscribed to it. */
  view(session: string): ConformanceView {
    const view = this.sessions.get(session);
    if (!view) throw new Error(`not subscribed to ${session}`);
    return view;
  }

  /**
   * Subscribes; `from` resumes after an offset (`held` is what the client holds there, as a
   * client that applied the log up to it would), its absence asks for a snapshot.
   */
  async subscribe(session: string, token: string, from?: number, held?: { state: SessionState; epoch: string }): Promise<ConformanceView> {
    const view: ConformanceView = {
      session,
      token,
      state: held?.state ?? createSessionState(),
      epoch: held?.epoch,
      records: [],
      snapshots: [],
      viewers: new Map(),
      presenceFrames: 0,
      digests: [],
      subscribed: false,
    };
    this.sessions.set(session, view);
    this.#send({ type: 'subscribe', session, token, ...(from !== undefined ? { from } : {}), ...(held ? { epoch: held.epoch } : {}) });
    await until(() => view.subscribed, `the subscription to ${session}`);
    return view;
  }

  /** Stops following `session`; its view stays as it was. */
  unsubscribe(session: string): void {
    const view = this.sessions.get(session);
    if (view) view.subscribed = false;
    this.#send({ type: 'unsubscribe', session });
  }

  /** Sends a client message and resolves with its answer (`ack` or `error`). */
  write(frame: WriteFrame): Promise<Answer> {
    const answer = new Promise<Answer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${frame.clientMsgId}`)), 30_000);
      this.#answers.set(frame.clientMsgId, (received) => {
        clearTimeout(timer);
        resolve(received);
      });
    });
    this.#send(frame);
    return answer;
  }

  /** Sends an `attention` or `telemetry` frame; neither is answered. */
  signal(frame: SignalFrame): void {
    this.#send(frame);
  }

  /** Loses the connection the way a network does: no goodbye, nothing more is read from it. */
  drop(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    if (!socket) return;
    socket.onmessage = null;
    socket.onclose = null;
    socket.onerror = null;
    socket.close();
  }

  /** Connects again and resumes every session from the offset and epoch it holds. */
  async reconnect(): Promise<void> {
    await this.#open();
    for (const view of this.sessions.values()) {
      if (!view.subscribed) continue;
      view.subscribed = false;
      const from = view.state.offset;
      this.#send({ type: 'subscribe', session: view.session, token: view.token, from, ...(view.epoch ? { epoch: view.epoch } : {}) });
      await until(() => view.subscribed, `the resubscription to ${view.session}`);
    }
  }

  close(): void {
    this.drop();
  }

  async #open(): Promise<void> {
    this.drop();
    this.#welcomed = false;
    const socket = new this.transport.WebSocket(this.transport.url);
    this.#socket = socket;
    this.connections += 1;
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new Error('the connection failed to open'));
      socket.onclose = ({ code, reason }) => reject(new Error(`the connection closed while opening (${code} ${reason})`));
    });
    socket.onerror = () => undefined;
    socket.onclose = ({ code }) => {
      if (this.#socket === socket) this.problems.push(`the connection closed unasked (${code})`);
    };
    socket.onmessage = ({ data }) => this.#receive(String(data));
    this.#send({ type: 'hello', protocol: PROTOCOL_VERSION, clientId: this.clientId });
    await until(() => this.#welcomed, 'welcome');
  }

  #send(frame: ClientFrame): void {
    if (this.#socket?.readyState !== OPEN) throw new Error('the connection is not open');
    this.#socket.send(JSON.stringify(frame));
  }

  #receive(text: string): void {
    const parsed = ServerFrameSchema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      this.problems.push(`a frame the schema refuses: ${text.slice(0, 200)}`);
      return;
    }
    const frame: ServerFrame = parsed.data;
    switch (frame.type) {
      case 'welcome':
        this.#welcomed = true;
        return;
      case 'subscribed': {
        const view = this.sessions.get(frame.session);
        if (!view) return void this.problems.push(`subscribed to ${frame.session}, never asked`);
        view.epoch = frame.epoch;
        view.subscribed = true;
        return;
      }
      case 'snapshot': {
        const view = this.sessions.get(frame.session);
        if (!view) return;
        view.state = frame.state;
        view.epoch = frame.epoch;
        view.snapshots.push(frame.offset);
        view.records.length = 0;
        return;
      }
      case 'events': {
        const view = this.sessions.get(frame.session);
        if (!view) return;
        for (const record of frame.batch) {
          if (record.offset !== view.state.offset + 1) {
            this.problems.push(`${frame.session}: offset ${record.offset} after ${view.state.offset}`);
            if (record.offset <= view.state.offset) continue;
          }
          view.records.push(record);
          view.state = applyRecords(view.state, [record]);
        }
        for (const digest of frame.digests ?? []) {
          const text = findMessage(view.state, digest.messageId)?.text ?? '';
          view.digests.push({ messageId: digest.messageId, length: digest.length, matched: matchesTextDigest(text, digest) });
        }
        return;
      }
      case 'presence':
      case 'presence.changed': {
        const view = this.sessions.get(frame.session);
        if (!view) return;
        view.presenceFrames += 1;
        if (frame.type === 'presence') view.viewers.clear();
        else for (const left of frame.left) view.viewers.delete(`${left.userId}\n${left.clientId}`);
        for (const viewer of frame.type === 'presence' ? frame.viewers : frame.joined) {
          view.viewers.set(`${viewer.userId}\n${viewer.clientId}`, viewer);
        }
        return;
      }
      case 'ack':
      case 'error': {
        const id = frame.clientMsgId;
        const waiter = id === undefined ? undefined : this.#answers.get(id);
        if (waiter && id !== undefined) {
          this.#answers.delete(id);
          waiter(frame);
        } else {
          this.problems.push(`an answer nobody asked for: ${JSON.stringify(frame).slice(0, 200)}`);
        }
        return;
      }
      case 'pong':
        return;
    }
  }
}
