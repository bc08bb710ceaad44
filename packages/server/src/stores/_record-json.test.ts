import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '@marketing-team/core';
import { readRecord, recordJson, storedRecord } from './_record-json.js';

const event: SessionRecord['event'] = { type: 'text.delta', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1', text: 'héllo "quoted" \u2028' };
const eventJson = JSON.stringify(event);

describe('stored record JSON', () => {
  it('reads back a record that compares, spreads and serialises like a plain one', () => {
    const record = readRecord(7, 1_765_000_000_000, eventJson);
    expect(Object.keys(record)).toEqual(['offset', 'at', 'event']);
    expect(record).toEqual({ offset: 7, at: 1_765_000_000_000, event });
    expect({ ...record }).toEqual({ offset: 7, at: 1_765_000_000_000, event });
    expect(JSON.stringify(record)).toBe(JSON.stringify({ offset: 7, at: 1_765_000_000_000, event }));
  });

  it('splices the stored text into the same JSON that JSON.stringify gives', () => {
    for (const record of [readRecord(3, 42, eventJson), storedRecord(3, 42, event, eventJson)]) {
      expect(recordJson(record)).toBe(JSON.stringify({ offset: 3, at: 42, event }));
    }
  });

  it('serialises a record from elsewhere (a plain object) with JSON.stringify', () => {
    const plain: SessionRecord = { offset: 1, at: 2, event };
    expect(recordJson(plain)).toBe(JSON.stringify(plain));
  });
});
