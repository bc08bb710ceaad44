import { describe, expect, it } from 'vitest';
import { TelemetryReportSchema, deviceKindFromUserAgent, deviceKindOf, type SessionEventInput, type SessionRecord } from '../protocol/index.js';
import { TelemetryRecorder } from './_telemetry-recorder.js';
import { applyRecords, createSessionState } from './reducer.js';

/** A recorder on a clock the test moves, fed records through the real reducer. */
function harness() {
  let now = 1_000;
  const recorder = new TelemetryRecorder('desktop', () => now);
  let state = createSessionState();
  let offset = 0;
  const apply = (...events: SessionEventInput[]) => {
    const records = events.map((event) => ({ offset: ++offset, at: now, event }) as SessionRecord);
    state = applyRecords(state, records);
    recorder.applied('s', records, state);
  };
  return { recorder, apply, advance: (ms: number) => (now += ms) };
}

const task = { runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1' };
const human = { kind: 'human' as const, id: 'u1' };
const started: SessionEventInput = {
  type: 'run.started',
  runId: 'r1',
  tasks: [{ id: 't1', title: 'Write', skill: 'social-posts', agent: 'content-creator', dependsOn: [] }],
  model: { provider: 'offline', name: 'offline', offline: true },
};

describe('TelemetryRecorder', () => {
  it('measures time to first token from the brief this device sent', () => {
    const { recorder, apply, advance } = harness();
    recorder.briefSent('r1');
    advance(120);
    apply(started, { type: 'task.started', ...task }, { type: 'message.started', ...task });
    advance(80);
    apply({ type: 'text.delta', ...task, text: 'Hello' });
    advance(50);
    apply({ type: 'text.delta', ...task, text: ' again' });
    expect(recorder.figures.timeToFirstTokenMs).toBe(200);
    expect(recorder.takeReport()?.timeToFirstTokenMs).toEqual([200]);
  });

  it('keeps the longest silence while a run is active, not before it started or after it ended', () => {
    const { recorder, apply, advance } = harness();
    apply({ type: 'card.created', cardId: 'c1', title: 'Idle', by: human });
    advance(10_000);
    apply(started, { type: 'message.started', ...task });
    advance(300);
    apply({ type: 'text.delta', ...task, text: 'a' });
    advance(900);
    apply({ type: 'text.delta', ...task, text: 'b' });
    advance(100);
    apply({ type: 'run.completed', runId: 'r1', deliverableIds: [] });
    expect(recorder.figures.longestGapMs).toBe(900);
    advance(60_000);
    apply({ type: 'card.created', cardId: 'c2', title: 'Idle again', by: human });
    expect(recorder.figures.longestGapMs).toBe(900);
    expect(recorder.takeReport()?.longestGapMs).toEqual([900]);
  });

  it('measures cancel to quiet as the cancel sent to the last delta of that run', () => {
    const { recorder, apply, advance } = harness();
    apply(started, { type: 'message.started', ...task }, { type: 'text.delta', ...task, text: 'a' });
    recorder.cancelSent('r1');
    advance(40);
    apply({ type: 'text.delta', ...task, text: 'late' });
    advance(60);
    apply({ type: 'cancel.requested', runId: 'r1', by: human }, { type: 'run.cancelled', runId: 'r1', by: human });
    expect(recorder.figures.cancelToQuietMs).toBe(40);
  });

  it('measures resume time from the first drop to caught up, and counts reconnects and digest mismatches once each', () => {
    const { recorder, advance } = harness();
    recorder.connectionLost();
    advance(500);
    recorder.connectionLost();
    advance(250);
    recorder.reconnected();
    recorder.caughtUp();
    recorder.digestMismatch();
    expect(recorder.figures).toMatchObject({ resumeMs: 750, reconnects: 1, digestMismatches: 1 });
    const report = recorder.takeReport();
    expect(report).toEqual({ device: 'desktop', resumeMs: [750], reconnects: 1, digestMismatches: 1 });
    expect(TelemetryReportSchema.safeParse(report).success).toBe(true);
    // Reported once: the next report has nothing new.
    expect(recorder.takeReport()).toBeUndefined();
  });

  it('tells listeners of each change', () => {
    const { recorder } = harness();
    const seen: number[] = [];
    const stop = recorder.subscribe((figures) => seen.push(figures.reconnects));
    recorder.reconnected();
    stop();
    recorder.reconnected();
    expect(seen).toEqual([1]);
  });
});

describe('device kinds', () => {
  it('reads phone, tablet and desktop from user agents, and groups other names as other', () => {
    expect(deviceKindFromUserAgent('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148')).toBe('phone');
    expect(deviceKindFromUserAgent('Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36')).toBe('phone');
    expect(deviceKindFromUserAgent('Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)')).toBe('tablet');
    expect(deviceKindFromUserAgent('Mozilla/5.0 (Linux; Android 14; SM-X910) Safari/537.36')).toBe('tablet');
    expect(deviceKindFromUserAgent('Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 Safari/537.36')).toBe('desktop');
    expect(deviceKindOf('phone')).toBe('phone');
    expect(deviceKindOf("Ada's laptop")).toBe('other');
  });
});
