import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClientFrame, DeliveryTelemetry, SessionEventInput, SessionRecord } from '../protocol/index.js';
import type { ConnectionState } from './connection-state.js';
import { LazyDeviceSignals, type DeviceSignalsModule } from './_lazy-device-signals.js';
import { applyRecords, createSessionState } from './reducer.js';

const task = { runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1' };
const started: SessionEventInput = {
  type: 'run.started',
  runId: 'r1',
  tasks: [{ id: 't1', title: 'Write', skill: 'social-posts', agent: 'content-creator', dependsOn: [] }],
  model: { provider: 'offline', name: 'offline', offline: true },
};
const brief = { type: 'publish', session: 's', clientMsgId: 'c1', event: { type: 'brief.submitted', runId: 'r1' } } as unknown as Extract<ClientFrame, { type: 'publish' }>;
const live: ConnectionState = { status: 'live', attempt: 0, queued: 0, transport: 'websocket' };
const down: ConnectionState = { status: 'reconnecting', attempt: 1, queued: 0, transport: 'websocket' };

/** Signals whose module loads when the test says so (the real module), on a clock the test sets. */
function harness() {
  let finish!: () => void;
  const loaded = import('./_device-signals.js');
  const load = () => new Promise<DeviceSignalsModule>((resolve) => (finish = () => void loaded.then(resolve)));
  const sent: unknown[] = [];
  const errors: unknown[] = [];
  const signals = new LazyDeviceSignals('desktop', (frame) => (sent.push(frame), true), (error) => errors.push(error), load);
  let state = createSessionState();
  let offset = 0;
  const apply = (...events: SessionEventInput[]) => {
    const records = events.map((event) => ({ offset: ++offset, at: Date.now(), event }) as SessionRecord);
    state = applyRecords(state, records);
    signals.applied('s', records, state);
  };
  return { signals, apply, sent, errors, finishLoading: async () => (finish(), await loaded, await Promise.resolve()) };
}

describe('LazyDeviceSignals', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(10_000);
  });
  afterEach(() => vi.useRealTimers());

  it('replays what happened before the recorder loaded at the times it happened', async () => {
    const { signals, apply, finishLoading } = harness();
    const heard: DeliveryTelemetry[] = [];
    signals.subscribe((telemetry) => heard.push(telemetry));
    signals.wrote(brief);
    apply(started, { type: 'task.started', ...task }, { type: 'message.started', ...task });
    vi.setSystemTime(10_300);
    apply({ type: 'text.delta', ...task, text: 'Hello' });
    signals.connectionChanged(live, down);
    vi.setSystemTime(11_000);
    signals.welcomed(true);
    signals.connectionChanged(down, { ...live, lastResume: { caughtUp: 0, at: 11_400 } });
    signals.digestMismatch();
    // Nothing is measured yet: the figures stay at zero until the module is in.
    expect(signals.telemetry).toEqual({ device: 'desktop', reconnects: 0, digestMismatches: 0 });

    vi.setSystemTime(60_000);
    await finishLoading();
    expect(signals.telemetry).toEqual({ device: 'desktop', reconnects: 1, digestMismatches: 1, timeToFirstTokenMs: 300, longestGapMs: 300, resumeMs: 700 });
    // A listener subscribed before the load heard each change as it was replayed.
    expect(heard.at(-1)).toEqual(signals.telemetry);
    expect(heard.length).toBeGreaterThanOrEqual(4);
  });

  it('measures live once loaded, and a listener unsubscribed before the load hears nothing', async () => {
    const { signals, finishLoading } = harness();
    const heard: DeliveryTelemetry[] = [];
    signals.subscribe((telemetry) => heard.push(telemetry))();
    await finishLoading();
    signals.digestMismatch();
    expect(signals.telemetry.digestMismatches).toBe(1);
    expect(heard).toEqual([]);
  });

  it('does nothing once closed, even when the module loads after', async () => {
    const { signals, sent, finishLoading } = harness();
    signals.welcomed(false);
    signals.digestMismatch();
    signals.close();
    await finishLoading();
    signals.digestMismatch();
    expect(signals.telemetry.digestMismatches).toBe(0);
    expect(sent).toEqual([]);
  });

  it('reports a module that could not load, and stops keeping calls', async () => {
    const errors: unknown[] = [];
    const signals = new LazyDeviceSignals('phone', () => true, (error) => errors.push(error), () => Promise.reject(new Error('chunk missing')));
    await Promise.resolve();
    await Promise.resolve();
    signals.digestMismatch();
    expect(errors).toEqual([new Error('chunk missing')]);
    expect(signals.telemetry).toEqual({ device: 'phone', reconnects: 0, digestMismatches: 0 });
  });

  it('loads the real module on its own', async () => {
    const signals = new LazyDeviceSignals('tablet', () => true, (error) => {
      throw error;
    });
    signals.digestMismatch();
    await vi.waitFor(() => expect(signals.telemetry.digestMismatches).toBe(1));
    signals.close();
  });
});
