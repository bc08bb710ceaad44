import { describe, expect, it } from 'vitest';
import { ClientFrameSchema, IdSchema, SessionEventSchema, SessionIdSchema, parseClientEvent, ProtocolError } from './index.js';

describe('protocol schemas', () => {
  it('accepts a valid brief event and fills defaults', () => {
    const event = SessionEventSchema.parse({
      type: 'brief.submitted',
      runId: 'run-1',
      brief: { goal: 'Launch the spring collection' },
      by: { kind: 'human', id: 'u1' },
    });
    expect(event.type).toBe('brief.submitted');
    if (event.type === 'brief.submitted') expect(event.brief.channels.length).toBeGreaterThan(0);
  });

  it('rejects a subscribe frame with a bad session id and names the field', () => {
    const result = ClientFrameSchema.safeParse({ type: 'subscribe', session: 'a b', token: 't' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['session']);
  });

  it('refuses server-only events from clients and overwrites the actor', () => {
    expect(() => parseClientEvent({ type: 'run.completed', runId: 'r', deliverableIds: [] }, { kind: 'system' })).toThrow(
      ProtocolError,
    );
    const event = parseClientEvent(
      { type: 'cancel.requested', runId: 'r1', by: { kind: 'human', id: 'forged' } },
      { kind: 'human', id: 'real' },
    );
    expect(event).toMatchObject({ type: 'cancel.requested', by: { kind: 'human', id: 'real' } });
  });

  it('refuses ids that name the prototype or another path: __proto__, constructor, prototype, "." and ".."', () => {
    for (const reserved of ['__proto__', 'constructor', 'prototype', '.', '..', '...']) {
      expect(SessionIdSchema.safeParse(reserved).success, `session ${reserved}`).toBe(false);
      expect(IdSchema.safeParse(reserved).success, `id ${reserved}`).toBe(false);
    }
    const frame = ClientFrameSchema.safeParse({ type: 'subscribe', session: '__proto__', token: 't' });
    expect(frame.error?.issues[0]?.path).toEqual(['session']);
    // Dots inside an id stay allowed: they are common in host ids (`acme.campaign-1`).
    for (const fine of ['a.b', '.hidden', 'v1..2', 'proto', '__proto', 'constructors']) {
      expect(SessionIdSchema.safeParse(fine).success, fine).toBe(true);
      expect(IdSchema.safeParse(fine).success, fine).toBe(true);
    }
  });
});
