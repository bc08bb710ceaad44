import { createHash } from 'node:crypto';
import type { CampaignBrief, Deliverable, DeliverableKind, DeliverableOf, ModelPurposeBrand } from '@marketing-team/core';
import { audienceNoun, benefitOf, productName, toneOf, type OfflineBenefit, type OfflineTone } from './_offline-copy.js';

/** Everything an offline draft is written from, with brand facts filled in when the purpose lacks them. */
export interface OfflineContext {
  kind: DeliverableKind;
  skill: string;
  agent: string;
  brief: CampaignBrief;
  brand: ModelPurposeBrand;
  /** A product name short enough for a headline. */
  product: string;
  productDescription: string;
  /** A short audience noun phrase ("IT admins"), never the brief's audience field whole. */
  audience: string;
  /** The benefit public copy leads with, read from the brief's meaning. */
  benefit: OfflineBenefit;
  /** The brief's goal (first sentence): for internal deliverables only, never public copy. */
  goal: string;
  steers: string[];
  inputs: Deliverable[];
  /** Deterministic choice among variants, seeded by the brief, brand and skill. */
  pick<T>(options: readonly T[], salt?: string): T;
  input<K extends DeliverableKind>(kind: K): DeliverableOf<K> | undefined;
  /** How the copy sounds: the brand's voice, adjusted by the steering instructions. */
  tone: OfflineTone;
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
    audience: 'customers',
    products: [{ name: purpose.brandName, description: '' }],
    palette: ['#1f3a5f', '#f2a541', '#f7f4ef'],
    bannedTerms: [],
    requiredDisclaimers: [],
  };
  // the product the brief talks about: named in `product`, else mentioned in the goal (longest name wins)
  const product = productName(brief.product, brief.goal, brand.products, brand.name);
  const named = brand.products.find((candidate) => candidate.name === product);
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
    audience: audienceNoun(brief.audience) ?? audienceNoun(brand.audience) ?? 'teams',
    benefit: benefitOf(brief.goal, brief.notes, brief.product, named?.description),
    goal: firstSentence(brief.goal, 120),
    steers,
    inputs: purpose.inputs,
    pick: (options, salt = '') => options[parseInt(sha256Hex(seed + salt).slice(0, 8), 16) % options.length]!,
    input: <K extends DeliverableKind>(kind: K) =>
      purpose.inputs.find((deliverable): deliverable is DeliverableOf<K> => deliverable.kind === kind),
    tone: toneOf(brand.voice, steerText),
  };
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

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
