import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ModelProvider, ModelRequest, ModelStreamEvent, ModelUsage } from '@marketing-team/core';
import { offlineDraft } from './offline/offline-draft.js';
import { z } from 'zod';
import { abortError, throwIfAborted } from './_abort.js';
import { offlineBrandDraftAnswer, offlineReferenceReport, offlineRoutingAnswer } from './offline/_offline-answers.js';
import { seededRandom } from '../_seeded-random.js';

const OptionsSchema = z.object({
  tokensPerSecond: z.number().positive().max(10_000_000).default(60),
  seed: z.number().int().default(1),
  jitter: z.number().min(0).max(1).default(0),
});

/** Options of `createOfflineProvider`. */
export interface OfflineProviderOptions {
  /** Pace of the stream, in word-sized chunks per second; default 60. */
  tokensPerSecond?: number;
  /** Seed of the timing jitter, so a run with the same seed streams with the same rhythm. */
  seed?: number;
  /** Spread of each chunk's delay around the mean, 0 (even pace, the default) to 1. */
  jitter?: number;
}

/** Splits text into word-sized chunks (a word and the whitespace after it); joined, they are the text. */
export function wordChunks(text: string): string[] {
  return text.match(/\s+|\S+\s*/g) ?? [];
}

/** Rough token count of a prompt: four characters per token, as a common rule of thumb. */
const estimateTokens = (text: string) => Math.ceil(text.length / 4);

/** The whole answer the offline model gives to a request. */
export function offlineAnswer(request: ModelRequest): string {
  switch (request.purpose.kind) {
    case 'skill':
      return offlineDraft(request.purpose);
    case 'routing':
      return offlineRoutingAnswer(request);
    case 'reference-analysis':
      return offlineReferenceReport(request, request.purpose.templateName);
    case 'brand-intake':
      return offlineBrandDraftAnswer(request);
    default:
      return '';
  }
}

/**
 * A `ModelProvider` that needs no network and no key: it writes deterministic, brand-aware drafts
 * (`offline/offline-draft.ts` for skills; a keyword-matching answer for routing; a measured report for
 * reference analysis) and streams them in word-sized chunks at `tokensPerSecond`. It counts usage
 * (prompt tokens estimated, the brand prefix counted as a cache write once and a cache read after),
 * costs nothing, and is labelled `offline: true` so every device shows the output as a draft.
 */
export function createOfflineProvider(options: OfflineProviderOptions = {}): ModelProvider {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`createOfflineProvider: ${issue?.path.join('.') || 'options'}: ${issue?.message ?? 'invalid'}`);
  }
  const { tokensPerSecond, seed, jitter } = parsed.data;
  const cachedPrefixes = new Set<string>();
  const next = seededRandom(seed);

  function promptUsage(request: ModelRequest): ModelUsage {
    const usage: ModelUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
    // Everything up to the last block marked `cache` is the cacheable prefix, as with the real API.
    const lastCached = request.system.map((block) => block.cache === true).lastIndexOf(true);
    const prefix = request.system.slice(0, lastCached + 1).map((block) => block.text).join('\n');
    const rest = [...request.system.slice(lastCached + 1).map((block) => block.text), ...request.messages.map((message) => message.content)].join('\n');
    if (prefix.length > 0) {
      const key = createHash('sha256').update(prefix).digest('hex');
      if (cachedPrefixes.has(key)) usage.cacheReadTokens = estimateTokens(prefix);
      else {
        cachedPrefixes.add(key);
        usage.cacheWriteTokens = estimateTokens(prefix);
      }
    }
    usage.inputTokens = estimateTokens(rest);
    return usage;
  }

  async function* stream(request: ModelRequest, signal: AbortSignal): AsyncGenerator<ModelStreamEvent> {
    throwIfAborted(signal);
    const chunks = wordChunks(offlineAnswer(request));
    const usage = promptUsage(request);
    const interval = 1000 / tokensPerSecond;
    const started = performance.now();
    let due = 0;
    try {
      for (const chunk of chunks) {
        due += interval * (1 + jitter * (next() * 2 - 1));
        const wait = started + due - performance.now();
        // Timers fire no sooner than 1 ms: at high rates, emit every chunk already due without waiting.
        if (wait >= 1) await sleep(wait, undefined, { signal });
        throwIfAborted(signal);
        usage.outputTokens += 1;
        yield { type: 'text', text: chunk };
      }
    } catch (error) {
      if (!signal.aborted) throw error;
      yield { type: 'usage', usage };
      throw abortError(signal);
    }
    yield { type: 'usage', usage };
  }

  return {
    provider: 'offline',
    model: `offline-drafts@${tokensPerSecond}tps`,
    offline: true,
    stream,
    cost: () => 0,
  };
}
