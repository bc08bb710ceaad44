import type { ModelProvider, ModelRequest, ModelStreamEvent, ModelUsage } from '@marketing-team/core';
import OpenAI from 'openai';
import type { ChatCompletionCreateParamsStreaming, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { z } from 'zod';
import { isRetryableOpenAIError, openAIRetryAfterMs, openAIRetryReason, toModelErrorFromOpenAI } from './_openai-errors.js';
import type { RetrySettings } from './_backoff.js';
import { retriedStream, type RetryPolicy } from './_retried-stream.js';
import { ModelPricesSchema, costOfUsage, findModelPrice, type ModelPrice } from './model-prices.js';

const OptionsSchema = z.object({
  model: z.string().min(1).max(200),
  apiKey: z.string().min(1).optional(),
  baseURL: z.url().optional(),
  providerName: z.string().min(1).max(100).default('openai'),
  defaultHeaders: z.record(z.string(), z.string()).optional(),
  maxTokensParameter: z.enum(['max_tokens', 'max_completion_tokens']).optional(),
  sendTemperature: z.boolean().optional(),
  streamUsage: z.boolean().default(true),
  maxRetries: z.number().int().min(0).max(20).default(4),
  retryBaseDelayMs: z.number().nonnegative().default(500),
  retryMaxDelayMs: z.number().positive().default(60_000),
  prices: ModelPricesSchema.optional(),
  // Duck-typed, so a client from another copy of the SDK (or `AzureOpenAI`) is accepted too.
  client: z
    .custom<OpenAI>(
      (value) => typeof (value as { chat?: { completions?: { create?: unknown } } } | null)?.chat?.completions?.create === 'function',
      'expected an OpenAI client',
    )
    .optional(),
});

/** Options of `createOpenAICompatibleProvider`. */
export interface OpenAICompatibleProviderOptions {
  /** Model id as the server names it (`gpt-4.1-mini`, `llama3.2`, `Qwen/Qwen3-8B`, ...). */
  model: string;
  /** Defaults to the `OPENAI_API_KEY` environment variable (read by the SDK). Local servers take any non-empty string. */
  apiKey?: string;
  /** Another server speaking Chat Completions, `/v1` included: a gateway, Ollama (`http://localhost:11434/v1`), vLLM, LM Studio. */
  baseURL?: string;
  /** The `provider` label of usage events and logs; default `openai`. */
  providerName?: string;
  /** Headers sent with every request (a gateway's attribution or routing headers). */
  defaultHeaders?: Record<string, string>;
  /**
   * How the output cap is sent. OpenAI's own API wants `max_completion_tokens` (its reasoning
   * models refuse `max_tokens`); many other servers only know `max_tokens`. Default:
   * `max_completion_tokens` when the client talks to `api.openai.com` or an Azure OpenAI
   * resource, `max_tokens` otherwise.
   */
  maxTokensParameter?: 'max_tokens' | 'max_completion_tokens';
  /**
   * Whether to send the request's `temperature`. Default: not to OpenAI's reasoning models
   * (`o1`, `o3`, `o4-mini`, `gpt-5`, ...), which refuse any value but the default; to all others.
   */
  sendTemperature?: boolean;
  /** Ask for the usage chunk (`stream_options.include_usage`); default true. Turn off for a server that refuses the field. */
  streamUsage?: boolean;
  /** Retries of a failed call (408, 409, 429, 5xx, connection errors, mid-stream server errors); default 4. */
  maxRetries?: number;
  /** First backoff when the server gives no `retry-after`; doubled per attempt, with jitter. Default 500. */
  retryBaseDelayMs?: number;
  /** Cap of the backoff, and the longest `retry-after` honoured; default 60 000. */
  retryMaxDelayMs?: number;
  /**
   * Price table in USD per million tokens, looked up by the longest model-id prefix. There is no
   * built-in table (prices differ per vendor and change), so `cost` is 0 until one is given.
   */
  prices?: Record<string, ModelPrice>;
  /** A preconfigured SDK client, `AzureOpenAI` included (its own retries are bypassed: this provider retries itself). */
  client?: OpenAI;
}

/** Usage as Chat Completions reports it in the last chunk. */
interface ApiUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
}

/**
 * Chat Completions counts cache hits inside `prompt_tokens`; `ModelUsage` keeps them apart (as
 * the Messages API does), so they are taken out of `inputTokens` and priced at the cache-read rate.
 */
function toUsage(usage: ApiUsage): ModelUsage {
  const prompt = usage.prompt_tokens ?? 0;
  const cached = Math.min(prompt, usage.prompt_tokens_details?.cached_tokens ?? 0);
  return { inputTokens: prompt - cached, outputTokens: usage.completion_tokens ?? 0, cacheReadTokens: cached, cacheWriteTokens: 0 };
}

/** True for OpenAI's reasoning models, which refuse a non-default `temperature`. */
function isOpenAIReasoningModel(model: string): boolean {
  return /^(?:openai\/)?(?:o\d|gpt-5)/.test(model);
}

/** OpenAI's and Azure OpenAI's own hosts, which want `max_completion_tokens`. */
function isOpenAIHost(baseURL: string): boolean {
  try {
    const host = new URL(baseURL).hostname;
    return host === 'api.openai.com' || host.endsWith('.openai.azure.com');
  } catch {
    return false;
  }
}

/**
 * Maps a core request onto Chat Completions parameters. The system blocks become one system
 * message, brand context first: OpenAI caches prompt prefixes by itself, and many local chat
 * templates accept only a single system message.
 */
export function toChatCompletionsParams(
  request: ModelRequest,
  model: string,
  options: { maxTokensParameter: 'max_tokens' | 'max_completion_tokens'; sendTemperature: boolean; streamUsage: boolean },
): ChatCompletionCreateParamsStreaming {
  const system = request.system
    .map((block) => block.text)
    .filter((text) => text.length > 0)
    .join('\n\n');
  const messages: ChatCompletionMessageParam[] = [
    ...(system.length > 0 ? [{ role: 'system' as const, content: system }] : []),
    ...request.messages.map((message) => ({ role: message.role, content: message.content })),
  ];
  return {
    model,
    messages,
    stream: true,
    [options.maxTokensParameter]: request.maxTokens,
    ...(options.streamUsage ? { stream_options: { include_usage: true } } : {}),
    ...(request.temperature === undefined || !options.sendTemperature ? {} : { temperature: request.temperature }),
  };
}

/**
 * A `ModelProvider` for any server speaking the OpenAI Chat Completions API (OpenAI, Azure
 * OpenAI, gateways such as OpenRouter or LiteLLM, Ollama, vLLM, LM Studio) through the `openai` SDK.
 * Import it from `@marketing-team/server/openai`; `openai` is an optional peer dependency.
 *
 * - Streams: `delta.content` text is yielded as it arrives (other deltas, such as the reasoning
 *   text some servers send, are not part of the deliverable and are skipped).
 * - Usage: asked for with `stream_options.include_usage`; an attempt that completed yields one
 *   `usage` event. A broken attempt yields none: Chat Completions reports usage only at the end.
 * - Retries: 408/409/429/5xx, connection failures and mid-stream server errors are retried up to
 *   `maxRetries` times, honouring `retry-after-ms` / `retry-after`, otherwise backing off
 *   exponentially with jitter; each wait is announced by a `retry` event and cut short by an
 *   abort. The SDK's own retries are off: they would wait without announcing it, through waits
 *   an abort cannot interrupt, and never after a stream has started. A spent quota
 *   (`insufficient_quota`) is not retried.
 * - Abort: the signal cancels the HTTP request and any retry wait; the stream then rejects with
 *   an `AbortError`.
 * - Failure: after the last attempt the stream rejects with a typed `ModelError` whose `reason`
 *   tells authentication, quota, context length and the rest apart.
 */
export function createOpenAICompatibleProvider(options: OpenAICompatibleProviderOptions): ModelProvider {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`createOpenAICompatibleProvider: ${issue?.path.join('.') || 'options'}: ${issue?.message ?? 'invalid'}`);
  }
  const settings = parsed.data;
  const client =
    settings.client ??
    new OpenAI({
      ...(settings.apiKey === undefined ? {} : { apiKey: settings.apiKey }),
      ...(settings.baseURL === undefined ? {} : { baseURL: settings.baseURL }),
      ...(settings.defaultHeaders === undefined ? {} : { defaultHeaders: settings.defaultHeaders }),
      maxRetries: 0,
    });
  const retry: RetrySettings = {
    maxRetries: settings.maxRetries,
    baseDelayMs: settings.retryBaseDelayMs,
    maxDelayMs: settings.retryMaxDelayMs,
  };
  const model = settings.model;
  const paramOptions = {
    maxTokensParameter:
      // The client's own base URL: the SDK also reads OPENAI_BASE_URL, and a given client has its own.
      settings.maxTokensParameter ?? (isOpenAIHost(client.baseURL) ? 'max_completion_tokens' : 'max_tokens'),
    sendTemperature: settings.sendTemperature ?? !isOpenAIReasoningModel(model),
    streamUsage: settings.streamUsage,
  } as const;
  const modelPrice = settings.prices ? findModelPrice(model, settings.prices) : undefined;

  const policy: RetryPolicy = {
    settings: retry,
    isRetryable: isRetryableOpenAIError,
    retryAfterMs: openAIRetryAfterMs,
    reason: openAIRetryReason,
    toModelError: toModelErrorFromOpenAI,
  };

  function stream(request: ModelRequest, signal: AbortSignal): AsyncGenerator<ModelStreamEvent> {
    const params = toChatCompletionsParams(request, model, paramOptions);
    return retriedStream(policy, signal, () => {
      let usage: ModelUsage | undefined;
      async function* events(): AsyncGenerator<ModelStreamEvent> {
        const chunks = await client.chat.completions.create(params, { signal, maxRetries: 0 });
        for await (const chunk of chunks) {
          // Some gateways repeat usage on several chunks; the last one is the total.
          if (chunk.usage) usage = toUsage(chunk.usage);
          const text = chunk.choices[0]?.delta?.content;
          if (typeof text === 'string' && text.length > 0) yield { type: 'text', text };
        }
      }
      // Chat Completions reports usage only at the end: a broken attempt has none.
      return { events: events(), closing: (complete) => (complete && usage ? [{ type: 'usage', usage }] : []) };
    });
  }

  return {
    provider: settings.providerName,
    model,
    offline: false,
    stream,
    cost: (usage) => costOfUsage(usage, modelPrice),
  };
}
