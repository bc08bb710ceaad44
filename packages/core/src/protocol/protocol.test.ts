import { describe, expect, it } from 'vitest';
import { ClientFrameSchema, SessionEventSchema, parseClientEvent, ProtocolError } from './index.js';

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
});
