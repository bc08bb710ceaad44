import type { CampaignBrief } from '../protocol/brief.js';
import type { Deliverable, DeliverableKind, DeliverableOf } from '../protocol/deliverables.js';
import { sha256Hex } from './_hash.js';
import type { ModelPurposeBrand } from './model-provider.js';

/** Everything an offline draft is written from, with brand facts filled in when the purpose lacks them. */
export interface OfflineContext {
  kind: DeliverableKind;
  skill: string;
  agent: string;
  brief: CampaignBrief;
  brand: ModelPurposeBrand;
  product: string;
  productDescription: string;
  audience: string;
  goal: string;
  steers: string[];
  inputs: Deliverable[];
  /** Deterministic choice among variants, seeded by the brief, brand and skill. */
  pick<T>(options: readonly T[], salt?: string): T;
  input<K extends DeliverableKind>(kind: K): DeliverableOf<K> | undefined;
  /** Tone adjustments read from the steering instructions. */
  tone: { short: boolean; formal: boolean; playful: boolean; emoji: boolean; urgent: boolean };
}

/** First sentence (or first `max` characters at a word boundary) of a text. */
export function firstSentence(text: string, max: number): string {
  const sentence = (/^[^.!?\n]+[.!?]?/.exec(text.trim())?.[0] ?? text).trim();
  if ([...sentence].length <= max) return sentence.replace(/[.!?]$/, '');
  const cut = [...sentence].slice(0, max).join('');
  return cut.slice(0, Math.max(cut.lastIndexOf(' '), Math.floor(max * 0.6))).replace(/[\s,;:.-]+$/, '');
}

/** Builds the context of an offline draft from a skill purpose. */
export function offlineContext(purpose: {
  skill: string;
  agent: string;
  deliverable: DeliverableKind;
  brief: CampaignBrief;
  brandName: string;
  inputs: Deliverable[];
  steers: string[];
  brand?: ModelPurposeBrand;
}): OfflineContext {
  const brief = purpose.brief;
  const brand: ModelPurposeBrand = purpose.brand ?? {
    name: purpose.brandName,
    audience: brief.audience ?? 'people who need what we make',
    products: [{ name: brief.product ?? purpose.brandName, description: '' }],
    palette: ['#1f3a5f', '#f2a541', '#f7f4ef'],
    bannedTerms: [],
    requiredDisclaimers: [],
  };
  // the product the brief talks about: named in `product`, else mentioned in the goal (longest name wins)
  const mentioned = (text: string) =>
    [...brand.products]
      .sort((a, b) => b.name.length - a.name.length)
      .find((product) => text.toLowerCase().includes(product.name.toLowerCase()));
  const named = brief.product ? mentioned(brief.product) : (mentioned(brief.goal) ?? brand.products[0]);
  const product = brief.product ? firstSentence(brief.product, 60) : (named?.name ?? brand.name);
  const seed = sha256Hex(`${brand.name}\n${brief.goal}\n${purpose.skill}`);
  const steers = purpose.steers;
  const steerText = steers.join(' ').toLowerCase();
  return {
    kind: purpose.deliverable,
    skill: purpose.skill,
    agent: purpose.agent,
    brief,
    brand,
    product,
    productDescription: named?.description ?? '',
    audience: audiencePhrase(brief.audience ?? brand.audience),
    goal: firstSentence(brief.goal, 120),
    steers,
    inputs: purpose.inputs,
    pick: (options, salt = '') => options[parseInt(sha256Hex(seed + salt).slice(0, 8), 16) % options.length]!,
    input: <K extends DeliverableKind>(kind: K) =>
      purpose.inputs.find((deliverable): deliverable is DeliverableOf<K> => deliverable.kind === kind),
    tone: {
      short: /\b(short|shorter|brief|concise|punchy|tight)\b/.test(steerText),
      formal: /\b(formal|professional|serious|no emoji)\b/.test(steerText),
      playful: /\b(playful|fun|casual|friendly|witty)\b/.test(steerText),
      emoji: /\bemoji/.test(steerText) && !/\bno emoji/.test(steerText),
      urgent: /\b(urgent|urgency|deadline|limited|now)\b/.test(steerText),
    },
  };
}

/** A short audience phrase that reads well mid-sentence: "owners and managers of independent cafés". */
export function audiencePhrase(text: string): string {
  let phrase = firstSentence(text, 200).split(/\s*[(,;:]|\s+(?:who|which|that)\s+/)[0]!.trim();
  if ([...phrase].length > 45) {
    const words = phrase.split(/\s+/);
    phrase = '';
    for (const word of words) {
      if ([...`${phrase} ${word}`.trim()].length > 45) break;
      phrase = `${phrase} ${word}`.trim();
    }
    phrase = phrase.replace(/(\s+(?:and|or|of|the|for|with|in|to|a|an))+$/i, '');
  }
  // lower-case a leading capital unless the word is an acronym ("UK owners" stays)
  return /^[A-Z][a-z]/.test(phrase) ? phrase.charAt(0).toLowerCase() + phrase.slice(1) : phrase || 'our customers';
}

/** Escapes text for HTML and XML (SVG) content and attributes. */
export function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Capitalises the first letter. */
export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A hashtag-safe form of a phrase: `AcmeAnalytics`. */
export function hashtagOf(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 3)
    .map((word) => capitalise(word.toLowerCase()))
    .join('');
}
