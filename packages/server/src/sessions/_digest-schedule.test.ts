import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyRecords, createSessionState, findMessage, type SessionEvent, type SessionRecord, type SessionState } from '@marketing-team/core';
import { DIGEST_EVERY_CHARS, DigestSchedule, type MessageDigest } from './_digest-schedule.js';

/** The schedule as it was when it read the state for every batch: what the new one must still send. */
function referenceSchedule(): (records: readonly SessionRecord[], state: SessionState) => MessageDigest[] | undefined {
  const sentAt = new Map<string, number>();
  return (records, state) => {
    let digests: MessageDigest[] | undefined;
    const seen = new Set<string>();
    for (let index = records.length - 1; index >= 0; index -= 1) {
      const event = records[index]!.event;
      if (event.type !== 'text.delta' && event.type !== 'message.completed') continue;
      if (seen.has(event.messageId)) continue;
      seen.add(event.messageId);
      const message = findMessage(state, event.messageId);
      const digest = message?.digest;
      if (!message || !digest) continue;
      const ended = message.status !== 'streaming';
      if (!ended && digest.length - (sentAt.get(event.messageId) ?? 0) < DIGEST_EVERY_CHARS) continue;
      if (ended) sentAt.delete(event.messageId);
      else sentAt.set(event.messageId, digest.length);
      (digests ??= []).push({ messageId: event.messageId, length: digest.length, hash: digest.hash });
    }
    return digests;
  };
}

const base = (messageId: string) => ({ runId: 'r1', taskId: `t-${messageId}`, agent: 'content-creator', messageId });

/** Batches of events for three messages: starts, deltas of up to 3,000 characters, completions. */
const batchesArbitrary = fc.array(
  fc.array(
    fc.oneof(
      { arbitrary: fc.record({ kind: fc.constant('delta' as const), message: fc.constantFrom('a', 'b', 'c'), size: fc.integer({ min: 1, max: 3000 }) }), weight: 8 },
      { arbitrary: fc.record({ kind: fc.constant('start' as const), message: fc.constantFrom('a', 'b', 'c') }), weight: 1 },
      { arbitrary: fc.record({ kind: fc.constant('complete' as const), message: fc.constantFrom('a', 'b', 'c') }), weight: 1 },
    ),
    { minLength: 1, maxLength: 12 },
  ),
  { minLength: 1, maxLength: 40 },
);

describe('DigestSchedule', () => {
  it('sends the digests it sent when it read the state for every batch, for any batches', () => {
    fc.assert(
      fc.property(batchesArbitrary, (batches) => {
        const schedule = new DigestSchedule();
        const reference = referenceSchedule();
        const texts = new Map<string, string>();
        let state = createSessionState();
        let offset = 0;
        for (const batch of batches) {
          const records: SessionRecord[] = batch.map((step) => {
            let event: SessionEvent;
            if (step.kind === 'start') {
              texts.set(step.message, '');
              event = { type: 'message.started', ...base(step.message), offline: false };
            } else if (step.kind === 'delta') {
              const text = 'x'.repeat(step.size);
              texts.set(step.message, (texts.get(step.message) ?? '') + text);
              event = { type: 'text.delta', ...base(step.message), text };
            } else {
              event = { type: 'message.completed', ...base(step.message), text: texts.get(step.message) ?? '', stopReason: 'end' };
            }
            return { offset: ++offset, at: 0, event } as SessionRecord;
          });
          state = applyRecords(state, records);
          const after = state;
          expect(schedule.digestsFor(records, () => after)).toEqual(reference(records, after));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reads the state when a message is new to it, when a digest is due and when it ends, not for every delta', () => {
    const schedule = new DigestSchedule();
    let state = createSessionState();
    let offset = 0;
    let reads = 0;
    const send = (event: SessionEvent) => {
      const records = [{ offset: ++offset, at: 0, event } as SessionRecord];
      state = applyRecords(state, records);
      return schedule.digestsFor(records, () => (reads++, state));
    };
    send({ type: 'message.started', ...base('m'), offline: false });
    const lengths: number[] = [];
    let text = '';
    for (let index = 0; index < 100; index++) {
      text += 'y'.repeat(100);
      for (const digest of send({ type: 'text.delta', ...base('m'), text: 'y'.repeat(100) }) ?? []) lengths.push(digest.length);
    }
    for (const digest of send({ type: 'message.completed', ...base('m'), text, stopReason: 'end' }) ?? []) lengths.push(digest.length);
    expect(lengths).toEqual([4100, 8200, 10_000]);
    // The first delta (a message new to the schedule), the two digests and the end.
    expect(reads).toBe(4);
  });
});
