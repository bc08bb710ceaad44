import type { SessionEvent } from '@marketing-team/core';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from './memory-store.js';

const delta = (text: string): SessionEvent => ({ type: 'text.delta', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1', text });

describe('live emission', () => {
  it('gives every listener the batches in commit order when one appends from inside its callback', async () => {
    const store = new MemoryStore();
    await store.append('s', [delta('before')]);
    const seen: number[][] = [[], []];
    const live = (index: number, onRecord?: (offset: number) => void) =>
      new Promise<void>((resolve) =>
        store.subscribe('s', 1, (records) => {
          for (const record of records) {
            seen[index]!.push(record.offset);
            onRecord?.(record.offset);
          }
        }, { onLive: resolve }),
      );
    // The first listener answers offset 2 with an append, inside the delivery of offset 2.
    await live(0, (offset) => void (offset === 2 && store.append('s', [delta('answer')])));
    await live(1);
    await store.append('s', [delta('question')]);
    await store.append('s', [delta('after')]);
    expect(seen[0]).toEqual([2, 3, 4]);
    expect(seen[1]).toEqual([2, 3, 4]);
    await store.close();
  });
});
