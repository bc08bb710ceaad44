import { SessionEventSchema } from '@marketing-team/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkedTextDelta, textDeltaJson } from './_text-delta-check.js';

// Strings near every rule of the schema: the id alphabet, reserved ids, dots, lengths at and past
// each limit, agent names with bad hyphens, and anything else.
const idLike = fc.oneof(
  fc.constantFrom('r1', 'm-1', 'a.b:c_d', '__proto__', 'constructor', 'prototype', '.', '...', '', 'x'.repeat(128), 'x'.repeat(129), 'a b', 'a/b', 'é'),
  fc.stringMatching(/^[A-Za-z0-9_.:-]{0,130}$/),
  fc.string({ maxLength: 8 }),
);
const agentLike = fc.oneof(
  fc.constantFrom('content-creator', 'a', 'a-', '-a', 'a--b', 'A', 'x'.repeat(64), 'x'.repeat(65), ''),
  fc.stringMatching(/^[a-z0-9-]{0,66}$/),
);
const textLike = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('x'.repeat(16_000), 'x'.repeat(16_001), ''));
const anyValue = fc.oneof(idLike, fc.integer(), fc.constant(undefined), fc.constant(null), fc.boolean());

const delta = fc.record({
  type: fc.oneof(fc.constant('text.delta'), fc.constant('text.deltas'), fc.constant('message.started')),
  runId: fc.oneof(idLike, anyValue),
  taskId: idLike,
  agent: fc.oneof(agentLike, anyValue),
  messageId: idLike,
  text: fc.oneof(textLike, anyValue),
});
// Some with a field missing, one too many, or a prototype other than Object's.
const shaped = fc.oneof(
  delta,
  fc.tuple(delta, fc.constantFrom('runId', 'taskId', 'agent', 'messageId', 'text', 'type')).map(([event, drop]) => {
    const copy: Record<string, unknown> = { ...event };
    delete copy[drop];
    return copy;
  }),
  fc.tuple(delta, fc.string({ minLength: 1, maxLength: 6 }), anyValue).map(([event, key, value]) => ({ ...event, [key]: value })),
  delta.map((event) => Object.assign(Object.create({ inherited: true }), event) as object),
  delta.map((event) => Object.assign(Object.create(null), event) as object),
);

describe('checkedTextDelta', () => {
  it('accepts only what SessionEventSchema accepts as a text.delta, and returns what it would', () => {
    fc.assert(
      fc.property(shaped, (value) => {
        const checked = checkedTextDelta(value);
        const parsed = SessionEventSchema.safeParse(value);
        if (checked === undefined) return;
        expect(parsed.success).toBe(true);
        expect(checked).toStrictEqual(parsed.data);
        expect(JSON.stringify(checked)).toBe(JSON.stringify(parsed.data));
        expect(textDeltaJson(checked)).toBe(JSON.stringify(checked));
      }),
      { numRuns: Number(process.env.MT_FUZZ_RUNS ?? 2000) },
    );
  });

  it('takes the plain, valid deltas the runtime writes', () => {
    const event = { type: 'text.delta', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1', text: 'Hello' };
    expect(checkedTextDelta(event)).toStrictEqual(event);
    expect(checkedTextDelta(event)).not.toBe(event);
  });

  it('checks every id and the agent again once any of them differs from the last accepted delta\'s', () => {
    const base = { type: 'text.delta', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1', text: 'Hi' };
    expect(checkedTextDelta(base)).toBeDefined();
    for (const value of [{ ...base, messageId: '..' }, { ...base, taskId: '__proto__' }, { ...base, runId: 'a b' }, { ...base, agent: 'Content' }]) {
      expect(checkedTextDelta(base)).toBeDefined();
      expect(checkedTextDelta(value)).toBeUndefined();
    }
    // The same ids with an inherited enumerable field, or one missing, are not a plain delta.
    expect(checkedTextDelta(Object.assign(Object.create({ extra: 1 }) as object, base))).toBeUndefined();
    const { text: _, ...withoutText } = base;
    expect(checkedTextDelta({ ...withoutText, extra: 'Hi' })).toBeUndefined();
  });

  it('takes no field from a polluted Object.prototype, and leaves every delta to the schema while it is', () => {
    const { runId: _, ...withoutRunId } = { type: 'text.delta', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1', text: 'Hi' };
    const whole = { ...withoutRunId, runId: 'r1' };
    expect(checkedTextDelta(whole)).toBeDefined();
    Object.defineProperty(Object.prototype, 'runId', { value: 'r1', enumerable: true, configurable: true, writable: true });
    try {
      expect(checkedTextDelta(withoutRunId)).toBeUndefined();
      expect(checkedTextDelta(whole)).toBeUndefined();
    } finally {
      delete (Object.prototype as { runId?: unknown }).runId;
    }
    expect(checkedTextDelta(whole)).toBeDefined();
  });

  it('leaves everything else to the schema', () => {
    const base = { type: 'text.delta', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1', text: 'Hi' };
    for (const value of [
      { ...base, runId: '__proto__' },
      { ...base, messageId: '..' },
      { ...base, agent: 'Content' },
      { ...base, text: 'x'.repeat(16_001) },
      { ...base, extra: 1 },
      { ...base, type: 'message.started' },
      null,
      'text.delta',
    ]) {
      expect(checkedTextDelta(value)).toBeUndefined();
    }
  });

  it('writes the JSON of a checked delta as JSON.stringify does, escaping its text', () => {
    const texts = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('"\\\n\u2028\ud800 🚀\udc00<\/', '\u0000\u001f\u007f', ''));
    fc.assert(
      fc.property(idLike, agentLike, texts, (id, agent, text) => {
        const checked = checkedTextDelta({ type: 'text.delta', runId: id, taskId: id, agent, messageId: id, text });
        if (checked !== undefined) expect(textDeltaJson(checked)).toBe(JSON.stringify(checked));
      }),
      { numRuns: Number(process.env.MT_FUZZ_RUNS ?? 2000) },
    );
  });
});
