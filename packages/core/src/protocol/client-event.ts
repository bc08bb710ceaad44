import { CLIENT_EVENT_TYPES, SessionEventSchema, type Actor, type SessionEvent } from './events.js';
import { ProtocolError, protocolErrorFromZod } from './errors.js';

/**
 * Validates an event a client asked to publish. The server, not the client, says who sent it:
 * `by` is overwritten with the actor from the verified token.
 */
export function parseClientEvent(raw: Record<string, unknown>, by: Actor): SessionEvent {
  const type = raw.type;
  if (typeof type !== 'string' || !(CLIENT_EVENT_TYPES as readonly string[]).includes(type)) {
    throw new ProtocolError(
      'bad_frame',
      `event.type: clients may publish only ${CLIENT_EVENT_TYPES.join(', ')}`,
      'event.type',
    );
  }
  const parsed = SessionEventSchema.safeParse({ ...raw, by });
  if (!parsed.success) throw protocolErrorFromZod(parsed.error, 'event');
  return parsed.data;
}
