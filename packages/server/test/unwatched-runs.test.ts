import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SessionClient, createDefaultTeam, type SessionRecord, type UnwatchedPolicyInput } from '@marketing-team/core';
import { createTeamRuntime } from '../src/runtime/team-runtime.js';
import { createControlledProvider, type ControlledProvider } from '../src/runtime/testing/controlled-provider.js';
import { MemoryStore } from '../src/stores/index.js';
import { readAll, startServer, until, type RunningServer } from './_harness.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const RESEARCH = 'research-brief';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A server whose research generations hang until released, so a run stays open as long as a test needs. */
async function serve(whenUnwatched?: UnwatchedPolicyInput): Promise<{ running: RunningServer; store: MemoryStore; provider: ControlledProvider }> {
  const store = new MemoryStore();
  const provider = createControlledProvider();
  provider.hold(RESEARCH);
  const launcher = createTeamRuntime({ team: createDefaultTeam(), provider, coalesceMs: 0, stallAfterMs: 0, ...(whenUnwatched ? { whenUnwatched } : {}) });
  const running = await startServer(store, { launcher });
  cleanups.push(() => running.close());
  return { running, store, provider };
}

/** One page of the session: its own client and socket. */
function openPage(running: RunningServer, session: string, name: string) {
  const client = new SessionClient({ url: running.wsUrl, WebSocket, clientId: name });
  cleanups.push(() => client.close());
  const handle = client.session(session, { getToken: (id) => running.token(id) });
  return { client, handle };
}

/** Opens a page, submits a brief and waits for the run's research generation; returns the page and the run. */
async function startRun(running: RunningServer, provider: ControlledProvider, session: string, whenUnwatched?: UnwatchedPolicyInput) {
  const page = openPage(running, session, 'first-page');
  const { runId } = await page.handle.submitBrief({
    goal: 'Launch the spring collection',
    deliverables: ['research-brief', 'campaign-strategy'],
    ...(whenUnwatched ? { whenUnwatched } : {}),
  });
  const call = await provider.waitForCall(RESEARCH);
  return { page, runId, call };
}

const ofRun = (records: SessionRecord[], runId: string) =>
  records.filter((record) => 'runId' in record.event && record.event.runId === runId).map((record) => record.event);

describe('run policies driven by who watches', () => {
  it('pause: pauses when the last page closes, resumes when a page opens, both recorded in the log', async () => {
    const { running, store, provider } = await serve();
    const { page, runId, call } = await startRun(running, provider, 'pause', { action: 'pause', afterMs: 200 });
    page.client.close();
    const closedAt = Date.now();
    await until(async () => ofRun(await readAll(store, 'pause'), runId).some((event) => event.type === 'run.paused'), 5000, 'run.paused');
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(150);
    const paused = ofRun(await readAll(store, 'pause'), runId).find((event) => event.type === 'run.paused');
    expect(paused).toMatchObject({ by: { kind: 'system' }, reason: expect.stringMatching(/nobody has watched/) });
    expect(paused?.type === 'run.paused' && paused.unwatchedMs).toBeGreaterThanOrEqual(150);
    // It stopped generating, and nothing new starts while it is paused.
    expect(await call.ended).toBe('aborted');
    const calls = provider.calls.length;
    provider.unhold(RESEARCH);
    await sleep(300);
    expect(provider.calls).toHaveLength(calls);

    const back = openPage(running, 'pause', 'second-page');
    await until(() => back.handle.getState().runs[runId]?.status === 'completed', 10_000, 'run completed after a page opened');
    const events = ofRun(await readAll(store, 'pause'), runId);
    const types = events.map((event) => event.type);
    expect(types.indexOf('run.resumed')).toBeGreaterThan(types.indexOf('run.paused'));
    expect(events.find((event) => event.type === 'run.resumed')).toMatchObject({ by: { kind: 'system' }, reason: expect.stringMatching(/opened the session/) });
    expect(back.handle.getState().runs[runId]?.paused).toBeUndefined();
  });

  it('pause: a reload within the wait does not pause the run', async () => {
    const { running, store, provider } = await serve();
    const { page, runId } = await startRun(running, provider, 'reload', { action: 'pause', afterMs: 1500 });
    page.client.close();
    await sleep(100);
    const reloaded = openPage(running, 'reload', 'reloaded-page');
    await until(() => reloaded.handle.getState().runs[runId]?.status === 'running', 5000, 'page open');
    await sleep(1700);
    expect(ofRun(await readAll(store, 'reload'), runId).map((event) => event.type)).not.toContain('run.paused');
  });

  it('cancel: a run nobody watches is cancelled by the system after the set time', async () => {
    const { running, store, provider } = await serve({ action: 'cancel', afterMs: 250 });
    const { page, runId, call } = await startRun(running, provider, 'abandoned');
    page.client.close();
    await until(async () => ofRun(await readAll(store, 'abandoned'), runId).some((event) => event.type === 'run.cancelled'), 5000, 'run.cancelled');
    const cancelled = ofRun(await readAll(store, 'abandoned'), runId).find((event) => event.type === 'run.cancelled');
    expect(cancelled).toMatchObject({ by: { kind: 'system' }, reason: expect.stringMatching(/^nobody watched for \d+ s$/) });
    expect(await call.ended).toBe('aborted');
    const late = openPage(running, 'abandoned', 'late-page');
    await until(() => late.handle.getState().runs[runId]?.status === 'cancelled', 5000, 'cancelled on a page opened later');
  });

  it('keep: a run nobody watches goes on and completes, with no pause or cancel recorded', async () => {
    const { running, store, provider } = await serve({ action: 'cancel', afterMs: 200 });
    // The brief's policy outranks the runtime's default.
    const { page, runId } = await startRun(running, provider, 'kept', { action: 'keep' });
    page.client.close();
    await sleep(500);
    provider.unhold(RESEARCH);
    await until(async () => ofRun(await readAll(store, 'kept'), runId).some((event) => event.type === 'run.completed'), 10_000, 'run.completed');
    const types = ofRun(await readAll(store, 'kept'), runId).map((event) => event.type);
    expect(types).not.toContain('run.paused');
    expect(types).not.toContain('run.cancelled');
  });
});
