import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionEvent, SessionRecord } from '@marketing-team/core';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../stores/memory-store.js';
import type { SessionStore } from '../stores/session-store.js';
import { SqliteStore } from '../stores/sqlite-store.js';
import { RecordBatch } from './record-batch.js';

const root = mkdtempSync(join(tmpdir(), 'mt-record-batch-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const awkward = ['plain', 'quotes " and \\ backslashes', 'line\nbreaks\tand\u2028separators\u2029', 'émoji 🚀 and 中文', '</script><b>markup</b>'];
const events: SessionEvent[] = awkward.map((text, index) => ({
  type: 'text.delta',
  runId: 'run-1',
  taskId: 'task-1',
  agent: 'content-creator',
  messageId: `message-${index}`,
  text,
}));

/** What the frames were before stored text was spliced in: every record serialised again. */
function expectedFrame(session: string, epoch: string, records: readonly SessionRecord[]): string {
  return JSON.stringify({ type: 'events', session, epoch, batch: records });
}

describe('RecordBatch', () => {
  for (const [name, open] of [
    ['SqliteStore (stored JSON spliced in)', () => new SqliteStore({ path: join(root, 'splice.db') })],
    ['MemoryStore (the JSON validated at append spliced in)', () => new MemoryStore()],
  ] as const) {
    it(`writes the same frames as serialising every record, from ${name}`, async () => {
      const store: SessionStore = open();
      const appended = (await store.append('s', events)).records;
      const read = await store.read('s', 0);
      const { epoch } = await store.head('s');
      for (const records of [appended, read]) {
        const batch = new RecordBatch('s', epoch, records);
        expect(batch.frameJson()).toBe(expectedFrame('s', epoch, records));
        expect(JSON.parse(batch.frameJson())).toEqual({ type: 'events', session: 's', epoch, batch: read });
        expect(batch.eventStreamText()).toBe(records.map((record) => `id: ${record.offset}\ndata: ${JSON.stringify(record)}\n\n`).join(''));
        expect(batch.after(2).frameJson()).toBe(expectedFrame('s', epoch, records.slice(2)));
      }
      await store.close();
    });
  }

  it('keeps stored records plain to everything but the frame: spreading, comparing and serialising see offset, at and event', async () => {
    const store = new MemoryStore();
    const [record] = (await store.append('s', [events[1]!])).records;
    const plain = { offset: 1, at: record!.at, event: events[1] };
    expect(Object.keys(record!)).toEqual(['offset', 'at', 'event']);
    expect({ ...record }).toEqual(plain);
    expect(record).toEqual(plain);
    expect(JSON.stringify(record)).toBe(JSON.stringify(plain));
    expect(structuredClone(record)).toEqual(plain);
    await store.close();
  });

  it('gives an event stream the same digests as the events frame, in a digests event after the records they hold at', async () => {
    const store = new MemoryStore();
    const records = (await store.append('s', events)).records;
    const digests = [{ messageId: 'message-4', length: 23, hash: '0123456789abcdef' }];
    const batch = new RecordBatch('s', 'e1', records, digests);
    expect(JSON.parse(batch.frameJson()).digests).toEqual(digests);
    expect(batch.frameJson()).toBe(JSON.stringify({ type: 'events', session: 's', epoch: 'e1', batch: records, digests }));
    expect(new RecordBatch('s', 'e1', []).frameJson()).toBe(expectedFrame('s', 'e1', []));
    const text = batch.eventStreamText();
    const recordsText = records.map((record) => `id: ${record.offset}\ndata: ${JSON.stringify(record)}\n\n`).join('');
    expect(text).toBe(`${recordsText}event: digests\ndata: ${JSON.stringify(digests)}\n\n`);
    // Cut for a subscriber that had some records already: the digests still follow the last record.
    expect(batch.after(3).eventStreamText().endsWith(`event: digests\ndata: ${JSON.stringify(digests)}\n\n`)).toBe(true);
    await store.close();
  });
});
