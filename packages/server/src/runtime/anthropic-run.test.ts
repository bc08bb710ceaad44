import { createDefaultTeam, type SessionRecord } from '@marketing-team/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAnthropicProvider } from '../models/anthropic-provider.js';
import { startMessagesApiDouble, type MessagesApiDouble } from '../models/testing/messages-api-double.js';
import { MemoryStore } from '../stores/memory-store.js';
import { createTeamRuntime } from './team-runtime.js';
import { createStoreRunHarness, type StoreRunHarness } from './testing/store-run-context.js';

const human = { kind: 'human', id: 'person-1' } as const;
const taskId = 'run-1:research';

describe('the team runtime over the Anthropic provider and a Messages API double', () => {
  let api: MessagesApiDouble;
  let harness: StoreRunHarness;
  beforeEach(async () => {
    api = await startMessagesApiDouble();
    harness = await createStoreRunHarness({
      store: new MemoryStore(),
      session: 'session-1',
      runId: 'run-1',
      brief: { goal: 'Launch the trail shoe', deliverables: ['research-brief'] },
    });
  });
  afterEach(async () => {
    harness.close();
    await api.close();
  });

  const runtime = () =>
    createTeamRuntime({
      team: createDefaultTeam(),
      provider: createAnthropicProvider({ apiKey: 'test-key', baseURL: api.baseURL, model: 'claude-sonnet-5-5', retryMaxDelayMs: 120_000 }),
      coalesceMs: 0,
    });
  const ofType = (records: SessionRecord[], type: string) => records.filter((record) => record.event.type === type).map((record) => record.event);

  it('streams a task from the real SDK and records usage with the model’s price', async () => {
    api.script({ kind: 'stream', chunks: ['# Research', '\n\nHikers want', ' light shoes.'], usage: { input_tokens: 900, output_tokens: 12, cache_creation_input_tokens: 2000 } });
    await runtime().launch(harness.context);
    const records = await harness.records();
    expect(ofType(records, 'message.completed')).toMatchObject([{ text: '# Research\n\nHikers want light shoes.', stopReason: 'end' }]);
    const [usage] = ofType(records, 'usage');
    expect(usage).toMatchObject({ inputTokens: 900, outputTokens: 12, cacheWriteTokens: 2000, cacheReadTokens: 0, skill: 'research-brief' });
    expect(usage && 'costUsd' in usage && usage.costUsd).toBeCloseTo((900 * 2 + 12 * 10 + 2000 * 2.5) / 1e6, 12);
    // The brand context went first, marked for the prompt cache.
    expect((api.requests[0]?.body.system as Array<Record<string, unknown>>)[0]).toMatchObject({ cache_control: { type: 'ephemeral' } });
    expect(ofType(records, 'run.completed')).toHaveLength(1);
  });

  it('closes the partial message when the provider starts over after a mid-stream overload, and sums both attempts’ usage', async () => {
    api.script(
      { kind: 'stream', chunks: ['First ', 'try ', 'lost'], errorAfter: { chunks: 2, type: 'overloaded_error' }, usage: { input_tokens: 100 } },
      { kind: 'stream', chunks: ['Second ', 'try.'], usage: { input_tokens: 100, output_tokens: 2 } },
    );
    const fast = createTeamRuntime({
      team: createDefaultTeam(),
      provider: createAnthropicProvider({ apiKey: 'test-key', baseURL: api.baseURL, retryBaseDelayMs: 1 }),
      coalesceMs: 0,
    });
    await fast.launch(harness.context);
    const records = await harness.records();
    const messages = ofType(records, 'message.completed');
    expect(messages).toMatchObject([
      { text: 'First try ', stopReason: 'error' },
      { text: 'Second try.', stopReason: 'end' },
    ]);
    expect(ofType(records, 'message.started')).toHaveLength(2);
    expect(ofType(records, 'usage')).toMatchObject([{ inputTokens: 200 }]);
    expect(ofType(records, 'task.completed')).toHaveLength(1);
  });

  it('a scoped cancel closes the HTTP request mid-stream and keeps the partial text', async () => {
    api.script({ kind: 'stream', chunks: ['Partial ', 'answer ', 'never finished'], stallAfter: 2 });
    const launched = runtime().launch(harness.context);
    await harness.waitFor((record) => record.event.type === 'text.delta' && record.event.text.includes('answer'));
    await harness.submit({ type: 'cancel.requested', runId: 'run-1', scope: { taskId }, by: human });
    await launched;
    await expect(api.requests[0]!.closed).resolves.toEqual({ closedByClient: true });
    const records = await harness.records();
    expect(ofType(records, 'message.completed')).toMatchObject([{ text: 'Partial answer ', stopReason: 'cancelled' }]);
    expect(ofType(records, 'task.cancelled')).toMatchObject([{ taskId, by: human }]);
  });

  it('a scoped cancel during the retry wait ends the task without another request', async () => {
    // A 60 s retry-after: if the cancel did not cut the wait short, the test would time out.
    api.script({ kind: 'error', status: 529, retryAfterSeconds: 60 });
    const launched = runtime().launch(harness.context);
    const [first] = await api.waitForRequests(1);
    await first!.closed;
    await harness.submit({ type: 'cancel.requested', runId: 'run-1', scope: { agent: 'market-researcher' }, by: human });
    await launched;
    expect(api.requests).toHaveLength(1);
    const records = await harness.records();
    expect(ofType(records, 'task.cancelled')).toMatchObject([{ taskId }]);
    expect(ofType(records, 'run.completed')).toMatchObject([{ deliverableIds: [] }]);
  });

  it('a whole-run cancel during the retry wait stops the run quietly', async () => {
    api.script({ kind: 'error', status: 429, retryAfterSeconds: 60 });
    const launched = runtime().launch(harness.context);
    const [first] = await api.waitForRequests(1);
    await first!.closed;
    await harness.cancelRun(human);
    await launched;
    expect(api.requests).toHaveLength(1);
    expect((await harness.records()).at(-1)?.event.type).toBe('run.cancelled');
  });

  it('fails the task with a typed error when the API refuses the request', async () => {
    api.script({ kind: 'error', status: 400, message: 'messages: roles must alternate' });
    await runtime().launch(harness.context);
    const records = await harness.records();
    expect(ofType(records, 'task.failed')).toMatchObject([{ taskId, error: { code: 'model_error', retryable: false } }]);
    expect(ofType(records, 'run.failed')).toMatchObject([{ error: { code: 'model_error' } }]);
  });
});
