import Anthropic from '@anthropic-ai/sdk';
import type { ModelRequest, ModelStreamEvent } from '@marketing-team/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acceptsTemperature, createAnthropicProvider } from './anthropic-provider.js';
import { ModelError } from './model-error.js';
import { ANTHROPIC_PRICES } from './model-prices.js';
import { startMessagesApiDouble, type MessagesApiDouble } from './testing/messages-api-double.js';

const request: ModelRequest = {
  system: [
    { text: 'Brand: Acme Outdoor. Voice: warm, plain, confident.', cache: true },
    { text: 'You write social posts.' },
  ],
  messages: [{ role: 'user', content: 'Write a post about the spring sale.' }],
  maxTokens: 512,
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

describe('createAnthropicProvider against a Messages API double', () => {
  let api: MessagesApiDouble;
  beforeEach(async () => {
    api = await startMessagesApiDouble();
  });
  afterEach(async () => {
    await api.close();
  });

  const provider = (options: Parameters<typeof createAnthropicProvider>[0] = {}) =>
    createAnthropicProvider({ apiKey: 'test-key', baseURL: api.baseURL, retryBaseDelayMs: 5, ...options });

  it('streams text deltas in order and maps usage, including the prompt cache', async () => {
    api.script({
      kind: 'stream',
      chunks: ['Spring', ' is', ' here', '.'],
      usage: { input_tokens: 120, output_tokens: 9, cache_creation_input_tokens: 800, cache_read_input_tokens: 40 },
    });
    const model = provider({ model: 'claude-sonnet-5-5' });
    const events = await collect(model.stream(request, new AbortController().signal));
    expect(texts(events)).toEqual(['Spring', ' is', ' here', '.']);
    const usage = events.filter((event) => event.type === 'usage');
    expect(usage).toEqual([
      { type: 'usage', usage: { inputTokens: 120, outputTokens: 9, cacheWriteTokens: 800, cacheReadTokens: 40 } },
    ]);
    const price = ANTHROPIC_PRICES['claude-sonnet-5-5']!;
    const expected = (120 * price.input + 9 * price.output + 800 * price.cacheWrite + 40 * price.cacheRead) / 1e6;
    expect(model.cost({ inputTokens: 120, outputTokens: 9, cacheWriteTokens: 800, cacheReadTokens: 40 })).toBeCloseTo(expected, 12);
    expect(model).toMatchObject({ provider: 'anthropic', model: 'claude-sonnet-5-5', offline: false });
  });

  it('puts the brand context first in system with cache_control, and sends model and max_tokens', async () => {
    await collect(provider({ model: 'claude-haiku-5-5' }).stream(request, new AbortController().signal));
    const [sent] = api.requests;
    // The SDK sends the key as a bearer token (older versions used x-api-key).
    expect(sent?.headers.authorization ?? `Bearer ${String(sent?.headers['x-api-key'])}`).toBe('Bearer test-key');
    expect(sent?.headers['anthropic-version']).toBeTruthy();
    expect(sent?.body).toMatchObject({ model: 'claude-haiku-5-5', max_tokens: 512, stream: true });
    expect(sent?.body.system).toEqual([
      { type: 'text', text: request.system[0]!.text, cache_control: { type: 'ephemeral' } },
      { type: 'text', text: request.system[1]!.text },
    ]);
    expect(sent?.body.messages).toEqual([{ role: 'user', content: 'Write a post about the spring sale.' }]);
  });

  it('sends temperature only to models that take sampling parameters', async () => {
    const routing: ModelRequest = { ...request, temperature: 0 };
    await collect(provider({ model: 'claude-sonnet-5-5' }).stream(routing, new AbortController().signal));
    await collect(provider({ model: 'claude-sonnet-4-6' }).stream(routing, new AbortController().signal));
    expect(api.requests[0]?.body).not.toHaveProperty('temperature');
    expect(api.requests[1]?.body).toMatchObject({ temperature: 0 });
    expect(['claude-opus-4-7', 'claude-opus-5', 'claude-haiku-5-5', 'claude-fable-5-1', 'claude-mythos-preview'].map(acceptsTemperature)).toEqual([false, false, false, false, false]);
    expect(['claude-opus-4-6', 'claude-haiku-4-5-20251001', 'claude-sonnet-4-5', 'custom-model'].map(acceptsTemperature)).toEqual([true, true, true, true]);
  });

  it('retries a 429 after the retry-after the server asked for, then a 500 with backoff', async () => {
    api.script(
      { kind: 'error', status: 429, retryAfterSeconds: 1 },
      { kind: 'error', status: 500 },
      { kind: 'stream', chunks: ['ok'] },
    );
    const events = await collect(provider().stream(request, new AbortController().signal));
    const retries = events.filter((event) => event.type === 'retry');
    expect(retries).toHaveLength(2);
    expect(retries[0]).toMatchObject({ attempt: 1, delayMs: 1000, reason: expect.stringContaining('429') });
    expect(retries[1]).toMatchObject({ attempt: 2, reason: expect.stringContaining('500') });
    expect(texts(events)).toEqual(['ok']);
    expect(api.requests).toHaveLength(3);
  });

  it('retries a 529 and a mid-stream overloaded_error, counting the usage of the broken attempt', async () => {
    api.script(
      { kind: 'error', status: 529 },
      { kind: 'stream', chunks: ['one', ' two', ' three'], errorAfter: { chunks: 2, type: 'overloaded_error' }, usage: { input_tokens: 10 } },
      { kind: 'stream', chunks: ['again'], usage: { input_tokens: 10, output_tokens: 1 } },
    );
    const events = await collect(provider().stream(request, new AbortController().signal));
    expect(events.map((event) => event.type)).toEqual(['retry', 'text', 'text', 'usage', 'retry', 'text', 'usage']);
    expect(events[4]).toMatchObject({ type: 'retry', attempt: 2, reason: expect.stringContaining('overloaded_error') });
    expect(texts(events)).toEqual(['one', ' two', 'again']);
  });

  it('fails with a typed, non-retryable ModelError on a 400 without retrying', async () => {
    api.script({ kind: 'error', status: 400, message: 'max_tokens: too large' });
    const error = await collect(provider().stream(request, new AbortController().signal)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ code: 'model_error', reason: 'invalid_request', retryable: false });
    expect((error as ModelError).options.status).toBe(400);
    expect((error as ModelError).options.requestId).toBe(api.requests[0]?.requestId);
    expect(api.requests).toHaveLength(1);
  });

  it('gives up after maxRetries with an overloaded ModelError', async () => {
    api.script({ kind: 'error', status: 529 }, { kind: 'error', status: 529 });
    const error = await collect(provider({ maxRetries: 1 }).stream(request, new AbortController().signal)).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ name: 'ModelError', code: 'overloaded', reason: 'overloaded', retryable: true });
    expect(api.requests).toHaveLength(2);
  });

  it('aborts during streaming: rejects with an AbortError and closes the request on the server', async () => {
    api.script({ kind: 'stream', chunks: ['a', 'b', 'c', 'd'], stallAfter: 2 });
    const controller = new AbortController();
    let seen = 0;
    const error = await collect(provider().stream(request, controller.signal), (event) => {
      if (event.type === 'text' && ++seen === 2) controller.abort();
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'AbortError' });
    const [sent] = api.requests;
    await expect(sent!.closed).resolves.toEqual({ closedByClient: true });
  });

  it('aborts during the retry wait without sending another request', async () => {
    // A 30 s retry-after: if the abort did not cut the wait short, the test would time out.
    api.script({ kind: 'error', status: 529, retryAfterSeconds: 30 });
    const controller = new AbortController();
    const events: ModelStreamEvent[] = [];
    const error = await collect(provider().stream(request, controller.signal), (event) => {
      events.push(event);
      if (event.type === 'retry') controller.abort();
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(events).toEqual([expect.objectContaining({ type: 'retry', delayMs: 30_000 })]);
    expect(api.requests).toHaveLength(1);
  });

  it('uses a client it is given, with its own retries turned off per request', async () => {
    const client = new Anthropic({ apiKey: 'client-key', baseURL: api.baseURL, maxRetries: 5 });
    api.script({ kind: 'error', status: 500 }, { kind: 'stream', chunks: ['fine'] });
    const events = await collect(createAnthropicProvider({ client, retryBaseDelayMs: 5 }).stream(request, new AbortController().signal));
    expect(events.filter((event) => event.type === 'retry')).toHaveLength(1);
    expect(api.requests.map((sent) => sent.headers['x-stainless-retry-count'])).toEqual(['0', '0']);
    expect(api.requests[0]?.headers.authorization).toBe('Bearer client-key');
  });

  it('rejects invalid options with a TypeError naming the field', () => {
    expect(() => createAnthropicProvider({ maxRetries: -1 })).toThrow(/maxRetries/);
    expect(() => createAnthropicProvider({ baseURL: 'not a url' })).toThrow(/baseURL/);
  });
});

// Runs only with a real key, because it calls the paid Anthropic API over the network.
describe('createAnthropicProvider against the real API', () => {
  it.runIf(Boolean(process.env.ANTHROPIC_API_KEY))('streams a short answer with usage', async () => {
    const model = createAnthropicProvider({ model: process.env.ANTHROPIC_MODEL ?? 'claude-haiku-5-5' });
    const events = await collect(
      model.stream({ ...request, maxTokens: 64, messages: [{ role: 'user', content: 'Say hello in five words.' }] }, AbortSignal.timeout(60_000)),
    );
    expect(texts(events).join('').length).toBeGreaterThan(0);
    const usage = events.find((event) => event.type === 'usage');
    expect(usage?.type === 'usage' && usage.usage.outputTokens).toBeGreaterThan(0);
  });
});
