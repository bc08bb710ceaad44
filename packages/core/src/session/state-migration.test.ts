import { describe, expect, it } from 'vitest';
import { STATE_VERSION, SessionRecordSchema, findMessage, listMessages, type SessionRecord } from '../protocol/index.js';
import { applyRecords, createSessionState } from './reducer.js';
import { restoreSessionState } from './state-migration.js';

const events = [
  { type: 'brief.submitted', runId: 'r1', brief: { goal: 'Launch the spring line' }, by: { kind: 'system' } },
  { type: 'message.started', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1' },
  { type: 'text.delta', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1', text: 'Hello' },
  { type: 'message.started', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm2' },
  { type: 'text.delta', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm2', text: 'odd id' },
];

function stored(): SessionRecord[] {
  return events.map((event, index) => SessionRecordSchema.parse({ offset: index + 1, at: 1000 + index, event }));
}

/** The same state as version 2 stored it: one map of every message. */
function asVersion2(state: ReturnType<typeof createSessionState>): unknown {
  const { messageBuckets, ...rest } = JSON.parse(JSON.stringify(state)) as { messageBuckets: Record<string, unknown>[] };
  const messages = Object.fromEntries(messageBuckets.flatMap((bucket) => Object.entries(bucket)));
  return { ...rest, version: 2, messages };
}

describe('restoreSessionState', () => {
  it('returns a stored state of this version as the reducer left it', () => {
    const state = applyRecords(createSessionState(), stored());
    expect(restoreSessionState(JSON.parse(JSON.stringify(state)))).toEqual(state);
  });

  it('migrates a version 2 snapshot (one map of messages) into buckets', () => {
    const state = applyRecords(createSessionState(), stored());
    const restored = restoreSessionState(asVersion2(state));
    expect(restored?.version).toBe(STATE_VERSION);
    expect(restored).toEqual(state);
    expect(findMessage(restored!, 'm1')?.text).toBe('Hello');
    expect(findMessage(restored!, 'm2')?.text).toBe('odd id');
    expect(listMessages(restored!)).toHaveLength(2);
    // The reducer goes on from the migrated state as from one it produced.
    const more = SessionRecordSchema.parse({
      offset: 6,
      at: 2000,
      event: { type: 'text.delta', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1', text: ', world' },
    });
    expect(findMessage(applyRecords(restored!, [more]), 'm1')?.text).toBe('Hello, world');
  });

  it('returns undefined for what is not a valid state, so the log is replayed instead', () => {
    const state = applyRecords(createSessionState(), stored());
    expect(restoreSessionState(undefined)).toBeUndefined();
    expect(restoreSessionState('state')).toBeUndefined();
    expect(restoreSessionState({ ...state, version: 1 })).toBeUndefined();
    expect(restoreSessionState({ ...state, runs: 'x' })).toBeUndefined();
    expect(restoreSessionState({ ...state, messageBuckets: state.messageBuckets.slice(1) })).toBeUndefined();
    expect(restoreSessionState({ ...(asVersion2(state) as object), messages: 'x' })).toBeUndefined();
  });
});
