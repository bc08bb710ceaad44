import { createDefaultTeam, type ModelProvider, type ModelStreamEvent, type SessionRecord } from '@marketing-team/core';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createOfflineProvider } from '../models/offline-provider.js';
import { MemoryStore } from '../stores/memory-store.js';
import { createTeamRuntime, TeamRuntimeOptionsError } from './team-runtime.js';
import { createControlledProvider } from './testing/controlled-provider.js';
import { createStoreRunHarness, type StoreRunHarness } from './testing/store-run-context.js';

const team = createDefaultTeam();
const system = { kind: 'system' } as const;
const harnesses: StoreRunHarness[] = [];
afterEach(() => {
  for (const harness of harnesses.splice(0)) harness.close();
});

async function harnessFor(brief: Record<string, unknown> = {}) {
  const harness = await createStoreRunHarness({
    store: new MemoryStore(),
    session: 'session-1',
    runId: 'run-1',
    brief: { goal: 'Launch the spring collection to weekend hikers', deliverables: ['research-brief', 'campaign-strategy'], ...brief } as never,
  });
  harnesses.push(harness);
  return harness;
}

const types = (records: SessionRecord[]) => records.map((record) => record.event.type);
const RESEARCH = 'research-brief';

describe('task liveness', () => {
  it('records a generation that stops yielding mid-stream as stalled within its window, and its progress after as resumed', async () => {
    const provider = createControlledProvider();
    provider.hold(RESEARCH);
    const harness = await harnessFor();
    const launched = createTeamRuntime({ team, provider, coalesceMs: 0, stallAfterMs: 150 }).launch(harness.context);
    const call = await provider.waitForCall(RESEARCH);
    const heldAt = Date.now();
    const stalled = await harness.waitFor((record) => record.event.type === 'task.stalled');
    expect(Date.now() - heldAt).toBeLessThan(1000);
    expect(stalled.event).toMatchObject({ type: 'task.stalled', runId: 'run-1', agent: 'market-researcher', reason: 'the model has sent no more output for 0 s' });
    if (stalled.event.type !== 'task.stalled') throw new Error('unreachable');
    expect(stalled.event.sinceMs).toBeGreaterThanOrEqual(150);
    const state = await harness.state();
    expect(state.runs['run-1']!.tasks[stalled.event.taskId]!.stalled?.reason).toMatch(/no more output/);
    // One event per stall, not one per beat of the timer.
    await sleep(400);
    expect(types(await harness.records()).filter((type) => type === 'task.stalled')).toHaveLength(1);

    call.release();
    const resumed = await harness.waitFor((record) => record.event.type === 'task.resumed');
    expect(resumed.event).toMatchObject({ taskId: stalled.event.taskId, agent: 'market-researcher' });
    if (resumed.event.type === 'task.resumed') expect(resumed.event.stalledMs).toBeGreaterThanOrEqual(400);
    await launched;
    const done = await harness.state();
    expect(done.runs['run-1']!.status).toBe('completed');
    expect(done.runs['run-1']!.tasks[stalled.event.taskId]!.stalled).toBeUndefined();
  });

  it('never calls the offline model stalled, nor a provider waiting out a retry it announced', async () => {
    const offline = await harnessFor();
    await createTeamRuntime({ team, provider: createOfflineProvider({ tokensPerSecond: 2000 }), stallAfterMs: 100 }).launch(offline.context);
    expect(types(await offline.records())).toContain('run.completed');
    expect(types(await offline.records())).not.toContain('task.stalled');

    // Announces a 400 ms backoff, waits it out, then answers: four windows of silence, all expected.
    const offlineDrafts = createOfflineProvider({ tokensPerSecond: 4000 });
    const backingOff: ModelProvider = {
      ...offlineDrafts,
      async *stream(request, signal): AsyncGenerator<ModelStreamEvent> {
        yield { type: 'retry', attempt: 1, delayMs: 400, reason: 'overloaded' };
        await sleep(400, undefined, { signal });
        yield* offlineDrafts.stream(request, signal);
      },
    };
    const retried = await harnessFor();
    await createTeamRuntime({ team, provider: backingOff, stallAfterMs: 100 }).launch(retried.context);
    expect(types(await retried.records())).toContain('run.completed');
    expect(types(await retried.records())).not.toContain('task.stalled');
  });

  it('validates stallAfterMs and whenUnwatched, naming the field', () => {
    const provider = createControlledProvider();
    expect(() => createTeamRuntime({ team, provider, stallAfterMs: -1 })).toThrow(TeamRuntimeOptionsError);
    expect(() => createTeamRuntime({ team, provider, whenUnwatched: { action: 'snooze' } as never })).toThrow(/whenUnwatched/);
  });
});

describe('a paused run', () => {
  it('stops generating at once, starts no task while paused, and starts the stopped generation over on resume', async () => {
    const provider = createControlledProvider();
    provider.hold(RESEARCH);
    const harness = await harnessFor({ whenUnwatched: { action: 'pause', afterMs: 0 } });
    const launched = createTeamRuntime({ team, provider, coalesceMs: 0, stallAfterMs: 0 }).launch(harness.context);
    const first = await provider.waitForCall(RESEARCH);
    const started = await harness.waitFor((record) => record.event.type === 'run.started');
    // The brief's policy is recorded for the session layer, which applies it.
    expect(started.event).toMatchObject({ whenUnwatched: { action: 'pause', afterMs: 0 } });

    await harness.submit({ type: 'run.paused', runId: 'run-1', reason: 'nobody is watching', unwatchedMs: 0, by: system });
    expect(await first.ended).toBe('aborted');
    const restarted = await harness.waitFor((record) => record.event.type === 'message.completed' && record.event.stopReason === 'restarted');
    expect(restarted.event).toMatchObject({ agent: 'market-researcher' });
    const callsBefore = provider.calls.length;
    provider.unhold(RESEARCH);
    await sleep(200);
    // Nothing is called while paused: not the stopped generation again, not the tasks after it.
    expect(provider.calls).toHaveLength(callsBefore);
    expect((await harness.state()).runs['run-1']!.paused?.reason).toBe('nobody is watching');

    await harness.submit({ type: 'run.resumed', runId: 'run-1', reason: 'someone is watching', by: system });
    await launched;
    const state = await harness.state();
    expect(state.runs['run-1']!.status).toBe('completed');
    expect(state.runs['run-1']!.paused).toBeUndefined();
    expect(provider.calls.filter((call) => call.skill === RESEARCH)).toHaveLength(2);
  });

  it('records the runtime default policy when the brief has none, and nothing for keep', async () => {
    const withDefault = await harnessFor();
    await createTeamRuntime({ team, provider: createControlledProvider(), whenUnwatched: { action: 'cancel' } }).launch(withDefault.context);
    expect((await withDefault.records()).find((record) => record.event.type === 'run.started')?.event).toMatchObject({
      whenUnwatched: { action: 'cancel', afterMs: 600_000 },
    });
    const keep = await harnessFor({ whenUnwatched: { action: 'keep' } });
    await createTeamRuntime({ team, provider: createControlledProvider(), whenUnwatched: { action: 'cancel' } }).launch(keep.context);
    expect((await keep.records()).find((record) => record.event.type === 'run.started')?.event).not.toHaveProperty('whenUnwatched');
  });
});
