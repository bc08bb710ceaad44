import * as z from 'zod/mini';
// English messages before anything is parsed (see the file).
import './_english-messages.js';
import { SessionIdSchema } from './limits.js';

/**
 * Studio drafts: runs that draft a part of a workspace (a skill's reference analysis, the brand
 * kit) instead of a campaign. They stream through a session log like campaign runs, so they
 * resume after a dropped connection, show on every device of the editor and can be cancelled;
 * the human reviews the draft and saves it to the workspace.
 */

const text = (min: number, max: number) => z.string().check(z.minLength(min, 'must not be empty'), z.maxLength(max));

/** A file name as it came from the editor's computer (shown, never used as a path). */
const SourceNameSchema = z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(200));

/** Largest template a reference analysis reads, in characters. */
export const MAX_DRAFT_TEMPLATE_CHARS = 200_000;
/** Largest text read from all brand documents of one intake together, in characters. */
export const MAX_INTAKE_CHARS = 200_000;
/** Most documents one brand intake reads. */
export const MAX_INTAKE_DOCUMENTS = 10;

/** What a studio draft is asked to write. */
export const DraftRequestSchema = z.discriminatedUnion('kind', [
  z.object({
    /** Reference-Based Method, step 1: the analysis report of a branded template. */
    kind: z.literal('reference-analysis'),
    template: z.object({
      name: z.string().check(
        z.minLength(1),
        z.maxLength(128),
        z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" or "-" (a plain file name)'),
        z.refine((name) => !name.includes('..'), 'must not contain ".."'),
      ),
      content: text(1, MAX_DRAFT_TEMPLATE_CHARS),
    }),
    /** The skill the report is for, so every editor's page shows it in the right place. */
    skill: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
  }),
  z.object({
    /** Brand intake: the brand kit's fields drafted from what the marketer already has. */
    kind: z.literal('brand-intake'),
    documents: z
      .array(z.object({ name: SourceNameSchema, text: text(1, MAX_INTAKE_CHARS) }))
      .check(
        z.minLength(1, 'add at least one document'),
        z.maxLength(MAX_INTAKE_DOCUMENTS),
        z.refine((documents) => documents.reduce((sum, document) => sum + document.text.length, 0) <= MAX_INTAKE_CHARS, `at most ${MAX_INTAKE_CHARS} characters in all`),
      ),
  }),
]);
export type DraftRequest = z.infer<typeof DraftRequestSchema>;
export type DraftKind = DraftRequest['kind'];

const hex = z.string().check(z.regex(/^#[0-9a-fA-F]{6}$/, 'use #rrggbb'));

/**
 * Brand kit fields a brand intake drafted: only what the documents said (every field optional);
 * the bounds are the brand kit's own, so a saved draft is a valid brand.
 */
export const BrandDraftSchema = z.object({
  name: z.optional(text(1, 200)),
  voiceGuide: z.optional(text(1, 50_000)),
  styleGuide: z.optional(text(1, 50_000)),
  strategy: z.optional(text(1, 50_000)),
  audience: z.optional(text(1, 10_000)),
  products: z.optional(z.array(z.object({ name: text(1, 200), description: z.string().check(z.maxLength(2000)) })).check(z.maxLength(50))),
  bannedTerms: z.optional(z.array(text(1, 100)).check(z.maxLength(200))),
  requiredDisclaimers: z.optional(z.array(text(1, 1000)).check(z.maxLength(20))),
  palette: z.optional(z.array(hex).check(z.maxLength(8))),
});
export type BrandDraft = z.infer<typeof BrandDraftSchema>;

/** What a studio draft wrote, carried by `draft.created`. */
export const DraftResultSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('reference-analysis'),
    templateName: z.string().check(z.maxLength(128)),
    /** SHA-256 of the template analysed: a skill built from the report is stale once it differs. */
    templateHash: z.string().check(z.regex(/^[0-9a-f]{64}$/, 'use a lowercase hex SHA-256')),
    report: text(1, 100_000),
    skill: z.optional(z.string().check(z.maxLength(100))),
  }),
  z.object({
    kind: z.literal('brand-intake'),
    brand: BrandDraftSchema,
    /** Names of the documents it was drafted from. */
    sources: z.array(SourceNameSchema).check(z.maxLength(MAX_INTAKE_DOCUMENTS)),
  }),
]);
export type DraftResult = z.infer<typeof DraftResultSchema>;

/** What the reduced state keeps of a draft request: what it reads, not the (large) text itself. */
export const DraftSummarySchema = z.object({
  kind: z.enum(['reference-analysis', 'brand-intake']),
  skill: z.optional(z.string()),
  templateName: z.optional(z.string()),
  templateHash: z.optional(z.string()),
  documents: z.optional(z.array(z.string())),
});
export type DraftSummary = z.infer<typeof DraftSummarySchema>;

const STUDIO_PREFIX = 'studio.';

/**
 * The session of a workspace's studio: where its drafts stream and its saves are announced, so
 * every editor of the workspace (on any device) sees both. A token opens it only for that workspace.
 */
export function studioSessionId(workspaceId: string): string {
  return SessionIdSchema.parse(`${STUDIO_PREFIX}${workspaceId}`);
}

/** The workspace whose studio session `session` is, or `undefined` for any other session. */
export function workspaceOfStudioSession(session: string): string | undefined {
  return session.startsWith(STUDIO_PREFIX) ? session.slice(STUDIO_PREFIX.length) : undefined;
}
