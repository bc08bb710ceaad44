import type { Deliverable } from '../protocol/deliverables.js';
import { variantLetter } from '../session/deliverable-variants.js';

/** The angles variants are written from, one per variant, so no two read alike. */
export const VARIANT_ANGLES = ['question', 'scene', 'benefit', 'contrast'] as const;
export type VariantAngle = (typeof VARIANT_ANGLES)[number];

/** What each angle asks of the writer (a model reads it; the offline model reads the angle's name). */
const ANGLE_BRIEFS: Record<VariantAngle, string> = {
  question: 'Open with a question the audience asks themselves, then answer it with the product.',
  scene: 'Open with a concrete moment from the audience’s week that the product changes.',
  benefit: 'Open with the outcome the audience gets, stated plainly, then name the product.',
  contrast: 'Open with the way things are done today, then how the product changes it.',
};

/** One variant a variants run writes: its letter, its angle and the person's instruction for all of them. */
export interface VariantRequest {
  /** `A`, `B` or `C`, in the order the variants were asked for. */
  letter: string;
  angle: VariantAngle;
  /** The person's instruction for the variants ("mention the free trial"), if they gave one. */
  instruction?: string;
}

/** The variant `index` of a variants run: its letter and its angle (each variant has its own). */
export function variantRequest(index: number, instruction?: string): VariantRequest {
  return { letter: variantLetter(index), angle: VARIANT_ANGLES[index % VARIANT_ANGLES.length]!, ...(instruction ? { instruction } : {}) };
}

const HEAD = /^Variant ([A-Z]) \(angle: ([a-z]+)\)\./u;
const INSTRUCTION = /^The person's instruction for every variant: (.+)$/mu;

/**
 * Longest guidance a variant is given: reviewer feedback reaches offline drafts as a steer, and
 * steers are capped at 2,000 characters, prefix included.
 */
const MAX_GUIDANCE = 1900;

/**
 * The guidance a variant's generation is given (as a reviewer's request): write the deliverable
 * again from its angle, true to the brand and within each channel's limits, knowing the current
 * version (its start, as much as fits). Its first line names the variant and angle, so
 * `readVariantRequest` finds them again.
 */
export function variantGuidance(variant: VariantRequest, current: Pick<Deliverable, 'markdown'>): string {
  const ask = [
    `Variant ${variant.letter} (angle: ${variant.angle}). Write this deliverable again as one variant of an A/B test. ${ANGLE_BRIEFS[variant.angle]}`,
    'Keep the brand’s voice, the facts, the channels or platforms and each one’s character limit; do not reuse the current opening line.',
    ...(variant.instruction ? [`The person's instruction for every variant: ${variant.instruction.replace(/\s+/gu, ' ').slice(0, 600)}`] : []),
    '',
    'The current version:',
    '',
  ].join('\n');
  const room = MAX_GUIDANCE - ask.length;
  return `${ask}${current.markdown.length <= room ? current.markdown : `${current.markdown.slice(0, room - 1)}…`}`;
}

/**
 * Finds the variant a generation was asked for among its guidance (reviewer feedback reaches
 * offline drafts prefixed, so each text is searched, not only its start); returns it and the
 * other guidance, or `undefined` when the generation is not a variant.
 */
export function readVariantRequest(guidance: readonly string[]): { variant: VariantRequest; rest: string[] } | undefined {
  for (const [index, text] of guidance.entries()) {
    const at = text.search(/Variant [A-Z] \(angle: /u);
    if (at < 0) continue;
    const body = text.slice(at);
    const head = HEAD.exec(body);
    const angle = VARIANT_ANGLES.find((candidate) => candidate === head?.[2]);
    if (!head || !angle) continue;
    const instruction = INSTRUCTION.exec(body)?.[1]?.trim();
    return { variant: { letter: head[1]!, angle, ...(instruction ? { instruction } : {}) }, rest: guidance.filter((_, other) => other !== index) };
  }
  return undefined;
}
