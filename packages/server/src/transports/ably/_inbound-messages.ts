import {
  CONTROL_EVENT_TYPES,
  ClientFrameSchema,
  ProtocolError,
  parseClientEvent,
  protocolErrorFromZod,
  type Actor,
  type ClientFrameOf,
  type ServerFrame,
} from '@marketing-team/core';
import { FencedError } from '../../stores/session-store.js';
import type { AblyInboundMessage } from './ably-client-types.js';

import type { AcceptClientMessage, InboundChannelKind } from './accept-client-message.js';

const CONTROL_TYPES: readonly string[] = CONTROL_EVENT_TYPES;

/** Turns a `publish` / `cancel` / `steer` frame into the raw input event it asks to store. */
function rawEventOf(frame: ClientFrameOf<'publish' | 'cancel' | 'steer'>): Record<string, unknown> {
  switch (frame.type) {
    case 'publish':
      return frame.event;
    case 'cancel':
      return { type: 'cancel.requested', runId: frame.runId, scope: frame.scope, reason: frame.reason };
    case 'steer':
      return { type: 'steer.submitted', runId: frame.runId, instruction: frame.instruction, scope: frame.scope, mode: frame.mode };
  }
}

function clientMsgIdOf(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const id = (data as { clientMsgId?: unknown }).clientMsgId;
  return typeof id === 'string' && id.length <= 128 ? id : undefined;
}

/**
 * Validates one Ably message from a session's input or control channel and stores it through
 * `accept`; answers with an `ack` or `error` frame. Never throws: a bad message gets an error frame.
 */
export async function handleInboundMessage(
  session: string,
  kind: InboundChannelKind,
  message: AblyInboundMessage,
  accept: AcceptClientMessage,
  onError: (error: unknown) => void,
): Promise<ServerFrame> {
  let data: unknown = message.data;
  const errorFrame = (error: ProtocolError): ServerFrame => {
    const frame: ServerFrame = { type: 'error', code: error.code, message: error.message, session };
    if (error.field !== undefined) frame.field = error.field;
    const clientMsgId = clientMsgIdOf(data);
    if (clientMsgId !== undefined) frame.clientMsgId = clientMsgId;
    return frame;
  };
  try {
    if (typeof data === 'string') {
      try {
        data = JSON.parse(data);
      } catch {
        throw new ProtocolError('bad_frame', 'data: not JSON', 'data');
      }
    }
    // Identified clients cannot publish under another clientId, so this is the verified sender.
    const clientId = message.clientId;
    if (typeof clientId !== 'string' || clientId.length === 0 || clientId.length > 200) {
      throw new ProtocolError('unauthorized', 'clientId: messages must come from a token with a bound clientId', 'clientId');
    }
    const parsed = ClientFrameSchema.safeParse(data);
    if (!parsed.success) throw protocolErrorFromZod(parsed.error);
    const frame = parsed.data;
    if (frame.type !== 'publish' && frame.type !== 'cancel' && frame.type !== 'steer') {
      throw new ProtocolError('bad_frame', `type: only publish, cancel and steer are accepted over Ably`, 'type');
    }
    if (frame.session !== session) {
      throw new ProtocolError('forbidden', 'session: this channel belongs to another session', 'session');
    }
    const actor: Actor = { kind: 'human', id: clientId };
    const event = parseClientEvent(rawEventOf(frame), actor);
    const isControl = CONTROL_TYPES.includes(event.type);
    if (isControl && kind !== 'control') {
      throw new ProtocolError('forbidden', `event.type: ${event.type} needs the control capability (control channel)`, 'event.type');
    }
    if (!isControl && kind !== 'input') {
      throw new ProtocolError('forbidden', `event.type: ${event.type} needs the write capability (input channel)`, 'event.type');
    }
    const stored = await accept({ session, clientMsgId: frame.clientMsgId, event, actor, frame });
    return { type: 'ack', session, clientMsgId: frame.clientMsgId, offset: stored.offset, duplicate: stored.duplicate };
  } catch (error) {
    if (error instanceof ProtocolError) return errorFrame(error);
    if (error instanceof FencedError) return errorFrame(new ProtocolError('conflict', error.message));
    onError(error);
    return errorFrame(new ProtocolError('internal', 'the server failed; nothing was stored'));
  }
}
