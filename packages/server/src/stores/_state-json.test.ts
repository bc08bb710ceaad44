import { SessionRecordSchema, applyRecords, createSessionState, type SessionState } from '@marketing-team/core';
import { describe, expect, it } from 'vitest';
import { GrowingTextJson } from './_growing-text-json.js';
import { stateJson, stateJsonInSlices, storedStateJson, writeStateJson } from './_state-json.js';

let offset = 0;
function apply(state: SessionState, events: unknown[]): SessionState {
  return applyRecords(state, events.map((event) => SessionRecordSchema.parse({ offset: ++offset, at: 1000 + offset, event })));
}

const delta = (messageId: string, text: string) => ({ type: 'text.delta', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId, text });

describe('stateJson', () => {
  it('is JSON.stringify of the state, before and after changes, reusing the parts that did not change', () => {
    let state = createSessionState();
    expect(stateJson(state)).toBe(JSON.stringify(state));
    state = apply(state, [
      { type: 'brief.submitted', runId: 'r1', brief: { goal: 'Quotes " and \\ and \u2028 and 🚀' }, by: { kind: 'system' } },
      ...Array.from({ length: 600 }, (_, index) => delta(`m${index}`, `text of ${index} `)),
    ]);
    expect(stateJson(state)).toBe(JSON.stringify(state));
    // A delta changes one bucket: the frame is still exact, with the new text in it.
    const next = apply(state, [delta('m7', 'more')]);
    expect(stateJson(next)).toBe(JSON.stringify(next));
    expect(stateJson(next)).toContain('text of 7 more');
    expect(stateJson(state)).not.toContain('text of 7 more');
    // Optional fields absent or set, as JSON.stringify writes them.
    const saved = apply(next, [{ type: 'workspace.saved', workspaceId: 'w1', version: 2, etag: 'e', hash: 'a'.repeat(64), by: { kind: 'system' } }]);
    expect(stateJson(saved)).toBe(JSON.stringify(saved));
    expect(stateJson({ ...saved, workspace: undefined })).toBe(JSON.stringify({ ...saved, workspace: undefined }));
  });

  it('writes its pieces after a frame header, joined once into the same text', () => {
    const state = apply(createSessionState(), [delta('m1', 'one'), delta('m2', 'two')]);
    const pieces = ['{"type":"snapshot","state":'];
    writeStateJson(state, pieces);
    pieces.push('}');
    expect(pieces.join('')).toBe(JSON.stringify({ type: 'snapshot', state }));
    // Edge shapes JSON.stringify writes as it does: no fields, no buckets.
    expect(stateJson({} as SessionState)).toBe('{}');
    expect(stateJson({ ...state, messageBuckets: [] })).toBe(JSON.stringify({ ...state, messageBuckets: [] }));
  });

  it('builds the same text over several turns, and a store reuses it only for that very state', async () => {
    const state = apply(createSessionState(), Array.from({ length: 3000 }, (_, index) => delta(`m${index % 700}`, `word ${index} `)));
    let turns = 0;
    const counting = setInterval(() => turns++, 0);
    // A slice of 0 ms yields after every part: the serialisation spans many turns.
    const json = await stateJsonInSlices(state, 0);
    clearInterval(counting);
    expect(turns).toBeGreaterThan(1);
    expect(json).toBe(JSON.stringify(state));
    expect(storedStateJson(state)).toBe(json);
    // Taken by the store that saved it: a second save serialises again, to the same text.
    expect(storedStateJson(state)).toBe(json);
    // A state built elsewhere (and perhaps changed since) is serialised as it is now.
    const copy = JSON.parse(json) as SessionState;
    copy.offset += 1;
    expect(storedStateJson(copy)).toBe(JSON.stringify(copy));
  });

  it('with the texts of the last save, escapes only what long messages gained, to the same text', async () => {
    const texts = new GrowingTextJson();
    let state = apply(createSessionState(), [delta('m1', 'x'.repeat(5000)), delta('m2', 'y'.repeat(5000))]);
    for (const piece of ['more "quoted" \\ text', '\ud83d', '\ude80 rocket', '\u2028', 'plain '.repeat(1000)]) {
      state = apply(state, [delta('m1', piece), delta('m2', piece), delta(`short-${piece.length}`, piece)]);
      expect(await stateJsonInSlices(state, 4, texts)).toBe(JSON.stringify(state));
    }
    // A message ended or replaced is written as it now is.
    const completed = apply(state, [{ type: 'message.completed', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1', text: 'final', stopReason: 'end' }]);
    expect(await stateJsonInSlices(completed, 4, texts)).toBe(JSON.stringify(completed));
  });
});
