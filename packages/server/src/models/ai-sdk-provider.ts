import type { ModelProvider, ModelRequest, ModelStreamEvent, ModelUsage } from '@marketing-team/core';
import { streamText, type LanguageModel, type LanguageModelUsage } from 'ai';
import { z } from 'zod';
import { abortError, isAbortError, throwIfAborted } from './_abort.js';
import { toModelErrorFromAiSdk } from './_ai-sdk-errors.js';
import { ModelPricesSchema, costOfUsage, findModelPrice, type ModelPrice } from './model-prices.js';

const OptionsSchema = z.object({
  model: z.union([
    z.string().min(1).max(200),
    // Duck-typed: a model from any AI SDK provider package, whichever copy of `ai` it was built against.
    z.custom<Exclude<LanguageModel, string>>(
      (value) =>
        typeof (value as { doStream?: unknown } | null)?.doStream === 'function' &&
        typeof (value as { modelId?: unknown }).modelId === 'string',
      'expected an AI SDK language model',
    ),
  ]),
  providerName: z.string().min(1).max(100).optional(),
  maxRetries: z.number().int().min(0).max(20).default(4),
  prices: ModelPricesSchema.optional(),
});

/** Options of `createAiSdkProvider`. */
export interface AiSdkProviderOptions {
  /**
   * Any model `streamText` accepts: `openai('gpt-4.1-mini')`, `anthropic('claude-sonnet-5-5')`,
   * `createOpenAICompatible({ ... })('llama3.2')`, or a gateway model id string.
   */
  model: LanguageModel;
  /** The `provider` label of usage events; defaults to the model's own (`openai.chat`, `anthropic.messages`, ...). */
  providerName?: string;
  /**
   * Retries of a failed call, by `streamText` itself (`maxRetries`): the errors the provider
   * marks retryable (408, 409, 429, 5xx, connection failures), honouring `retry-after-ms` /
   * `retry-after` under 60 s, otherwise backing off from 2 s. Default 4.
   */
  maxRetries?: number;
  /**
   * Price table in USD per million tokens, looked up by the longest model-id prefix (pass
   * `ANTHROPIC_PRICES` for Claude models). Without one `cost` is 0.
   */
  prices?: Record<string, ModelPrice>;
}

/**
 * AI SDK usage counts cache reads and writes inside `inputTokens`; `ModelUsage` keeps them apart
 * so each is priced at its own rate.
 */
function toUsage(usage: LanguageModelUsage): ModelUsage {
  const total = usage.inputTokens ?? 0;
  const cacheReadTokens = usage.inputTokenDetails?.cacheReadTokens ?? 0;
  const cacheWriteTokens = usage.inputTokenDetails?.cacheWriteTokens ?? 0;
  return {
    inputTokens: usage.inputTokenDetails?.noCacheTokens ?? Math.max(0, total - cacheReadTokens - cacheWriteTokens),
    outputTokens: usage.outputTokens ?? 0,
    cacheReadTokens,
    cacheWriteTokens,
  };
}

/** Joins the system blocks into one system prompt, brand context first (many chat templates accept only one). */
function systemPrompt(request: ModelRequest): string | undefined {
  const text = request.system
    .map((block) => block.text)
    .filter((part) => part.length > 0)
    .join('\n\n');
  return text.length > 0 ? text : undefined;
}

/**
 * A `ModelProvider` over any Vercel AI SDK language model, streamed through `streamText`, so
 * that a host already on the AI SDK keeps its provider setup (keys, gateways, middleware).
 * Import it from `@marketing-team/server/ai-sdk`; `ai` is an optional peer dependency.
 *
 * - Streams: `text-delta` parts are yielded as they arrive; reasoning and other parts are not
 *   part of the deliverable and are skipped.
 * - Usage: the `finish` part's total, one `usage` event per completed call.
 * - Retries: `streamText`'s own (`maxRetries`), which cover failures before the stream starts;
 *   its waits are cut short by an abort. They are not announced by `retry` events, since
 *   `streamText` does not report them. An error sent mid-stream is not retried here: it fails
 *   with a `ModelError` marked retryable when the server was at fault, so the runtime's `retry`
 *   option can run the task again.
 * - Abort: the signal is `streamText`'s `abortSignal`, which cancels the HTTP request; the
 *   stream then rejects with an `AbortError`.
 * - Failure: a typed `ModelError` with the same codes and `reason`s as the other providers.
 */
export function createAiSdkProvider(options: AiSdkProviderOptions): ModelProvider {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`createAiSdkProvider: ${issue?.path.join('.') || 'options'}: ${issue?.message ?? 'invalid'}`);
  }
  const settings = parsed.data;
  const model: LanguageModel = settings.model;
  const modelId = typeof model === 'string' ? model : model.modelId;
  const providerName = settings.providerName ?? (typeof model === 'string' ? 'gateway' : model.provider);
  const modelPrice = settings.prices ? findModelPrice(modelId, settings.prices) : undefined;

  async function* stream(request: ModelRequest, signal: AbortSignal): AsyncGenerator<ModelStreamEvent> {
    throwIfAborted(signal);
    const system = systemPrompt(request);
    const result = streamText({
      model,
      ...(system === undefined ? {} : { system }),
      messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
      maxOutputTokens: request.maxTokens,
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
      maxRetries: settings.maxRetries,
      abortSignal: signal,
      // Errors arrive as `error` parts below; the default handler would also log them to the console.
      onError: () => undefined,
    });
    let usage: ModelUsage | undefined;
    try {
      for await (const part of result.fullStream) {
        switch (part.type) {
          case 'text-delta':
            if (part.text.length > 0) yield { type: 'text', text: part.text };
            break;
          case 'finish':
            usage = toUsage(part.totalUsage);
            break;
          case 'abort':
            throw abortError(signal);
          case 'error':
            throw part.error;
          default:
            break;
        }
      }
    } catch (error) {
      if (signal.aborted || isAbortError(error)) throw abortError(signal);
      throw toModelErrorFromAiSdk(error);
    }
    throwIfAborted(signal);
    if (usage) yield { type: 'usage', usage };
  }

  return {
    provider: providerName,
    model: modelId,
    offline: false,
    stream,
    cost: (usage) => costOfUsage(usage, modelPrice),
  };
}
