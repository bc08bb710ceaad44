import { createParser } from 'eventsource-parser';
// The zod-free protocol modules, not its index: a chunk loaded later shares no schemas with the page's.
import { createId } from '../protocol/_ids.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../protocol/frame-size.js';
import type { ClientFrame } from '../protocol/index.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import type { FetchLike, SseSocketOptions } from './sse-socket.js';
import { WEBSOCKET_OPEN, type WebSocketLike } from './websocket-like.js';

interface Stream {
  readonly abort: AbortController;
  /** Offset of the last record (or snapshot) this stream delivered: where a reopened stream resumes. */
  lastId: number | undefined;
  epoch: string | undefined;
  /** When the stream last delivered a byte (records, frames or heartbeat comments). */
  lastByteAt: number;
  /** Whether the server answered `subscribed`: the device is known to it from then on. */
  subscribed: boolean;
}

const CONNECTING = 0;
const CLOSED = 3;
/** The code a dropped WebSocket reports; the client reconnects after it. */
const ABNORMAL_CLOSE = 1006;
/** Answers that say "try again later" rather than "no". */
const RETRYABLE_STATUS = new Set([408, 425, 502, 503, 504]);
/** Error codes for refusals whose body is not an `error` frame (a host's own 404 page, say). */
const STATUS_CODES: Record<number, string> = { 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 429: 'rate_limited' };

/** The SSE + POST fallback itself: see {@link SseSocket}, which loads this module on first use. */
export class SseTransport implements WebSocketLike {
  readyState: number = CONNECTING;
  onopen: WebSocketLike['onopen'] = null;
  onmessage: WebSocketLike['onmessage'] = null;
  onclose: WebSocketLike['onclose'] = null;
  onerror: WebSocketLike['onerror'] = null;

  readonly #base: string;
  readonly #fetch: FetchLike;
  readonly #heartbeatMs: number;
  /** Aborts the health probe and every POST when the socket closes. */
  readonly #abort = new AbortController();
  readonly #streams = new Map<string, Stream>();
  readonly #tokens = new Map<string, string>();
  /** The tail of each session's POST queue. */
  readonly #posts = new Map<string, Promise<void>>();
  #clientId: string | undefined;
  /** The page's latest `attention` frame, and whether the server has it since the streams (re)opened. */
  #attention: { data: string; sent: boolean } | undefined;
  /** A `telemetry` report sent before any stream was answered: it goes with the first one. */
  #telemetry: string | undefined;

  /** Starts opening: `url` is the base of the HTTP routes (`https://host/mt`). */
  constructor(url: string, options: SseSocketOptions = {}) {
    this.#base = url.replace(/\/+$/, '');
    const fetchImpl = options.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
    if (!fetchImpl) throw new Error('no global fetch here; pass one');
    // Called unbound: a browser's fetch throws when called as a method of another object.
    this.#fetch = (input, init) => fetchImpl(input, init);
    this.#heartbeatMs = options.heartbeatMs ?? 15_000;
    void this.#open();
  }

  /** Takes one client frame as JSON text, as `WebSocket.send` does. */
  send(data: string): void {
    if (this.readyState !== WEBSOCKET_OPEN) throw new Error('the SSE connection is not open');
    // The client sends only frames it built itself, so they are parsed, not validated.
    const frame = JSON.parse(data) as ClientFrame;
    switch (frame.type) {
      case 'hello':
        this.#clientId = frame.clientId;
        return this.#reply({
          type: 'welcome',
          protocol: PROTOCOL_VERSION,
          connectionId: createId('sse'),
          heartbeatMs: this.#heartbeatMs,
          maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
        });
      case 'subscribe':
        this.#tokens.set(frame.session, frame.token);
        return void this.#stream(frame.session, frame.from, frame.epoch);
      case 'unsubscribe':
        this.#tokens.delete(frame.session);
        this.#streams.get(frame.session)?.abort.abort();
        this.#streams.delete(frame.session);
        return;
      case 'refresh': {
        // The server takes a stream's token once, when the stream opens: resume on a new one.
        this.#tokens.set(frame.session, frame.token);
        const stream = this.#streams.get(frame.session);
        if (stream) void this.#stream(frame.session, stream.lastId, stream.epoch);
        return;
      }
      case 'ping': {
        const silent = [...this.#streams.values()].some((stream) => Date.now() - stream.lastByteAt > 2 * this.#heartbeatMs);
        // A half-open connection delivers nothing, not even heartbeat comments: treat it as dropped.
        if (silent) return queueMicrotask(() => this.#fail('an event stream sent nothing for two heartbeats'));
        return this.#reply({ type: 'pong', ...(frame.t !== undefined ? { t: frame.t } : {}) });
      }
      case 'publish':
      case 'cancel':
      case 'steer':
        return this.#post(frame.session, data);
      case 'attention':
        this.#attention = { data, sent: false };
        return this.#sendSignals();
      case 'telemetry':
        // The server knows a device by its open streams: the report goes with any of them, once.
        this.#telemetry = data;
        return this.#sendSignals();
    }
  }

  /** Ends every stream and request; never cancels anything on the server. */
  close(code = 1000, reason = ''): void {
    if (this.readyState === CLOSED) return;
    this.#shutDown();
    setTimeout(() => this.onclose?.({ code, reason }), 0);
  }

  async #open(): Promise<void> {
    try {
      const response = await this.#fetch(`${this.#base}/health`, { signal: this.#abort.signal, cache: 'no-store' });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`health answered ${response.status}`);
    } catch {
      return this.#fail('the server did not answer');
    }
    if (this.readyState !== CONNECTING) return;
    this.readyState = WEBSOCKET_OPEN;
    this.onopen?.({});
  }

  async #stream(session: string, from: number | undefined, epoch: string | undefined): Promise<void> {
    this.#streams.get(session)?.abort.abort();
    const stream: Stream = { abort: new AbortController(), lastId: from, epoch, lastByteAt: Date.now(), subscribed: false };
    this.#streams.set(session, stream);
    const current = () => this.readyState === WEBSOCKET_OPEN && this.#streams.get(session) === stream;
    const query = new URLSearchParams();
    if (this.#clientId !== undefined) query.set('clientId', this.#clientId);
    if (epoch !== undefined) query.set('epoch', epoch);
    const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${this.#tokens.get(session) ?? ''}` };
    if (from !== undefined) headers['last-event-id'] = String(from);
    let response: Response;
    try {
      response = await this.#fetch(`${this.#base}/sessions/${encodeURIComponent(session)}/events?${query}`, {
        headers,
        signal: stream.abort.signal,
        cache: 'no-store',
      });
    } catch {
      if (current()) this.#fail('the event stream could not be opened');
      return;
    }
    if (!current()) return void response.body?.cancel().catch(ignore);
    if (!response.ok || !response.body) {
      this.#streams.delete(session);
      return this.#refused(response, session);
    }

    let records: string[] = [];
    /** The last record passed on: a `digests` event arriving after its records went out rides on it again. */
    let lastRecord: string | undefined;
    let errored = false;
    const deliver = (digests?: string) => {
      if (records.length === 0) {
        if (digests === undefined || lastRecord === undefined) return;
        // The client skips a record it holds, then checks the digests as of it (protocol section 3.10).
        records.push(lastRecord);
      }
      lastRecord = records[records.length - 1];
      // Records are passed on as the server wrote them; the client validates the frame.
      this.#emit(`{"type":"events","session":${JSON.stringify(session)},"epoch":${JSON.stringify(stream.epoch ?? '')},"batch":[${records.join(',')}]${digests !== undefined ? `,"digests":${digests}` : ''}}`);
      records = [];
    };
    const parser = createParser({
      onEvent: (event) => {
        if (!current()) return;
        const offset = event.id !== undefined && event.id !== '' ? Number(event.id) : undefined;
        if (event.event === undefined) {
          // A plain message is one record; those of one chunk go out as one `events` frame.
          records.push(event.data);
          if (offset !== undefined) stream.lastId = offset;
          return;
        }
        // The server's digests of the records just before them: the same `events` frame a WebSocket gets.
        if (event.event === 'digests') return deliver(event.data);
        deliver();
        if (event.event === 'subscribed') stream.epoch = epochOf(event.data) ?? stream.epoch;
        if (event.event === 'snapshot' && offset !== undefined) stream.lastId = offset;
        if (event.event === 'error') errored = true;
        this.#emit(event.data);
        if (event.event === 'subscribed') {
          stream.subscribed = true;
          this.#sendSignals();
        }
      },
    });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || !current()) break;
        stream.lastByteAt = Date.now();
        parser.feed(decoder.decode(value, { stream: true }));
        deliver();
      }
    } catch {
      // Aborted, or the connection broke: told apart below.
    }
    if (!current()) return void reader.cancel().catch(ignore);
    this.#streams.delete(session);
    // After an `error` event the server ended the stream on purpose; the client decides what next.
    if (!errored) this.#fail('the event stream ended');
  }

  /** A refused stream: its `error` frame, or one made from the status; a server in trouble drops the socket. */
  async #refused(response: Response, session: string): Promise<void> {
    const text = await response.text().catch(() => '');
    if (!this.#isOpen()) return;
    const frame = frameOf(text);
    if (frame?.type === 'error') return this.#emit(JSON.stringify({ ...frame, session }));
    const code = STATUS_CODES[response.status];
    if (code === undefined || RETRYABLE_STATUS.has(response.status)) return this.#fail(`the event stream was refused with HTTP ${response.status}`);
    this.#emit(JSON.stringify({ type: 'error', code, message: `the event stream was refused with HTTP ${response.status}`, session }));
  }

  /** A session whose stream the server answered, to post a device's frames with; undefined while none is. */
  #subscribedSession(): string | undefined {
    for (const [session, stream] of this.#streams) if (stream.subscribed && this.#tokens.has(session)) return session;
    return undefined;
  }

  /**
   * Posts the page's attention and a waiting telemetry report once a stream is open (the server
   * knows the device by its streams, and forgets its attention with the last one).
   */
  #sendSignals(): void {
    const session = this.#subscribedSession();
    if (session === undefined) return;
    const attention = this.#attention;
    if (attention && !attention.sent) {
      attention.sent = true;
      this.#post(session, attention.data, true);
    }
    if (this.#telemetry !== undefined) {
      this.#post(session, this.#telemetry, true);
      this.#telemetry = undefined;
    }
  }

  /** Queues a POST behind the session's others; a `signal` (attention, telemetry) has no answer the client waits for. */
  #post(session: string, body: string, signal = false): void {
    // `#postNow` settles every outcome itself; the catch only keeps a throwing handler from stalling the queue.
    const next = (this.#posts.get(session) ?? Promise.resolve()).then(() => (signal ? this.#postSignal(session, body) : this.#postNow(session, body))).catch(ignore);
    this.#posts.set(session, next);
    void next.finally(() => {
      if (this.#posts.get(session) === next) this.#posts.delete(session);
    });
  }

  /**
   * Posts an `attention` or `telemetry` frame with this client's id. Nothing waits for its
   * answer, as over a WebSocket; a lost one is not worth dropping the connection for (the
   * attention is said again after the next handshake, telemetry samples are best effort).
   */
  async #postSignal(session: string, body: string): Promise<void> {
    if (!this.#isOpen()) return;
    const query = this.#clientId !== undefined ? `?${new URLSearchParams({ clientId: this.#clientId })}` : '';
    try {
      const response = await this.#fetch(`${this.#base}/sessions/${encodeURIComponent(session)}/messages${query}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.#tokens.get(session) ?? ''}`, 'content-type': 'application/json' },
        body,
        signal: this.#abort.signal,
        cache: 'no-store',
      });
      await response.body?.cancel();
    } catch {
      // Offline or closing: the connection's own checks notice.
    }
  }

  async #postNow(session: string, body: string): Promise<void> {
    if (!this.#isOpen()) return;
    let status: number;
    let text: string;
    try {
      const response = await this.#fetch(`${this.#base}/sessions/${encodeURIComponent(session)}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.#tokens.get(session) ?? ''}`, 'content-type': 'application/json' },
        body,
        signal: this.#abort.signal,
        cache: 'no-store',
      });
      status = response.status;
      text = await response.text();
    } catch {
      // Stored or not, the client re-sends it with the same id after reconnecting and learns which.
      if (this.#isOpen()) this.#fail('a message could not be sent');
      return;
    }
    if (!this.#isOpen()) return;
    const frame = frameOf(text);
    if (frame?.type === 'ack' || frame?.type === 'error') return this.#emit(text);
    this.#fail(`a message was answered with HTTP ${status} and no frame`);
  }

  #isOpen(): boolean {
    return this.readyState === WEBSOCKET_OPEN;
  }

  /** Answers a frame from here, after `send` has returned, as a socket would. */
  #reply(frame: object): void {
    queueMicrotask(() => this.#emit(JSON.stringify(frame)));
  }

  #emit(data: string): void {
    if (this.#isOpen()) this.onmessage?.({ data });
  }

  #shutDown(): void {
    this.readyState = CLOSED;
    this.#abort.abort();
    for (const stream of this.#streams.values()) stream.abort.abort();
    this.#streams.clear();
  }

  /** Drops the connection the way a broken WebSocket reports it. */
  #fail(reason: string): void {
    if (this.readyState === CLOSED) return;
    this.#shutDown();
    this.onerror?.({});
    this.onclose?.({ code: ABNORMAL_CLOSE, reason });
  }
}

function frameOf(text: string): { type?: unknown } | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as { type?: unknown }) : undefined;
  } catch {
    return undefined;
  }
}

function epochOf(data: string): string | undefined {
  const epoch = (frameOf(data) as { epoch?: unknown } | undefined)?.epoch;
  return typeof epoch === 'string' ? epoch : undefined;
}

function ignore(): void {}
