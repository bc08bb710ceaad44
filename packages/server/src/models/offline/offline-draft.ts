import { CampaignBriefSchema, DeliverableKindSchema, DeliverableSchema, TeamDefinitionError, readVariantRequest, type ModelPurpose } from '@marketing-team/core';
import { z } from 'zod';
import { offlineContext } from './_offline-context.js';
import { OFFLINE_DRAFTS } from './_offline-drafts.js';
import { offlineVariant } from './_offline-variants.js';

const SkillPurposeSchema = z.object({
  kind: z.literal('skill'),
  skill: z.string().min(1).max(128),
  agent: z.string().min(1).max(64),
  deliverable: DeliverableKindSchema,
  brief: CampaignBriefSchema,
  brandName: z.string().min(1).max(200),
  inputs: z.array(DeliverableSchema).max(64),
  // Steers and review comments as `buildSkillRequest` words them (a comment holds up to 4,000 characters).
  steers: z.array(z.string().max(4100)).max(100),
  brand: z
    .object({
      name: z.string(),
      audience: z.string(),
      products: z.array(z.object({ name: z.string(), description: z.string() })).min(1),
      palette: z.array(z.string()),
      bannedTerms: z.array(z.string()),
      requiredDisclaimers: z.array(z.string()),
      voice: z.string().max(2000).optional(),
      website: z.string().optional(),
    })
    .optional(),
});

/**
 * Writes a deterministic, brand-aware draft for a skill request, in exactly the format
 * `parseDeliverable` reads (Markdown, then a fenced JSON block). Public copy (posts, ads, the
 * landing page, creative concepts) is written from the brief's meaning in the brand's voice: a
 * short audience phrase, the product name and a benefit, never the brief's goal, audience, notes
 * or a steer pasted whole, and never an invented testimonial. Steering changes the wording
 * (playful, formal, shorter, urgent); internal deliverables (research, strategy, measurement)
 * quote the brief and the steer. Headlines fit their channel limits whole, without cuts.
 */
export function offlineDraft(purpose: ModelPurpose): string {
  if (purpose?.kind !== 'skill') {
    throw new TeamDefinitionError([{ path: 'purpose.kind', message: `offline drafts are written for skill requests, not "${String(purpose?.kind)}"` }]);
  }
  const checked = SkillPurposeSchema.safeParse(purpose);
  if (!checked.success) throw new TeamDefinitionError(checked.error.issues.map((issue) => ({ path: issuePath(issue.path), message: issue.message })));
  // A variant is written from its own angle; its guidance is not a steer of the tone.
  const asked = readVariantRequest(checked.data.steers);
  const steers = asked ? [...asked.rest, ...(asked.variant.instruction ? [asked.variant.instruction] : [])] : checked.data.steers;
  const context = offlineContext({ ...checked.data, steers });
  const parts = (asked && offlineVariant(context, asked.variant)) || OFFLINE_DRAFTS[checked.data.deliverable](context);
  // the draft must never carry the brand's banned terms, even when they come from the brief
  const banned = checked.data.brand?.bannedTerms ?? [];
  const clean = <T>(value: T): T => withoutBannedTerms(value, banned);
  const markdown = clean(parts.markdown);
  const data = clean(parts.data);
  // Required disclaimers are not repeated in the Markdown: deliverables carry them beside the text.
  return `${markdown}\n\n\`\`\`json\n${JSON.stringify(data, null, 2)}\n\`\`\`\n`;
}

function withoutBannedTerms<T>(value: T, banned: readonly string[]): T {
  if (banned.length === 0) return value;
  if (typeof value === 'string') {
    let text: string = value;
    for (const term of banned) {
      const escaped = term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      text = text.replace(new RegExp(`(^|[^\\p{L}\\p{N}])${escaped}(?=$|[^\\p{L}\\p{N}])`, 'giu'), '$1…');
    }
    return text as T;
  }
  if (Array.isArray(value)) return value.map((item) => withoutBannedTerms(item, banned)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withoutBannedTerms(inner, banned)])) as T;
  }
  return value;
}

/** A zod issue's path as definition errors name fields: `purpose.brief.goal`, `purpose.inputs[0]`. */
function issuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : `${out}.${String(key)}`), 'purpose');
}
