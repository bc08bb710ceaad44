import type { ModelUsage } from '@marketing-team/core';
import { z } from 'zod';

/** Prices of one model in US dollars per million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
  /** Writing a prompt-cache entry with the default 5-minute lifetime. */
  cacheWrite: number;
  /** Reading (hitting) a prompt-cache entry. */
  cacheRead: number;
}

/** A provider option's price table: model name (or prefix) to {@link ModelPrice}. */
export const ModelPricesSchema = z.record(
  z.string(),
  z.object({
    input: z.number().nonnegative(),
    output: z.number().nonnegative(),
    cacheWrite: z.number().nonnegative(),
    cacheRead: z.number().nonnegative(),
  }),
);

const price = (input: number, output: number, cacheWrite: number, cacheRead: number): ModelPrice => ({
  input,
  output,
  cacheWrite,
  cacheRead,
});

/**
 * List prices of the Claude models in USD per million tokens, from the published pricing page
 * (platform.claude.com/docs/en/about-claude/pricing, read November 2026). Haiku 5.5 is listed at
 * its rate for prompts up to 100k tokens. Pass your own table to `createAnthropicProvider` when
 * your contract differs.
 */
export const ANTHROPIC_PRICES: Readonly<Record<string, ModelPrice>> = {
  'claude-fable-5-2': price(10, 50, 12.5, 0.25),
  'claude-mythos-5-2': price(10, 50, 12.5, 0.25),
  'claude-fable-5-1': price(10, 50, 12.5, 0.25),
  'claude-mythos-5-1': price(10, 50, 12.5, 0.25),
  'claude-fable-5': price(10, 50, 12.5, 1),
  'claude-mythos-5': price(10, 50, 12.5, 1),
  'claude-opus-5-5': price(4, 20, 5, 0.2),
  'claude-opus-5': price(5, 25, 6.25, 0.5),
  'claude-opus-4-8': price(5, 25, 6.25, 0.5),
  'claude-opus-4-7': price(5, 25, 6.25, 0.5),
  'claude-opus-4-6': price(5, 25, 6.25, 0.5),
  'claude-opus-4-5': price(5, 25, 6.25, 0.5),
  'claude-sonnet-5-5': price(2, 10, 2.5, 0.1),
  'claude-sonnet-5': price(2, 10, 2.5, 0.2),
  'claude-sonnet-4-6': price(3, 15, 3.75, 0.3),
  'claude-sonnet-4-5': price(3, 15, 3.75, 0.3),
  'claude-haiku-5-5': price(0.1, 0.5, 0.125, 0.01),
  'claude-haiku-4-5': price(1, 5, 1.25, 0.1),
};

/**
 * Finds the price of a model id, also for dated snapshots (`claude-haiku-4-5-20251001`) and
 * context-window suffixes (`claude-sonnet-5-5[1m]`), by the longest listed prefix.
 */
export function findModelPrice(model: string, table: Readonly<Record<string, ModelPrice>> = ANTHROPIC_PRICES): ModelPrice | undefined {
  const exact = table[model];
  if (exact) return exact;
  let best: string | undefined;
  for (const name of Object.keys(table)) {
    if (model.startsWith(name) && (best === undefined || name.length > best.length)) best = name;
  }
  return best === undefined ? undefined : table[best];
}

/** Cost in US dollars of `usage` at `price` (0 for an unknown model). */
export function costOfUsage(usage: ModelUsage, modelPrice: ModelPrice | undefined): number {
  if (!modelPrice) return 0;
  const dollars =
    usage.inputTokens * modelPrice.input +
    usage.outputTokens * modelPrice.output +
    usage.cacheWriteTokens * modelPrice.cacheWrite +
    usage.cacheReadTokens * modelPrice.cacheRead;
  return dollars / 1_000_000;
}
