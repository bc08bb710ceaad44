import { describe, expect, it } from 'vitest';
import { mergeAttention, mergeTelemetry } from './tab-leader.js';

describe('one browser, one device: what the leader tab tells the server of its tabs', () => {
  it('is focused when any tab is, visible when any is, and named after the tab in front', () => {
    const hidden = { type: 'attention', device: 'desktop', focused: false, visible: false } as const;
    const behind = { type: 'attention', device: 'desktop', focused: false, visible: true } as const;
    const front = { type: 'attention', device: 'work laptop', focused: true, visible: true } as const;
    expect(mergeAttention([])).toBeUndefined();
    expect(mergeAttention([hidden])).toEqual(hidden);
    // Whatever the order the tabs spoke in, the focused one decides.
    for (const order of [[front, behind, hidden], [hidden, behind, front], [behind, front, hidden]]) {
      expect(mergeAttention(order)).toEqual({ type: 'attention', device: 'work laptop', focused: true, visible: true });
    }
    expect(mergeAttention([hidden, behind])).toEqual({ type: 'attention', device: 'desktop', focused: false, visible: true });
  });

  it('joins the tabs\' telemetry into one report: samples kept (the newest 32), counts added', () => {
    const first = { type: 'telemetry', device: 'desktop', timeToFirstTokenMs: [800], resumeMs: [120], reconnects: 1, digestMismatches: 0 } as const;
    const second = { type: 'telemetry', device: 'desktop', timeToFirstTokenMs: [900], longestGapMs: [40], reconnects: 1, digestMismatches: 2 } as const;
    expect(mergeTelemetry(undefined, { ...first, timeToFirstTokenMs: [800], resumeMs: [120] })).toEqual(first);
    expect(mergeTelemetry({ ...first, timeToFirstTokenMs: [800], resumeMs: [120] }, { ...second, timeToFirstTokenMs: [900], longestGapMs: [40] })).toEqual({
      type: 'telemetry',
      device: 'desktop',
      timeToFirstTokenMs: [800, 900],
      resumeMs: [120],
      longestGapMs: [40],
      reconnects: 2,
      digestMismatches: 2,
    });
    const many = Array.from({ length: 30 }, (_, index) => index);
    const merged = mergeTelemetry({ ...first, timeToFirstTokenMs: many, resumeMs: [] }, { ...second, timeToFirstTokenMs: [100, 101, 102], longestGapMs: [] });
    expect(merged.timeToFirstTokenMs).toEqual([...many.slice(1), 100, 101, 102]);
    expect(merged.timeToFirstTokenMs).toHaveLength(32);
  });
});
