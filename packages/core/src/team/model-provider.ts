import type { CampaignBrief } from '../protocol/brief.js';
import type { Deliverable, DeliverableKind } from '../protocol/deliverables.js';

/** One block of a system prompt. `cache: true` marks the end of a prefix providers may cache. */
export interface SystemBlock {
  text: string;
  cache?: boolean;
}

export interface ModelMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** Brand facts carried by a skill purpose, so offline drafts can be brand-aware without the full context. */
export interface ModelPurposeBrand {
  name: string;
  audience: string;
  products: { name: string; description: string }[];
  /** Brand colours as `#rrggbb`, primary first. */
  palette: string[];
  bannedTerms: string[];
  requiredDisclaimers: string[];
  /** The start of the brand's voice guide, so offline drafts can sound like the brand. */
  voice?: string;
  website?: string;
}

/** What a request is for: lets the offline provider write a fitting draft and ledgers attribute usage. */
export type ModelPurpose =
  | {
      kind: 'skill';
      skill: string;
      agent: string;
      deliverable: DeliverableKind;
      brief: CampaignBrief;
      /** Brand name and key facts the offline provider weaves into its draft. */
      brandName: string;
      /** Deliverables of the tasks this one depends on. */
      inputs: Deliverable[];
      /** Steering instructions, then reviewer feedback, that apply to this generation, oldest first. */
      steers: string[];
      /** Brand facts for offline drafts (set by `buildSkillRequest`). */
      brand?: ModelPurposeBrand;
    }
  | { kind: 'reference-analysis'; templateName: string }
  /** Drafting a brand kit from the marketer's documents (their names). */
  | { kind: 'brand-intake'; documents: string[] }
  | { kind: 'routing' };

export interface ModelRequest {
  /** Brand context comes first so it forms a stable, cacheable prefix. */
  system: SystemBlock[];
  messages: ModelMessage[];
  maxTokens: number;
  temperature?: number;
  purpose: ModelPurpose;
}

export interface ModelUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/** What a provider yields while it streams. */
export type ModelStreamEvent =
  | { type: 'text'; text: string }
  | { type: 'usage'; usage: ModelUsage }
  /** A retryable failure; the provider waits `delayMs` (abortable) and tries again. */
  | { type: 'retry'; attempt: number; delayMs: number; reason: string };

/**
 * A language model behind one interface: the Anthropic Messages API, or the offline provider.
 * `stream` must stop promptly (and reject with an `AbortError`) when `signal` aborts, including
 * while waiting to retry.
 */
export interface ModelProvider {
  readonly provider: string;
  readonly model: string;
  /** True for the offline provider, whose output is labelled as such. */
  readonly offline: boolean;
  stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelStreamEvent>;
  /** Cost in US dollars of the given usage. */
  cost(usage: ModelUsage): number;
}
