import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SessionClient, createDefaultTeam, type SessionHandle } from '@marketing-team/core';
import { createTeamRuntime } from '../src/runtime/team-runtime.js';
import { createControlledProvider } from '../src/runtime/testing/controlled-provider.js';
import { MemoryStore } from '../src/stores/index.js';
import { readAll, startServer, until } from './_harness.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const STALL_AFTER_MS = 400;
const RESEARCH = 'research-brief';

/** The research task of the session's only run, as one device holds it. */
function research(handle: SessionHandle) {
  const state = handle.getState();
  const run = state.runs[state.runOrder[0] ?? ''];
  return run && Object.values(run.tasks).find((task) => task.skill === RESEARCH);
}

describe('a hung model call, seen from every device', () => {
  it('shows the task stalled on two subscribed clients within its window, and clears when output resumes', async () => {
    const store = new MemoryStore();
    const provider = createControlledProvider();
    provider.hold(RESEARCH);
    const launcher = createTeamRuntime({ team: createDefaultTeam(), provider, coalesceMs: 0, stallAfterMs: STALL_AFTER_MS });
    const running = await startServer(store, { launcher });
    cleanups.push(() => running.close());
    const devices = ['laptop', 'phone'].map((device) => {
      const client = new SessionClient({ url: running.wsUrl, WebSocket, clientId: device });
      cleanups.push(() => client.close());
      return client.session('hung', { getToken: (session) => running.token(session, ['read', 'write', 'control'], `user-${device}`) });
    });
    await devices[0]!.submitBrief({ goal: 'Launch the spring collection', deliverables: ['research-brief', 'campaign-strategy'] });
    const call = await provider.waitForCall(RESEARCH);

    for (const device of devices) await until(() => research(device)?.stalled !== undefined, 5000, 'stalled on a device');
    // Not called early: the stall was written a whole window after the task's last progress, by
    // the server's clock (how soon devices see it is a latency figure, not a test's business).
    const stalled = (await readAll(store, 'hung')).find((record) => record.event.type === 'task.stalled')!.event as { sinceMs: number };
    expect(stalled.sinceMs).toBeGreaterThanOrEqual(STALL_AFTER_MS);
    for (const device of devices) {
      const task = research(device)!;
      expect(task.status).toBe('in_progress');
      expect(task.stalled?.reason).toMatch(/no more output/);
      const state = device.getState();
      expect(state.board[Object.keys(state.board).find((id) => id.endsWith(task.id))!]?.stalled).toEqual(task.stalled);
    }

    call.release();
    for (const device of devices) await until(() => research(device)?.stalled === undefined, 5000, 'stall cleared on a device');
    for (const device of devices) await until(() => device.getState().runs[device.getState().runOrder[0]!]?.status === 'completed', 10_000, 'run completed');
    const types = (await readAll(store, 'hung')).map((record) => record.event.type);
    expect(types.filter((type) => type === 'task.stalled')).toHaveLength(1);
    expect(types.indexOf('task.resumed')).toBeGreaterThan(types.indexOf('task.stalled'));
  });
});
