// A WebSocket driven by a test, and the server frames tests deliver through it.
import { ClientFrameSchema, SessionRecordSchema, type ClientFrame, type ServerFrame, type SessionRecord } from '../../protocol/index.js';
import type { WebSocketLike } from '../websocket-like.js';

/** Records what the client sends (checked as valid wire frames) and delivers what the test says. */
export class FakeSocket implements WebSocketLike {
  static instances: FakeSocket[] = [];
  readyState = 0;
  readonly sent: ClientFrame[] = [];
  closedWith: { code?: number; reason?: string } | undefined;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.instances.push(this);
  }

  static latest(): FakeSocket {
    return FakeSocket.instances.at(-1)!;
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(ClientFrameSchema.parse(JSON.parse(data)));
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    this.readyState = 3;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  deliver(frame: ServerFrame | string): void {
    this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }

  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }

  framesOf<T extends ClientFrame['type']>(type: T): Extract<ClientFrame, { type: T }>[] {
    return this.sent.filter((frame): frame is Extract<ClientFrame, { type: T }> => frame.type === type);
  }
}

export const welcome = (heartbeatMs = 10_000): ServerFrame => ({
  type: 'welcome',
  protocol: 1,
  connectionId: 'c1',
  heartbeatMs,
  maxFrameBytes: 65_536,
});

export const subscribed = (session: string, epoch = 'e1', head = 0, expiresAt = 4_000_000_000): ServerFrame => ({
  type: 'subscribed',
  session,
  epoch,
  head,
  capabilities: ['read', 'write', 'control'],
  expiresAt,
});

/** Record 1 submits a brief, 2 starts message m1, later ones add `text` to it. */
export function record(offset: number, text = 'x'): SessionRecord {
  const event =
    offset === 1
      ? { type: 'brief.submitted', runId: 'r1', brief: { goal: 'Launch' }, by: { kind: 'human', id: 'u1' } }
      : offset === 2
        ? { type: 'message.started', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1' }
        : { type: 'text.delta', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1', text };
  return SessionRecordSchema.parse({ offset, at: 1_000 + offset, event });
}

export const records = (from: number, to: number, text?: (offset: number) => string): SessionRecord[] =>
  Array.from({ length: to - from + 1 }, (_, index) => record(from + index, text?.(from + index)));

export const events = (session: string, batch: SessionRecord[], epoch = 'e1'): ServerFrame => ({ type: 'events', session, epoch, batch });
