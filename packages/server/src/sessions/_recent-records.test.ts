import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '@marketing-team/core';
import { recordJson, recordSize, storedRecord } from '../stores/_record-json.js';
import { RecentRecords } from './_recent-records.js';

const record = (offset: number): SessionRecord => ({ offset, at: 0, event: { type: 'text.delta', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1', text: `t${offset}` } });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => record(from + index));
const offsets = (records: SessionRecord[] | undefined) => records?.map((r) => r.offset);

describe('RecentRecords', () => {
  it('keeps the newest records up to its capacity and serves the ones after an offset it holds', () => {
    const recent = new RecentRecords(5);
    recent.push(range(1, 3));
    recent.push(range(4, 8));
    expect([recent.firstOffset, recent.lastOffset, recent.size]).toEqual([4, 8, 5]);
    expect(offsets(recent.after(3, 10))).toEqual([4, 5, 6, 7, 8]);
    expect(offsets(recent.after(5, 2))).toEqual([6, 7]);
    expect(recent.after(8, 10)).toEqual([]);
    // Offset 3 is no longer held, nor anything beyond the newest.
    expect(recent.after(2, 10)).toBeUndefined();
    expect(recent.after(9, 10)).toBeUndefined();
  });

  it('starts over when records do not follow the newest held, so it never has a hole', () => {
    const recent = new RecentRecords(10);
    recent.push(range(1, 4));
    recent.push(range(7, 8));
    expect(offsets(recent.after(6, 10))).toEqual([7, 8]);
    expect(recent.after(4, 10)).toBeUndefined();
  });

  it('lets go of records before an offset, then wraps around the freed room in order', () => {
    const recent = new RecentRecords(4);
    recent.push(range(1, 4));
    recent.dropBefore(3);
    expect(offsets(recent.after(2, 10))).toEqual([3, 4]);
    expect(recent.after(1, 10)).toBeUndefined();
    recent.push(range(5, 7));
    expect(offsets(recent.after(3, 10))).toEqual([4, 5, 6, 7]);
    recent.dropBefore(100);
    expect(recent.size).toBe(0);
    recent.push(range(100, 101));
    expect(offsets(recent.after(99, 10))).toEqual([100, 101]);
  });

  it('keeps nothing once forgotten until it keeps again, and nothing at capacity 0', () => {
    const recent = new RecentRecords(4);
    recent.push(range(1, 2));
    recent.forget();
    recent.push(range(3, 4));
    expect(recent.size).toBe(0);
    recent.keep();
    recent.push(range(5, 6));
    expect(offsets(recent.after(4, 10))).toEqual([5, 6]);
    const none = new RecentRecords(0);
    none.push(range(1, 2));
    expect(none.after(0, 10)).toBeUndefined();
  });

  it('keeps at most about its byte budget, letting the oldest go first, and counts what it lets go', () => {
    const size = recordSize(record(1));
    const recent = new RecentRecords(100, 3 * size);
    recent.push(range(1, 5));
    expect(offsets(recent.after(2, 10))).toEqual([3, 4, 5]);
    expect(recent.bytes).toBe(3 * size);
    recent.dropBefore(4);
    expect([recent.size, recent.bytes]).toEqual([2, 2 * size]);
    // A record past the whole budget leaves nothing held: a resume reads the store instead.
    const large = { offset: 6, at: 0, event: { ...record(6).event, text: 'x'.repeat(4 * size) } } as SessionRecord;
    recent.push([large]);
    expect([recent.size, recent.bytes]).toEqual([0, 0]);
    recent.push(range(7, 8));
    expect(offsets(recent.after(6, 10))).toEqual([7, 8]);
    // With room for the count only, every record pushed out by a newer one is counted out too.
    const counted = new RecentRecords(2, 10 * size);
    counted.push(range(1, 9));
    expect([counted.size, counted.bytes]).toEqual([2, 2 * size]);
  });

  it('sizes a record by the JSON its store kept, without letting the frame lose it', () => {
    const event = record(1).event;
    // Spaced, unlike JSON.stringify: the frame below shows whether the kept text was spliced in.
    const kept = JSON.stringify(event, null, 1);
    const stored = storedRecord(1, 0, event, kept);
    expect(recordSize(stored)).toBe(recordSize(record(1)) + kept.length - JSON.stringify(event).length);
    expect(recordJson(stored)).toBe(`{"offset":1,"at":0,"event":${kept}}`);
  });
});
