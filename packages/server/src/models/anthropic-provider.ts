import Anthropic from '@anthropic-ai/sdk';
import type { ModelProvider, ModelRequest, ModelStreamEvent, ModelUsage } from '@marketing-team/core';
import { z } from 'zod';
import { retriedStream, type RetryPolicy } from './_retried-stream.js';
import { isRetryable, retryAfterMs, retryReason, toModelError, type RetrySettings } from './_retry-policy.js';
import { ANTHROPIC_PRICES, ModelPricesSchema, costOfUsage, findModelPrice, type ModelPrice } from './model-prices.js';

/** The model used when none is configured. */
export const DEFAULT_ANTHROPIC_MODEL = 'claude-sonnet-5-5';

const OptionsSchema = z.object({
  apiKey: z.string().min(1).optional(),
  baseURL: z.url().optional(),
  model: z.string().min(1).max(200).default(DEFAULT_ANTHROPIC_MODEL),
  maxRetries: z.number().int().min(0).max(20).default(4),
  retryBaseDelayMs: z.number().nonnegative().default(500),
  retryMaxDelayMs: z.number().positive().default(60_000),
  prices: ModelPricesSchema.optional(),
  // Duck-typed, so a client from another copy of the SDK is accepted too.
  client: z
    .custom<Anthropic>(
      (value) => typeof (value as { messages?: { create?: unknown } } | null)?.messages?.create === 'function',
      'expected an Anthropic client',
    )
    .optional(),
});

/** Options of `createAnthropicProvider`. */
export interface AnthropicProviderOptions {
  /** Defaults to the `ANTHROPIC_API_KEY` environment variable (read by the SDK). */
  apiKey?: string;
  /** Another endpoint speaking the Messages API (a proxy, or a local test server). */
  baseURL?: string;
  /** Model id; defaults to `DEFAULT_ANTHROPIC_MODEL`. */
  model?: string;
  /** Retries of a failed call (429, 529, 5xx, connection errors, mid-stream overload); default 4. */
  maxRetries?: number;
  /** First backoff when the server gives no `retry-after`; doubled per attempt, with jitter. Default 500. */
  retryBaseDelayMs?: number;
  /** Cap of the backoff, and the longest `retry-after` honoured; default 60 000. */
  retryMaxDelayMs?: number;
  /** Price table in USD per million tokens; defaults to `ANTHROPIC_PRICES`. */
  prices?: Record<string, ModelPrice>;
  /** A preconfigured SDK client (its own retries are bypassed: this provider retries itself). */
  client?: Anthropic;
}

/** Usage as the Messages API reports it, in `message_start` and (cumulatively) in `message_delta`. */
interface ApiUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

function mergeUsage(into: ModelUsage, usage: ApiUsage): void {
  // message_delta carries cumulative counts, so a present value replaces the earlier one.
  if (typeof usage.input_tokens === 'number') into.inputTokens = usage.input_tokens;
  if (typeof usage.output_tokens === 'number') into.outputTokens = usage.output_tokens;
  if (typeof usage.cache_creation_input_tokens === 'number') into.cacheWriteTokens = usage.cache_creation_input_tokens;
  if (typeof usage.cache_read_input_tokens === 'number') into.cacheReadTokens = usage.cache_read_input_tokens;
}

const emptyUsage = (): ModelUsage => ({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 });

/**
 * Whether a model takes a non-default `temperature`. The Claude 5 generation, Opus 4.7 and later,
 * Fable and Mythos answer 400 to any sampling parameter, so the provider leaves it out for them
 * (a version cutoff, so that newer models are covered without a list to update).
 */
export function acceptsTemperature(model: string): boolean {
  const match = /^claude-(opus|sonnet|haiku|fable|mythos)(?:-(\d+)(?:-(\d{1,2})(?!\d))?)?/.exec(model);
  if (!match) return true;
  const family = match[1]!;
  if (family === 'fable' || family === 'mythos') return false;
  const major = Number(match[2] ?? 0);
  const minor = Number(match[3] ?? 0);
  if (major >= 5) return false;
  return !(family === 'opus' && major === 4 && minor >= 7);
}

/** Maps a core request onto Messages API parameters: brand context first, cache breakpoints kept. */
export function toMessagesParams(request: ModelRequest, model: string): Anthropic.MessageCreateParamsStreaming {
  const system: Anthropic.TextBlockParam[] = request.system
    .filter((block) => block.text.length > 0)
    .map((block) => ({
      type: 'text' as const,
      text: block.text,
      ...(block.cache ? { cache_control: { type: 'ephemeral' as const } } : {}),
    }));
  return {
    model,
    max_tokens: request.maxTokens,
    stream: true,
    ...(system.length > 0 ? { system } : {}),
    messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
    ...(request.temperature === undefined || !acceptsTemperature(model) ? {} : { temperature: request.temperature }),
  };
}

/**
 * A `ModelProvider` backed by the Anthropic Messages API through `@anthropic-ai/sdk`.
 *
 * - Streams: text deltas are yielded as they arrive.
 * - Usage: each attempt that reached the model yields one `usage` event (tokens of that attempt,
 *   including prompt-cache reads and writes); consumers sum them.
 * - Retries: 408/409/429/5xx/529, connection failures and mid-stream `overloaded_error` /
 *   `api_error` events are retried up to `maxRetries` times, honouring `retry-after` and otherwise
 *   backing off exponentially with jitter; each wait is announced by a `retry` event. A retry after
 *   some text was yielded starts the text over, so consumers close the partial message first.
 * - Abort: the signal cancels the HTTP request and any retry wait; the stream then rejects with
 *   an `AbortError` (after yielding the usage counted so far, if any).
 * - Failure: after the last attempt the stream rejects with a typed `ModelError`.
 */
export function createAnthropicProvider(options: AnthropicProviderOptions = {}): ModelProvider {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`createAnthropicProvider: ${issue?.path.join('.') || 'options'}: ${issue?.message ?? 'invalid'}`);
  }
  const settings = parsed.data;
  const client =
    settings.client ??
    new Anthropic({
      ...(settings.apiKey === undefined ? {} : { apiKey: settings.apiKey }),
      ...(settings.baseURL === undefined ? {} : { baseURL: settings.baseURL }),
      maxRetries: 0,
    });
  const retry: RetrySettings = {
    maxRetries: settings.maxRetries,
    baseDelayMs: settings.retryBaseDelayMs,
    maxDelayMs: settings.retryMaxDelayMs,
  };
  const modelPrice = findModelPrice(settings.model, settings.prices ?? ANTHROPIC_PRICES);
  const model = settings.model;

  const policy: RetryPolicy = { settings: retry, isRetryable, retryAfterMs, reason: retryReason, toModelError };

  function stream(request: ModelRequest, signal: AbortSignal): AsyncGenerator<ModelStreamEvent> {
    const params = toMessagesParams(request, model);
    return retriedStream(policy, signal, () => {
      const usage = emptyUsage();
      let reachedModel = false;
      async function* events(): AsyncGenerator<ModelStreamEvent> {
        // The SDK's own retries are off (maxRetries: 0) so that every wait is visible and abortable here.
        const stream = await client.messages.create(params, { signal, maxRetries: 0 });
        for await (const event of stream) {
          switch (event.type) {
            case 'message_start':
              reachedModel = true;
              mergeUsage(usage, event.message.usage);
              break;
            case 'content_block_delta':
              if (event.delta.type === 'text_delta' && event.delta.text.length > 0) {
                yield { type: 'text', text: event.delta.text };
              }
              break;
            case 'message_delta':
              mergeUsage(usage, event.usage);
              break;
            default:
              break;
          }
        }
      }
      // Each attempt that reached the model reports its tokens, broken off or not.
      return { events: events(), closing: (complete) => (complete || reachedModel ? [{ type: 'usage', usage }] : []) };
    });
  }

  return {
    provider: 'anthropic',
    model,
    offline: false,
    stream,
    cost: (usage) => costOfUsage(usage, modelPrice),
  };
}
