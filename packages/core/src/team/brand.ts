import { z } from 'zod';
import { deepFreeze, parseDefinition } from './_definition.js';

const document = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);

/** A product or offer the brand sells. */
export const BrandProductSchema = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(200),
  description: z.string().trim().max(2000).default(''),
});
/** A validated brand product. */
export type BrandProduct = z.infer<typeof BrandProductSchema>;

/** An extra brand document (tone examples, messaging house, FAQ) placed in the brand context. */
export const BrandDocumentSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'use lowercase letters, digits and single hyphens'),
  content: document(50_000),
});
/** A validated extra brand document. */
export type BrandDocument = z.infer<typeof BrandDocumentSchema>;

/** Schema of `defineBrand` input: every field a brand context needs, validated. */
export const BrandSchema = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(200),
  /** How the brand sounds: personality, do and don't, example phrases. */
  voiceGuide: document(50_000),
  /** Writing and visual rules: spelling, casing, formatting, colours, typography. */
  styleGuide: document(50_000),
  /** Positioning, goals and the bets the brand is making. */
  strategy: document(50_000),
  /** Who the brand speaks to. */
  audience: document(10_000),
  products: z.array(BrandProductSchema).min(1, 'name at least one product').max(50),
  /** Words and phrases the brand never uses; deliverables containing them are flagged. */
  bannedTerms: z.array(z.string().trim().min(1, 'must not be empty').max(100)).max(200).default([]),
  /** Text every public-facing deliverable must carry; appended where missing. */
  requiredDisclaimers: z.array(z.string().trim().min(1, 'must not be empty').max(1000)).max(20).default([]),
  /** Brand colours as `#rrggbb`, first is primary; used by creative and landing page drafts. */
  palette: z
    .array(z.string().regex(/^#[0-9a-fA-F]{6}$/, 'use #rrggbb'))
    .max(8)
    .default(['#1f3a5f', '#f2a541', '#f7f4ef']),
  website: z.url().max(500).optional(),
  documents: z.array(BrandDocumentSchema).max(50).default([]),
});

/** A validated, frozen brand context. */
export type Brand = Readonly<z.output<typeof BrandSchema>>;
/** What `defineBrand` accepts. */
export type BrandInput = z.input<typeof BrandSchema>;

/**
 * Validates a brand context. Throws `TeamDefinitionError` naming every offending field
 * (for example `products[0].name`, `voiceGuide`).
 */
export function defineBrand(input: BrandInput): Brand {
  return deepFreeze(parseDefinition(BrandSchema, input));
}

/**
 * Renders the brand as the text of the first, cacheable system block of every agent prompt.
 * Deterministic, so providers that cache prompt prefixes hit the cache across agents.
 */
export function renderBrandContext(brand: Brand): string {
  const lines: string[] = [
    `# Brand context: ${brand.name}`,
    'Everything you write is for this brand. Follow its voice, style and strategy exactly.',
    '',
    '## Voice guide',
    brand.voiceGuide,
    '',
    '## Style guide',
    brand.styleGuide,
    '',
    '## Strategy',
    brand.strategy,
    '',
    '## Audience',
    brand.audience,
    '',
    '## Products',
    ...brand.products.map((product) => `- **${product.name}**${product.description ? `: ${product.description}` : ''}`),
  ];
  if (brand.website) lines.push('', `Website: ${brand.website}`);
  lines.push('', `Brand palette: ${brand.palette.join(', ')}`);
  if (brand.bannedTerms.length > 0) {
    lines.push('', '## Banned terms (never use these)', ...brand.bannedTerms.map((term) => `- ${term}`));
  }
  if (brand.requiredDisclaimers.length > 0) {
    lines.push(
      '',
      '## Required disclaimers (include verbatim in public-facing copy)',
      ...brand.requiredDisclaimers.map((text) => `- ${text}`),
    );
  }
  for (const doc of brand.documents) lines.push('', `## Document: ${doc.name}`, doc.content);
  return lines.join('\n');
}
