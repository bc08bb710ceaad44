import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { createDefaultTeam, type ModelProvider, type SessionRecord } from '@marketing-team/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAiSdkProvider } from '../models/ai-sdk-provider.js';
import { createOpenAICompatibleProvider } from '../models/openai-compatible-provider.js';
import { startChatCompletionsDouble, type ChatCompletionsDouble } from '../models/testing/chat-completions-double.js';
import { MemoryStore } from '../stores/memory-store.js';
import { createTeamRuntime } from './team-runtime.js';
import { createStoreRunHarness, type StoreRunHarness } from './testing/store-run-context.js';

const human = { kind: 'human', id: 'person-1' } as const;
const taskId = 'run-1:research';
const prices = { 'gpt-4.1-mini': { input: 0.4, output: 1.6, cacheWrite: 0, cacheRead: 0.1 } };

const providers: Array<{ name: string; create: (baseURL: string) => ModelProvider }> = [
  {
    name: 'the OpenAI-compatible provider',
    create: (baseURL) => createOpenAICompatibleProvider({ model: 'gpt-4.1-mini', apiKey: 'test-key', baseURL, prices, retryBaseDelayMs: 1 }),
  },
  {
    name: 'the AI SDK adapter',
    create: (baseURL) =>
      createAiSdkProvider({ model: createOpenAICompatible({ name: 'double', baseURL, apiKey: 'test-key', includeUsage: true })('gpt-4.1-mini'), prices }),
  },
];

describe.each(providers)('the team runtime over $name and a Chat Completions double', ({ create }) => {
  let api: ChatCompletionsDouble;
  let harness: StoreRunHarness;
  beforeEach(async () => {
    api = await startChatCompletionsDouble({ apiKey: 'test-key' });
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

  const runtime = () => createTeamRuntime({ team: createDefaultTeam(), provider: create(api.baseURL), coalesceMs: 0 });
  const ofType = (records: SessionRecord[], type: string) => records.filter((record) => record.event.type === type).map((record) => record.event);

  it('streams a task through the real SDK and records usage with the model’s price', async () => {
    api.script({ kind: 'stream', chunks: ['# Research', '\n\nHikers want', ' light shoes.'], usage: { prompt_tokens: 2900, completion_tokens: 12, cached_tokens: 2000 } });
    await runtime().launch(harness.context);
    const records = await harness.records();
    expect(ofType(records, 'message.completed')).toMatchObject([{ text: '# Research\n\nHikers want light shoes.', stopReason: 'end' }]);
    const [usage] = ofType(records, 'usage');
    expect(usage).toMatchObject({ inputTokens: 900, outputTokens: 12, cacheReadTokens: 2000, cacheWriteTokens: 0, skill: 'research-brief' });
    expect(usage && 'costUsd' in usage && usage.costUsd).toBeCloseTo((900 * 0.4 + 12 * 1.6 + 2000 * 0.1) / 1e6, 12);
    // The brand context went first, in the one system message.
    const [system] = api.requests[0]?.body.messages as Array<{ role: string; content: string }>;
    expect(system?.role).toBe('system');
    expect(system?.content).toContain('untrusted-brand');
    expect(ofType(records, 'run.completed')).toHaveLength(1);
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

  it('fails the task with a typed error when the prompt is over the context window', async () => {
    api.script({ kind: 'error', status: 400, code: 'context_length_exceeded' });
    await runtime().launch(harness.context);
    const records = await harness.records();
    expect(ofType(records, 'task.failed')).toMatchObject([{ taskId, error: { code: 'model_error', retryable: false } }]);
    expect(ofType(records, 'run.failed')).toMatchObject([{ error: { code: 'model_error', message: expect.stringContaining('context length') } }]);
    expect(api.requests).toHaveLength(1);
  });
});

describe('the team runtime over the OpenAI-compatible provider, when the server fails mid-stream', () => {
  it('closes the partial message when the provider starts over', async () => {
    const api = await startChatCompletionsDouble();
    const harness = await createStoreRunHarness({
      store: new MemoryStore(),
      session: 'session-1',
      runId: 'run-1',
      brief: { goal: 'Launch the trail shoe', deliverables: ['research-brief'] },
    });
    try {
      api.script(
        { kind: 'stream', chunks: ['First ', 'try ', 'lost'], errorAfter: { chunks: 2 } },
        { kind: 'stream', chunks: ['Second ', 'try.'], usage: { prompt_tokens: 100, completion_tokens: 2 } },
      );
      const provider = createOpenAICompatibleProvider({ model: 'llama3.2', apiKey: 'any', baseURL: api.baseURL, retryBaseDelayMs: 1 });
      await createTeamRuntime({ team: createDefaultTeam(), provider, coalesceMs: 0 }).launch(harness.context);
      const records = await harness.records();
      const events = (type: string) => records.filter((record) => record.event.type === type).map((record) => record.event);
      expect(events('message.completed')).toMatchObject([
        { text: 'First try ', stopReason: 'error' },
        { text: 'Second try.', stopReason: 'end' },
      ]);
      expect(events('usage')).toMatchObject([{ inputTokens: 100, outputTokens: 2, costUsd: 0 }]);
      expect(events('task.completed')).toHaveLength(1);
    } finally {
      harness.close();
      await api.close();
    }
  });
});

describe('the team runtime over the AI SDK adapter, when the server fails mid-stream', () => {
  it('runs the task again with its own retry option, since the adapter reports the failure as retryable', async () => {
    const api = await startChatCompletionsDouble();
    const harness = await createStoreRunHarness({
      store: new MemoryStore(),
      session: 'session-1',
      runId: 'run-1',
      brief: { goal: 'Launch the trail shoe', deliverables: ['research-brief'] },
    });
    try {
      api.script(
        { kind: 'stream', chunks: ['First ', 'try ', 'lost'], errorAfter: { chunks: 2 } },
        { kind: 'stream', chunks: ['Second ', 'try.'], usage: { prompt_tokens: 100, completion_tokens: 2 } },
      );
      const model = createOpenAICompatible({ name: 'double', baseURL: api.baseURL, apiKey: 'any', includeUsage: true })('llama3.2');
      await createTeamRuntime({ team: createDefaultTeam(), provider: createAiSdkProvider({ model }), coalesceMs: 0, retry: { attempts: 2, delayMs: 0 } }).launch(
        harness.context,
      );
      const records = await harness.records();
      const events = (type: string) => records.filter((record) => record.event.type === type).map((record) => record.event);
      expect(events('message.completed')).toMatchObject([
        { text: 'First try ', stopReason: 'error' },
        { text: 'Second try.', stopReason: 'end' },
      ]);
      expect(events('task.completed')).toHaveLength(1);
      expect(api.requests).toHaveLength(2);
    } finally {
      harness.close();
      await api.close();
    }
  });
});
