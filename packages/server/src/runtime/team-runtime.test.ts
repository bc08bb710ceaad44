import { createDefaultTeam, type PlannedTask, type SessionEvent, type SessionRecord } from '@marketing-team/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ModelError } from '../models/model-error.js';
import { createOfflineProvider } from '../models/offline-provider.js';
import { MemoryStore } from '../stores/memory-store.js';
import { createTeamRuntime, TeamRuntimeOptionsError } from './team-runtime.js';
import { createControlledProvider, type ControlledCall, type ControlledProvider } from './testing/controlled-provider.js';
import { createStoreRunHarness, type StoreRunHarness } from './testing/store-run-context.js';

const team = createDefaultTeam();
const human = { kind: 'human', id: 'person-1' } as const;
const harnesses: StoreRunHarness[] = [];
afterEach(() => {
  for (const harness of harnesses.splice(0)) harness.close();
});

async function setup(options: { reviewGates?: string[]; retry?: { attempts?: number; delayMs?: number } } = {}) {
  const store = new MemoryStore();
  const provider = createControlledProvider();
  const runId = 'run-1';
  const brief = { goal: 'Launch the spring collection to weekend hikers', reviewGates: options.reviewGates ?? [] } as const;
  const harness = await createStoreRunHarness({ store, session: 'session-1', runId, brief: brief as never });
  harnesses.push(harness);
  const plan = team.planCampaign(brief as never, { runId });
  const task = (step: string): PlannedTask => plan.find((candidate) => candidate.id === `${runId}:${step}`)!;
  const runtime = createTeamRuntime({ team, provider, coalesceMs: 0, ...(options.retry ? { retry: options.retry } : {}) });
  return { store, provider, runId, harness, plan, task, runtime };
}

const events = (records: SessionRecord[]) => records.map((record) => record.event);
const ofType = <T extends SessionEvent['type']>(records: SessionRecord[], type: T) =>
  records.filter((record): record is SessionRecord & { event: Extract<SessionEvent, { type: T }> } => record.event.type === type);
const offsetOf = (records: SessionRecord[], predicate: (event: SessionEvent) => boolean) =>
  records.find((record) => predicate(record.event))?.offset ?? Number.NaN;
const forTask = (taskId: string) => (event: SessionEvent) => 'taskId' in event && event.taskId === taskId;

async function releaseAll(provider: ControlledProvider, skill: string, n = 1) {
  (await provider.waitForCall(skill, n)).release();
}

describe('createTeamRuntime', () => {
  it('validates its options and names the bad field', () => {
    expect(() => createTeamRuntime({ team, provider: createControlledProvider(), concurrency: 0 })).toThrow(TeamRuntimeOptionsError);
    expect(() => createTeamRuntime({ team: {} as never, provider: createControlledProvider() })).toThrow(/team/);
  });

  it('records routing and the plan, runs independent tasks in parallel and dependants after their prerequisites', async () => {
    const { provider, harness, plan, task, runtime } = await setup();
    const research = task('research');
    const competitors = task('competitors');
    const strategy = task('strategy');
    const fanOut = ['social', 'ads', 'landing', 'creative', 'measurement'].map(task);
    for (const planned of plan) provider.hold(planned.skill);
    const launched = runtime.launch(harness.context);

    // Both roots are generating at the same time, and the strategy has not been asked for.
    const [first, second] = await Promise.all([provider.waitForCall(research.skill), provider.waitForCall(competitors.skill)]);
    expect(provider.calls.map((call) => call.skill).sort()).toEqual([competitors.skill, research.skill].sort());
    first.release();
    await first.ended;
    expect(provider.calls.some((call) => call.skill === strategy.skill)).toBe(false);
    second.release();
    await releaseAll(provider, strategy.skill);
    // All five dependants of the strategy are generating at once before any of them is released.
    const fanCalls = await Promise.all(fanOut.map((planned) => provider.waitForCall(planned.skill)));
    expect(fanCalls).toHaveLength(5);
    for (const call of fanCalls) call.release();
    await launched;

    const records = await harness.records();
    const routing = ofType(records, 'routing.decided');
    expect(routing.map((record) => record.event.taskId)).toEqual(plan.map((planned) => planned.id));
    for (const record of routing) expect(record.event.reason.length).toBeGreaterThan(20);
    const started = ofType(records, 'run.started')[0]!;
    expect(started.event.tasks).toEqual(plan);
    expect(started.event.model).toEqual({ provider: 'controlled', name: 'controlled-test-model', offline: false });
    expect(started.offset).toBeGreaterThan(routing.at(-1)!.offset);
    for (const planned of plan) {
      const begins = offsetOf(records, (event) => event.type === 'task.started' && event.taskId === planned.id);
      for (const dependency of planned.dependsOn) {
        expect(begins).toBeGreaterThan(offsetOf(records, (event) => event.type === 'task.completed' && event.taskId === dependency));
      }
    }
    const completed = ofType(records, 'run.completed')[0]!;
    expect(completed.event.deliverableIds).toHaveLength(plan.length);
    expect(records.at(-1)).toBe(completed);
  });

  it('runs at most `concurrency` generations of a run at once and starts the next as one ends', async () => {
    const store = new MemoryStore();
    const provider = createControlledProvider();
    const harness = await createStoreRunHarness({ store, session: 'session-c', runId: 'run-c', brief: { goal: 'Launch the trail shoe' } });
    harnesses.push(harness);
    const plan = team.planCampaign({ goal: 'Launch the trail shoe' }, { runId: 'run-c' });
    const fanOut = plan.filter((planned) => planned.dependsOn.length === 1);
    for (const planned of fanOut) provider.hold(planned.skill);
    let active = 0;
    let most = 0;
    const stream = provider.stream.bind(provider);
    const counted = {
      ...provider,
      stream: async function* (request: Parameters<typeof stream>[0], signal: AbortSignal) {
        most = Math.max(most, ++active);
        try {
          yield* stream(request, signal);
        } finally {
          active--;
        }
      },
    };
    const launched = createTeamRuntime({ team, provider: counted, concurrency: 2, coalesceMs: 0 }).launch(harness.context);
    const fanSkills = new Set(fanOut.map((planned) => planned.skill));
    const released = new Set<ControlledCall>();
    while (released.size < fanOut.length) {
      // Take the next held fan-out call, check the limit, let it finish; the limiter admits another.
      const next = await vi.waitFor(() => {
        const call = provider.calls.find((candidate) => fanSkills.has(candidate.skill) && !released.has(candidate));
        if (!call) throw new Error('no new call yet');
        return call;
      });
      expect(active).toBeLessThanOrEqual(2);
      released.add(next);
      next.release();
      await next.ended;
    }
    await launched;
    expect(most).toBe(2);
    expect(ofType(await harness.records(), 'run.completed')[0]?.event.deliverableIds).toHaveLength(plan.length);
  });

  it('gives an agent its own model when providerFor returns one', async () => {
    const { provider, harness, task } = await setup();
    const analyst = task('measurement').agent;
    const runtime = createTeamRuntime({
      team,
      provider,
      providerFor: (agent) => (agent.name === analyst ? createOfflineProvider({ tokensPerSecond: 100_000 }) : undefined),
      coalesceMs: 0,
    });
    await runtime.launch(harness.context);
    expect(provider.calls.map((call) => call.agent)).not.toContain(analyst);
    const records = await harness.records();
    for (const record of ofType(records, 'message.started')) expect(record.event.offline).toBe(record.event.agent === analyst);
    expect(ofType(records, 'run.started')[0]?.event.model.provider).toBe('controlled');
    const analystUsage = ofType(records, 'usage').find((record) => record.event.agent === analyst);
    expect(analystUsage?.event.costUsd).toBe(0);
    expect(() => createTeamRuntime({ team, provider, providerFor: () => ({}) as never })).toThrow(/providerFor/);
  });

  it('writes each task’s own message: started, deltas whose text adds up, completed with the full text', async () => {
    const { harness, runtime } = await setup();
    await runtime.launch(harness.context);
    const records = await harness.records();
    for (const completed of ofType(records, 'message.completed')) {
      const { messageId } = completed.event;
      const deltas = ofType(records, 'text.delta').filter((record) => record.event.messageId === messageId);
      const startedAt = offsetOf(records, (event) => event.type === 'message.started' && event.messageId === messageId);
      expect(deltas.length).toBeGreaterThan(0);
      expect(deltas.map((record) => record.event.text).join('')).toBe(completed.event.text);
      for (const delta of deltas) expect(delta.offset).toBeGreaterThan(startedAt);
      expect(completed.event.stopReason).toBe('end');
    }
    const state = await harness.state();
    expect(state.runs['run-1']?.status).toBe('completed');
  });

  it('cancels one task: aborts its model call, keeps the partial output, blocks its dependants, finishes the rest', async () => {
    const { provider, harness, task, runtime } = await setup();
    const strategy = task('strategy');
    provider.hold(strategy.skill);
    const launched = runtime.launch(harness.context);
    const call = await provider.waitForCall(strategy.skill);
    await harness.waitFor((record) => record.event.type === 'text.delta' && record.event.taskId === strategy.id);
    await harness.submit({ type: 'cancel.requested', runId: 'run-1', scope: { taskId: strategy.id }, by: human });
    expect(await call.ended).toBe('aborted');
    await launched;

    const records = await harness.records();
    const closed = ofType(records, 'message.completed').find((record) => record.event.taskId === strategy.id)!;
    expect(closed.event.stopReason).toBe('cancelled');
    expect(closed.event.text.length).toBeGreaterThan(0);
    const cancelled = ofType(records, 'task.cancelled').find((record) => record.event.taskId === strategy.id)!;
    expect(cancelled.event.by).toEqual(human);
    const blocked = ofType(records, 'task.blocked').map((record) => record.event.taskId);
    expect(blocked.sort()).toEqual(['social', 'ads', 'landing', 'creative', 'measurement'].map((step) => task(step).id).sort());
    const completed = ofType(records, 'run.completed')[0]!;
    expect(completed.event.deliverableIds.sort()).toEqual([task('research').id, task('competitors').id].map((id) => `${id}.deliverable`).sort());
    expect(events(records).filter(forTask(strategy.id)).some((event) => event.type === 'deliverable.created')).toBe(false);
  });

  it('cancels every task of one agent and lets the other agents finish', async () => {
    const { provider, harness, task, runtime } = await setup();
    const social = task('social');
    provider.hold(social.skill);
    const launched = runtime.launch(harness.context);
    await provider.waitForCall(social.skill);
    await harness.submit({ type: 'cancel.requested', runId: 'run-1', scope: { agent: social.agent }, by: human });
    await launched;
    const records = await harness.records();
    const byAgent = ['social', 'ads', 'landing'].map(task).filter((planned) => planned.agent === social.agent);
    for (const planned of byAgent) {
      const ended = events(records).filter(forTask(planned.id)).map((event) => event.type);
      expect(ended).toContain('task.cancelled');
    }
    const done = ofType(records, 'task.completed').map((record) => record.event.agent);
    expect(done).not.toContain(social.agent);
    expect(new Set(done).size).toBeGreaterThanOrEqual(3);
    expect(ofType(records, 'run.completed')).toHaveLength(1);
  });

  it('stops everything on a whole-run cancel and writes nothing after it', async () => {
    const { provider, harness, plan, runtime } = await setup();
    for (const planned of plan) provider.hold(planned.skill);
    let appendsAfterCancel = 0;
    const append = harness.context.append;
    harness.context.append = (batch) => {
      if (harness.context.signal.aborted) appendsAfterCancel++;
      return append(batch);
    };
    const launched = runtime.launch(harness.context);
    const calls = await Promise.all([provider.waitForCall(plan[0]!.skill), provider.waitForCall(plan[1]!.skill)]);
    await harness.waitFor((record) => record.event.type === 'text.delta' && record.event.taskId === plan[0]!.id);
    await harness.cancelRun(human);
    await launched;
    for (const call of calls) expect(await call.ended).toBe('aborted');
    expect(appendsAfterCancel).toBe(0);
    const records = await harness.records();
    expect(records.at(-1)?.event.type).toBe('run.cancelled');
    // Partial output stays: the deltas already written are still in the log.
    expect(ofType(records, 'text.delta').length).toBeGreaterThan(0);
    expect((await harness.state()).runs['run-1']?.status).toBe('cancelled');
  });

  it('applies a next-turn steer at the named agent’s next generation and records steer.applied', async () => {
    const { provider, harness, task, runtime } = await setup();
    const research = task('research');
    const strategy = task('strategy');
    provider.hold(research.skill);
    const launched = runtime.launch(harness.context);
    const held = await provider.waitForCall(research.skill);
    const steerOffset = await harness.submit({
      type: 'steer.submitted',
      runId: 'run-1',
      instruction: 'Lead with sustainability',
      scope: { agent: strategy.agent },
      mode: 'next-turn',
      by: human,
    });
    held.release();
    await launched;
    const strategyCall = await provider.waitForCall(strategy.skill);
    expect(strategyCall.request.purpose).toMatchObject({ kind: 'skill', steers: ['Lead with sustainability'] });
    for (const call of provider.calls.filter((candidate) => candidate.agent !== strategy.agent)) {
      expect(call.request.purpose).toMatchObject({ steers: [] });
    }
    const records = await harness.records();
    const applied = ofType(records, 'steer.applied');
    expect(applied.map((record) => record.event)).toEqual([
      { type: 'steer.applied', runId: 'run-1', taskId: strategy.id, agent: strategy.agent, steerOffset },
    ]);
    expect(applied[0]!.offset).toBeLessThan(offsetOf(records, (event) => event.type === 'message.started' && event.taskId === strategy.id));
    const state = await harness.state();
    expect(state.steers[0]?.appliedTo).toEqual([{ agent: strategy.agent, taskId: strategy.id, offset: applied[0]!.offset }]);
  });

  it('restarts the current generation on a restart steer, closing the old message as restarted', async () => {
    const { provider, harness, task, runtime } = await setup();
    const social = task('social');
    provider.hold(social.skill);
    const launched = runtime.launch(harness.context);
    const first = await provider.waitForCall(social.skill, 1);
    await harness.waitFor((record) => record.event.type === 'text.delta' && record.event.taskId === social.id);
    const steerOffset = await harness.submit({
      type: 'steer.submitted',
      runId: 'run-1',
      instruction: 'Shorter posts, no emoji',
      scope: { taskId: social.id },
      mode: 'restart',
      by: human,
    });
    expect(await first.ended).toBe('aborted');
    const second = await provider.waitForCall(social.skill, 2);
    expect(second.request.purpose).toMatchObject({ steers: ['Shorter posts, no emoji'] });
    second.release();
    await launched;
    const records = await harness.records();
    const messages = ofType(records, 'message.completed').filter((record) => record.event.taskId === social.id);
    expect(messages.map((record) => record.event.stopReason)).toEqual(['restarted', 'end']);
    expect(messages[0]!.event.text.length).toBeGreaterThan(0);
    const applied = ofType(records, 'steer.applied').find((record) => record.event.taskId === social.id)!;
    expect(applied.event.steerOffset).toBe(steerOffset);
    expect(applied.offset).toBeGreaterThan(messages[0]!.offset);
    expect(ofType(records, 'task.completed').some((record) => record.event.taskId === social.id)).toBe(true);
  });

  it('isolates a failing agent: its task fails with a typed error, dependants are blocked, the rest completes', async () => {
    const { provider, harness, task, runtime } = await setup();
    const landing = task('landing');
    provider.failAlways(landing.skill, new ModelError('overloaded', 'Overloaded', { retryable: true, status: 529 }));
    await runtime.launch(harness.context);
    const records = await harness.records();
    const failed = ofType(records, 'task.failed');
    expect(failed.map((record) => record.event)).toEqual([
      { type: 'task.failed', runId: 'run-1', taskId: landing.id, agent: landing.agent, error: { code: 'overloaded', message: 'Overloaded', retryable: true } },
    ]);
    const closed = ofType(records, 'message.completed').find((record) => record.event.taskId === landing.id)!;
    expect(closed.event.stopReason).toBe('error');
    const completed = ofType(records, 'run.completed')[0]!;
    expect(completed.event.deliverableIds).toHaveLength(7);
    expect((await harness.state()).runs['run-1']?.tasks[landing.id]?.status).toBe('failed');
  });

  it('retries a task whose model call failed retryably when asked to, then fails it', async () => {
    const { provider, harness, task, runtime } = await setup({ retry: { attempts: 2, delayMs: 0 } });
    const measurement = task('measurement');
    provider.failAlways(measurement.skill, new ModelError('rate_limited', 'Rate limited', { retryable: true, status: 429 }));
    await runtime.launch(harness.context);
    expect(provider.calls.filter((call) => call.skill === measurement.skill)).toHaveLength(2);
    const records = await harness.records();
    expect(ofType(records, 'task.failed').map((record) => record.event.error.code)).toEqual(['rate_limited']);
  });

  it('blocks dependants of a failed prerequisite and fails the run when nothing could be produced', async () => {
    const { provider, harness, task, runtime } = await setup();
    const error = new ModelError('model_error', 'invalid api key', { status: 401 });
    provider.failAlways(task('research').skill, error);
    provider.failAlways(task('competitors').skill, error);
    await runtime.launch(harness.context);
    const records = await harness.records();
    expect(ofType(records, 'task.blocked')).toHaveLength(6);
    const failed = ofType(records, 'run.failed')[0]!;
    expect(failed.event.error.code).toBe('model_error');
    expect(ofType(records, 'run.completed')).toHaveLength(0);
    expect(provider.calls).toHaveLength(2);
  });

  it('holds dependants at a review gate until approval, and re-runs the task with the comment on request', async () => {
    const { provider, harness, task, runtime } = await setup({ reviewGates: ['campaign-strategy'] });
    const strategy = task('strategy');
    expect(strategy.review).toBe(true);
    const launched = runtime.launch(harness.context);
    const firstReview = await harness.waitFor((record) => record.event.type === 'review.requested');
    expect((await harness.state()).runs['run-1']?.tasks[strategy.id]?.status).toBe('review');
    expect(provider.calls.some((call) => call.skill === task('social').skill)).toBe(false);

    await harness.submit({ type: 'review.changes_requested', runId: 'run-1', taskId: strategy.id, comment: 'Name the price in every message', by: human });
    const second = await provider.waitForCall(strategy.skill, 2);
    expect(second.request.purpose).toMatchObject({ steers: [expect.stringContaining('Name the price in every message')] });
    const secondReview = await harness.waitFor((record) => record.event.type === 'review.requested' && record.offset > firstReview.offset);
    expect(provider.calls.some((call) => call.skill === task('social').skill)).toBe(false);

    await harness.submit({ type: 'review.approved', runId: 'run-1', taskId: strategy.id, by: human });
    await launched;
    const records = await harness.records();
    const socialStarted = offsetOf(records, (event) => event.type === 'task.started' && event.taskId === task('social').id);
    expect(socialStarted).toBeGreaterThan(secondReview.offset);
    const state = await harness.state();
    expect(state.runs['run-1']?.status).toBe('completed');
    expect(state.runs['run-1']?.tasks[strategy.id]?.status).toBe('done');
    // The revision replaces the first version under the same deliverable id.
    expect(ofType(records, 'deliverable.created').filter((record) => record.event.taskId === strategy.id)).toHaveLength(2);
    expect(state.runs['run-1']?.deliverableIds).toHaveLength(8);
  });
  it('gives a dependant that starts after a person edited its input the edited version (with and without a review gate)', async () => {
    const { provider, harness, task, runtime } = await setup({ reviewGates: ['campaign-strategy'] });
    const research = task('research');
    const competitors = task('competitors');
    const strategy = task('strategy');
    provider.hold(competitors.skill);
    const launched = runtime.launch(harness.context);
    const edit = async (taskId: string, marker: string) => {
      const state = await harness.state();
      const deliverableId = state.runs['run-1']!.tasks[taskId]!.deliverableId!;
      const current = state.deliverables[deliverableId]!;
      return harness.submit({
        type: 'deliverable.edited',
        runId: 'run-1',
        taskId,
        deliverableId,
        baseVersion: state.deliverableVersions[deliverableId]!.version,
        content: { kind: current.kind, title: current.title, markdown: `${current.markdown}\n\n${marker}`, data: current.data } as never,
        by: human,
      });
    };

    // The research is done and handed to the run; the strategy waits for the competitors.
    await harness.waitFor((record) => record.event.type === 'task.completed' && record.event.taskId === research.id);
    await edit(research.id, 'EDITED-RESEARCH: only weekend hikers in the Alps.');
    (await provider.waitForCall(competitors.skill)).release();
    const strategyCall = await provider.waitForCall(strategy.skill);
    expect(strategyCall.request.messages[0]!.content).toContain('EDITED-RESEARCH: only weekend hikers in the Alps.');

    // The strategy waits at its gate; it is edited there, then approved: its dependants get the edit.
    await harness.waitFor((record) => record.event.type === 'review.requested');
    await edit(strategy.id, 'EDITED-STRATEGY: lead with the price.');
    await harness.submit({ type: 'review.approved', runId: 'run-1', taskId: strategy.id, by: human });
    const social = await provider.waitForCall(task('social').skill);
    expect(social.request.messages[0]!.content).toContain('EDITED-STRATEGY: lead with the price.');
    await launched;
    expect((await harness.state()).runs['run-1']?.status).toBe('completed');
  });
});
