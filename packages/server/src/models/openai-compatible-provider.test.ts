import type { ModelRequest, ModelStreamEvent } from '@marketing-team/core';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelError } from './model-error.js';
import { createOpenAICompatibleProvider } from './openai-compatible-provider.js';
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

describe('createOpenAICompatibleProvider against a Chat Completions double', () => {
  let api: ChatCompletionsDouble;
  beforeEach(async () => {
    api = await startChatCompletionsDouble({ apiKey: 'test-key' });
  });
  afterEach(async () => {
    await api.close();
  });

  const provider = (options: Partial<Parameters<typeof createOpenAICompatibleProvider>[0]> = {}) =>
    createOpenAICompatibleProvider({ model: 'gpt-4.1-mini', apiKey: 'test-key', baseURL: api.baseURL, retryBaseDelayMs: 5, ...options });

  it('streams the text the server sent, in order, and records usage with cache hits priced apart', async () => {
    api.script({ kind: 'stream', chunks: ['Spring', ' is', ' here', '.'], usage: { prompt_tokens: 1200, completion_tokens: 9, cached_tokens: 1024 } });
    const model = provider({ prices: { 'gpt-4.1-mini': { input: 0.4, output: 1.6, cacheWrite: 0, cacheRead: 0.1 } } });
    const events = await collect(model.stream(request, new AbortController().signal));
    expect(texts(events).join('')).toBe('Spring is here.');
    expect(texts(events)).toEqual(['Spring', ' is', ' here', '.']);
    const usage = { inputTokens: 176, outputTokens: 9, cacheReadTokens: 1024, cacheWriteTokens: 0 };
    expect(events.filter((event) => event.type === 'usage')).toEqual([{ type: 'usage', usage }]);
    expect(model.cost(usage)).toBeCloseTo((176 * 0.4 + 9 * 1.6 + 1024 * 0.1) / 1e6, 12);
    expect(model).toMatchObject({ provider: 'openai', model: 'gpt-4.1-mini', offline: false });
  });

  it('sends one system message with the brand context first, the bearer key, usage streaming and the output cap', async () => {
    await collect(provider().stream(request, new AbortController().signal));
    const [sent] = api.requests;
    expect(sent?.headers.authorization).toBe('Bearer test-key');
    expect(sent?.body).toMatchObject({ model: 'gpt-4.1-mini', stream: true, stream_options: { include_usage: true }, max_tokens: 512, temperature: 0.3 });
    expect(sent?.body.messages).toEqual([
      { role: 'system', content: `${request.system[0]!.text}\n\n${request.system[1]!.text}` },
      { role: 'user', content: 'Write a post about the spring sale.' },
    ]);
  });

  it('speaks to OpenAI’s reasoning models the way they accept: max_completion_tokens, no temperature', async () => {
    await collect(provider({ model: 'gpt-5-mini', maxTokensParameter: 'max_completion_tokens' }).stream(request, new AbortController().signal));
    expect(api.requests[0]?.body).toMatchObject({ max_completion_tokens: 512 });
    expect(api.requests[0]?.body).not.toHaveProperty('temperature');
    expect(api.requests[0]?.body).not.toHaveProperty('max_tokens');
  });

  it('sends max_completion_tokens by default when the client talks to api.openai.com', async () => {
    // The client believes it talks to OpenAI; its fetch delivers to the double instead.
    const client = new OpenAI({
      apiKey: 'test-key',
      baseURL: 'https://api.openai.com/v1',
      fetch: (url, init) => fetch(String(url).replace('https://api.openai.com/v1', api.baseURL), init),
    });
    await collect(createOpenAICompatibleProvider({ model: 'gpt-4.1-mini', client }).stream(request, new AbortController().signal));
    expect(api.requests[0]?.body).toMatchObject({ max_completion_tokens: 512, temperature: 0.3 });
    expect(api.requests[0]?.body).not.toHaveProperty('max_tokens');
  });

  it('yields no usage event when the server was not asked for usage', async () => {
    const events = await collect(provider({ streamUsage: false }).stream(request, new AbortController().signal));
    expect(api.requests[0]?.body).not.toHaveProperty('stream_options');
    expect(events.map((event) => event.type)).toEqual(['text', 'text', 'text']);
  });

  it('retries a 429 after the wait the server asked for, then a 500 with backoff, then succeeds', async () => {
    api.script(
      { kind: 'error', status: 429, retryAfterMs: 20 },
      { kind: 'error', status: 500 },
      { kind: 'stream', chunks: ['ok'], usage: { prompt_tokens: 10, completion_tokens: 1 } },
    );
    const events = await collect(provider().stream(request, new AbortController().signal));
    const retries = events.filter((event) => event.type === 'retry');
    expect(retries).toEqual([
      { type: 'retry', attempt: 1, delayMs: 20, reason: 'HTTP 429 rate_limit_exceeded' },
      expect.objectContaining({ type: 'retry', attempt: 2, reason: 'HTTP 500 server_error' }),
    ]);
    expect(texts(events)).toEqual(['ok']);
    expect(events.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 10, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 } });
    // The SDK's own retries stay off: each attempt is a request of its own, counted by this provider.
    expect(api.requests.map((sent) => sent.headers['x-stainless-retry-count'])).toEqual(['0', '0', '0']);
  });

  it('retries a mid-stream server error, starting the text over', async () => {
    api.script(
      { kind: 'stream', chunks: ['one', ' two', ' three'], errorAfter: { chunks: 2 } },
      { kind: 'stream', chunks: ['again'] },
    );
    const events = await collect(provider().stream(request, new AbortController().signal));
    expect(events.map((event) => event.type)).toEqual(['text', 'text', 'retry', 'text', 'usage']);
    expect(events[2]).toMatchObject({ attempt: 1, reason: 'stream error: server_error' });
    expect(texts(events)).toEqual(['one', ' two', 'again']);
  });

  it.each([
    { name: 'a wrong key (401)', script: { kind: 'error', status: 401 }, code: 'model_error', reason: 'authentication', status: 401 },
    { name: 'a prompt over the context window (400)', script: { kind: 'error', status: 400, code: 'context_length_exceeded' }, code: 'model_error', reason: 'context_too_long', status: 400 },
    { name: 'an unknown model (404)', script: { kind: 'error', status: 404 }, code: 'model_error', reason: 'not_found', status: 404 },
    { name: 'a spent quota (429 insufficient_quota)', script: { kind: 'error', status: 429, code: 'insufficient_quota' }, code: 'rate_limited', reason: 'quota_exceeded', status: 429 },
  ] as const)('fails at once with a typed, non-retryable ModelError on $name', async ({ script, code, reason, status }) => {
    api.script(script);
    const error = await failure(collect(provider().stream(request, new AbortController().signal)));
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ code, reason, retryable: false });
    expect((error as ModelError).options).toMatchObject({ status, requestId: api.requests[0]?.requestId });
    expect(api.requests).toHaveLength(1);
  });

  it('maps the key the server refuses to an authentication error without scripting it', async () => {
    const error = await failure(collect(provider({ apiKey: 'wrong-key' }).stream(request, new AbortController().signal)));
    expect(error).toMatchObject({ name: 'ModelError', code: 'model_error', reason: 'authentication', retryable: false });
  });

  it('gives up after maxRetries with an overloaded ModelError on 503', async () => {
    api.script({ kind: 'error', status: 503 }, { kind: 'error', status: 503 });
    const error = await failure(collect(provider({ maxRetries: 1 }).stream(request, new AbortController().signal)));
    expect(error).toMatchObject({ name: 'ModelError', code: 'overloaded', reason: 'overloaded', retryable: true });
    expect(api.requests).toHaveLength(2);
  });

  it('refuses a retry-after longer than allowed rather than waiting it out', async () => {
    api.script({ kind: 'error', status: 429, retryAfterSeconds: 600 });
    const error = await failure(collect(provider({ retryMaxDelayMs: 1000 }).stream(request, new AbortController().signal)));
    expect(error).toMatchObject({ code: 'rate_limited', reason: 'rate_limited', retryable: true, message: expect.stringContaining('600 s') });
    expect(api.requests).toHaveLength(1);
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

  it('aborts during the retry wait without sending another request', async () => {
    // A 30 s retry-after: if the abort did not cut the wait short, the test would time out.
    api.script({ kind: 'error', status: 429, retryAfterSeconds: 30 });
    const controller = new AbortController();
    const events: ModelStreamEvent[] = [];
    const error = await failure(
      collect(provider().stream(request, controller.signal), (event) => {
        events.push(event);
        if (event.type === 'retry') controller.abort();
      }),
    );
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(events).toEqual([expect.objectContaining({ type: 'retry', delayMs: 30_000 })]);
    expect(api.requests).toHaveLength(1);
  });

  it('uses a client it is given, with its own retries turned off per request', async () => {
    const client = new OpenAI({ apiKey: 'test-key', baseURL: api.baseURL, maxRetries: 5 });
    api.script({ kind: 'error', status: 500 }, { kind: 'stream', chunks: ['fine'] });
    const events = await collect(
      createOpenAICompatibleProvider({ model: 'llama3.2', client, providerName: 'ollama', retryBaseDelayMs: 5 }).stream(request, new AbortController().signal),
    );
    expect(events.filter((event) => event.type === 'retry')).toHaveLength(1);
    expect(texts(events)).toEqual(['fine']);
    expect(api.requests.map((sent) => sent.headers['x-stainless-retry-count'])).toEqual(['0', '0']);
  });

  it('rejects invalid options with a TypeError naming the field', () => {
    expect(() => createOpenAICompatibleProvider({ model: 'm', maxRetries: -1 })).toThrow(/maxRetries/);
    expect(() => createOpenAICompatibleProvider({ model: 'm', baseURL: 'not a url' })).toThrow(/baseURL/);
    expect(() => createOpenAICompatibleProvider({ model: '' })).toThrow(/model/);
    expect(() => createOpenAICompatibleProvider({ model: 'm', maxTokensParameter: 'tokens' as never })).toThrow(/maxTokensParameter/);
  });
});

// Runs only with a real key, because it calls a paid API over the network (or OPENAI_BASE_URL's server).
describe.skipIf(!process.env.OPENAI_API_KEY)('createOpenAICompatibleProvider against the real API', () => {
  it('streams a short answer with usage', async () => {
    const model = createOpenAICompatibleProvider({
      model: process.env.OPENAI_MODEL ?? 'gpt-4.1-nano',
      ...(process.env.OPENAI_BASE_URL ? { baseURL: process.env.OPENAI_BASE_URL } : {}),
    });
    const events = await collect(
      model.stream({ ...request, maxTokens: 200, messages: [{ role: 'user', content: 'Say hello in five words.' }] }, AbortSignal.timeout(60_000)),
    );
    expect(texts(events).join('').length).toBeGreaterThan(0);
    const usage = events.find((event) => event.type === 'usage');
    expect(usage?.type === 'usage' && usage.usage.outputTokens).toBeGreaterThan(0);
  });
});
