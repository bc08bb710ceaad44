import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { ModelRequest, ModelStreamEvent } from '@marketing-team/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAiSdkProvider } from './ai-sdk-provider.js';
import { ModelError } from './model-error.js';
import { startChatCompletionsDouble, type ChatCompletionsDouble } from './testing/chat-completions-double.js';

const request: ModelRequest = {
  system: [
    { text: 'Brand: Acme Outdoor. Voice: warm, plain, confident.', cache: true },
    { text: 'You write social posts.' },
  ],
  messages: [{ role: 'user', content: 'Write a post about the spring sale.' }],
  maxTokens: 512,
  temperature: 0.3,
  purpose: { kind: 'routing' },
};

async function collect(stream: AsyncIterable<ModelStreamEvent>, onEvent?: (event: ModelStreamEvent) => void) {
  const events: ModelStreamEvent[] = [];
  for await (const event of stream) {
    events.push(event);
    onEvent?.(event);
  }
  return events;
}

const texts = (events: ModelStreamEvent[]) => events.flatMap((event) => (event.type === 'text' ? [event.text] : []));
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (caught: unknown) => caught);

describe('createAiSdkProvider over @ai-sdk/openai-compatible and a Chat Completions double', () => {
  let api: ChatCompletionsDouble;
  beforeEach(async () => {
    api = await startChatCompletionsDouble({ apiKey: 'test-key' });
  });
  afterEach(async () => {
    await api.close();
  });

  const languageModel = (apiKey = 'test-key') =>
    createOpenAICompatible({ name: 'double', baseURL: api.baseURL, apiKey, includeUsage: true })('llama3.2');
  const provider = (options: Partial<Parameters<typeof createAiSdkProvider>[0]> = {}) =>
    createAiSdkProvider({ model: languageModel(), ...options });

  it('streams the text the server sent, in order, and records usage with cache hits priced apart', async () => {
    api.script({ kind: 'stream', chunks: ['Spring', ' is', ' here', '.'], usage: { prompt_tokens: 1200, completion_tokens: 9, cached_tokens: 1024 } });
    const model = provider({ prices: { llama: { input: 1, output: 2, cacheWrite: 0, cacheRead: 0.5 } } });
    const events = await collect(model.stream(request, new AbortController().signal));
    expect(texts(events).join('')).toBe('Spring is here.');
    const usage = { inputTokens: 176, outputTokens: 9, cacheReadTokens: 1024, cacheWriteTokens: 0 };
    expect(events.filter((event) => event.type === 'usage')).toEqual([{ type: 'usage', usage }]);
    expect(events.at(-1)?.type).toBe('usage');
    expect(model.cost(usage)).toBeCloseTo((176 * 1 + 9 * 2 + 1024 * 0.5) / 1e6, 12);
    expect(model).toMatchObject({ provider: 'double.chat', model: 'llama3.2', offline: false });
  });

  it('sends one system message with the brand context first, the output cap and the temperature', async () => {
    await collect(provider().stream(request, new AbortController().signal));
    const [sent] = api.requests;
    expect(sent?.headers.authorization).toBe('Bearer test-key');
    expect(sent?.body).toMatchObject({ model: 'llama3.2', stream: true, stream_options: { include_usage: true }, max_tokens: 512, temperature: 0.3 });
    expect(sent?.body.messages).toEqual([
      { role: 'system', content: `${request.system[0]!.text}\n\n${request.system[1]!.text}` },
      { role: 'user', content: 'Write a post about the spring sale.' },
    ]);
  });

  it('retries a 429 and then a 500 through streamText’s maxRetries, then succeeds', async () => {
    // retry-after-ms keeps the SDK from its 2 s default backoff.
    api.script(
      { kind: 'error', status: 429, retryAfterMs: 5 },
      { kind: 'error', status: 500, retryAfterMs: 5 },
      { kind: 'stream', chunks: ['ok'], usage: { prompt_tokens: 10, completion_tokens: 1 } },
    );
    const events = await collect(provider().stream(request, new AbortController().signal));
    expect(texts(events)).toEqual(['ok']);
    expect(events.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 10, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 } });
    expect(api.requests).toHaveLength(3);
  });

  it('gives up after maxRetries with a retryable, typed ModelError', async () => {
    api.script({ kind: 'error', status: 503, retryAfterMs: 5 }, { kind: 'error', status: 503, retryAfterMs: 5 });
    const error = await failure(collect(provider({ maxRetries: 1 }).stream(request, new AbortController().signal)));
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ code: 'overloaded', reason: 'overloaded', retryable: true });
    expect((error as ModelError).options.status).toBe(503);
    expect(api.requests).toHaveLength(2);
  });

  it.each([
    { name: 'a prompt over the context window (400)', script: { kind: 'error', status: 400, code: 'context_length_exceeded' }, code: 'model_error', reason: 'context_too_long', status: 400 },
    { name: 'an unknown model (404)', script: { kind: 'error', status: 404 }, code: 'model_error', reason: 'not_found', status: 404 },
    { name: 'a spent quota (429 insufficient_quota)', script: { kind: 'error', status: 429, code: 'insufficient_quota' }, code: 'rate_limited', reason: 'quota_exceeded', status: 429 },
  ] as const)('fails with a typed, non-retryable ModelError on $name', async ({ script, code, reason, status }) => {
    api.script(script);
    const error = await failure(collect(provider({ maxRetries: 0 }).stream(request, new AbortController().signal)));
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ code, reason, retryable: false });
    expect((error as ModelError).options).toMatchObject({ status, requestId: api.requests[0]?.requestId });
  });

  it('does not retry a wrong key (401) and says it is an authentication error', async () => {
    const error = await failure(collect(createAiSdkProvider({ model: languageModel('wrong-key') }).stream(request, new AbortController().signal)));
    expect(error).toMatchObject({ name: 'ModelError', code: 'model_error', reason: 'authentication', retryable: false });
    expect(api.requests).toHaveLength(1);
  });

  it('fails a mid-stream server error with a retryable ModelError, after the text that came before it', async () => {
    api.script({ kind: 'stream', chunks: ['one', ' two', ' three'], errorAfter: { chunks: 2, message: 'upstream worker crashed' } });
    const events: ModelStreamEvent[] = [];
    const error = await failure(collect(provider().stream(request, new AbortController().signal), (event) => events.push(event)));
    expect(texts(events)).toEqual(['one', ' two']);
    expect(error).toMatchObject({ name: 'ModelError', code: 'model_error', reason: 'server_error', retryable: true, message: 'upstream worker crashed' });
  });

  it('aborts during streaming: rejects with an AbortError and closes the request on the server', async () => {
    api.script({ kind: 'stream', chunks: ['a', 'b', 'c', 'd'], stallAfter: 2 });
    const controller = new AbortController();
    let seen = 0;
    const error = await failure(
      collect(provider().stream(request, controller.signal), (event) => {
        if (event.type === 'text' && ++seen === 2) controller.abort();
      }),
    );
    expect(error).toMatchObject({ name: 'AbortError' });
    await expect(api.requests[0]!.closed).resolves.toEqual({ closedByClient: true });
  });

  it('aborts during the SDK’s retry wait without sending another request', async () => {
    // A 30 s retry-after: if the abort did not cut the wait short, the test would time out.
    api.script({ kind: 'error', status: 429, retryAfterSeconds: 30 });
    const controller = new AbortController();
    const streaming = failure(collect(provider().stream(request, controller.signal)));
    const [first] = await api.waitForRequests(1);
    await first!.closed;
    controller.abort();
    expect(await streaming).toMatchObject({ name: 'AbortError' });
    expect(api.requests).toHaveLength(1);
  });

  it('rejects invalid options with a TypeError naming the field', () => {
    expect(() => createAiSdkProvider({ model: languageModel(), maxRetries: -1 })).toThrow(/maxRetries/);
    expect(() => createAiSdkProvider({ model: {} as never })).toThrow(/model/);
  });
});

// Runs only with a real key, because it calls a paid API over the network (or OPENAI_BASE_URL's server).
describe.skipIf(!process.env.OPENAI_API_KEY)('createAiSdkProvider against the real API', () => {
  it('streams a short answer with usage', async () => {
    const openai = createOpenAICompatible({
      name: 'openai',
      baseURL: process.env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1',
      apiKey: process.env.OPENAI_API_KEY,
      includeUsage: true,
    });
    const model = createAiSdkProvider({ model: openai(process.env.OPENAI_MODEL ?? 'gpt-4.1-nano') });
    const events = await collect(
      model.stream({ ...request, maxTokens: 200, messages: [{ role: 'user', content: 'Say hello in five words.' }] }, AbortSignal.timeout(60_000)),
    );
    expect(texts(events).join('').length).toBeGreaterThan(0);
    const usage = events.find((event) => event.type === 'usage');
    expect(usage?.type === 'usage' && usage.usage.outputTokens).toBeGreaterThan(0);
  });
});
