import type { SessionEvent } from '@marketing-team/core';
import { describe, expect, it } from 'vitest';
import { describeSessionStoreConformance } from './store-conformance.js';
import { MemoryStore } from './memory-store.js';

describeSessionStoreConformance('MemoryStore', () => ({ store: new MemoryStore() }));

const delta = (text: string): SessionEvent => ({ type: 'text.delta', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1', text });

describe('MemoryStore single-event appends', () => {
  it('stores each append as given when validating one event appends again (its getters run during the check)', async () => {
    const store = new MemoryStore();
    let nested: Promise<unknown> | undefined;
    const event = {
      runId: 'r1',
      taskId: 't1',
      agent: 'content-creator',
      messageId: 'm1',
      text: 'outer',
      get type() {
        nested ??= store.append('other', [delta('nested')], { clientMsgId: 'nested-1' });
        return 'text.delta';
      },
    };
    const outer = await store.append('session', [event as unknown as SessionEvent], { clientMsgId: 'outer-1' });
    await nested;
    expect(outer.records.map((record) => record.event)).toEqual([delta('outer')]);
    expect((await store.read('session', 0)).map((record) => record.event)).toEqual([delta('outer')]);
    expect((await store.read('other', 0)).map((record) => record.event)).toEqual([delta('nested')]);
    expect(await store.findClientMessage('session', 'outer-1')).toEqual({ firstOffset: 1, lastOffset: 1 });
    expect(await store.findClientMessage('other', 'nested-1')).toEqual({ firstOffset: 1, lastOffset: 1 });
    expect(await store.findClientMessage('session', 'nested-1')).toBeUndefined();
  });
});
