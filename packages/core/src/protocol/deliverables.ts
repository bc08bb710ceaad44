import * as z from 'zod/mini';
// English messages before anything is parsed (see the file).
import './_english-messages.js';
import { AgentNameSchema, IdSchema } from './limits.js';

/** Every kind of artifact the team can produce. */
export const DeliverableKindSchema = z.enum([
  'research-brief',
  'competitor-snapshot',
  'campaign-strategy',
  'social-posts',
  'ad-copy',
  'landing-page',
  'creative-concepts',
  'measurement-plan',
]);
export type DeliverableKind = z.infer<typeof DeliverableKindSchema>;

/** Social networks the team writes posts for. */
export const SocialChannelSchema = z.enum(['x', 'linkedin', 'instagram', 'facebook', 'tiktok', 'threads']);
export type SocialChannel = z.infer<typeof SocialChannelSchema>;

/** A problem a validator found in a deliverable, and whether it was repaired. */
export const DeliverableIssueSchema = z.object({
  field: z.string(),
  message: z.string(),
  repaired: z.boolean(),
});
export type DeliverableIssue = z.infer<typeof DeliverableIssueSchema>;

const text = (max: number) => z.string().check(z.maxLength(max));

/** Data of a `research-brief` deliverable. */
export const ResearchBriefDataSchema = z.object({
  summary: text(4000),
  audienceInsights: z.array(text(1000)).check(z.maxLength(20)),
  marketTrends: z.array(text(1000)).check(z.maxLength(20)),
  opportunities: z.array(text(1000)).check(z.maxLength(20)),
});

/** Data of a `competitor-snapshot` deliverable. */
export const CompetitorSnapshotDataSchema = z.object({
  competitors: z
    .array(
      z.object({
        name: text(200),
        positioning: text(1000),
        strengths: z.array(text(500)).check(z.maxLength(10)),
        weaknesses: z.array(text(500)).check(z.maxLength(10)),
      }),
    )
    .check(z.maxLength(12)),
});

/** Data of a `campaign-strategy` deliverable. */
export const CampaignStrategyDataSchema = z.object({
  positioning: text(2000),
  keyMessages: z.array(text(500)).check(z.maxLength(10)),
  channels: z.array(z.object({ channel: text(100), role: text(500) })).check(z.maxLength(12)),
  phases: z.array(z.object({ name: text(200), timing: text(200), focus: text(1000) })).check(z.maxLength(10)),
});

/** One post of a `social-posts` deliverable, with its measured length and the channel's limit. */
export const SocialPostSchema = z.object({
  channel: SocialChannelSchema,
  text: text(5000),
  hashtags: z.array(text(100)).check(z.maxLength(30)),
  characterCount: z.number().check(z.int(), z.nonnegative()),
  characterLimit: z.number().check(z.int(), z.positive()),
});
/** Data of a `social-posts` deliverable. */
export const SocialPostsDataSchema = z.object({ posts: z.array(SocialPostSchema).check(z.maxLength(30)) });

/** One ad of an `ad-copy` deliverable. */
export const AdCopyVariantSchema = z.object({
  platform: text(100),
  headline: text(300),
  description: text(1000),
  callToAction: text(100),
});
/** Data of an `ad-copy` deliverable. */
export const AdCopyDataSchema = z.object({ variants: z.array(AdCopyVariantSchema).check(z.maxLength(20)) });

/** Data of a `landing-page` deliverable. */
export const LandingPageDataSchema = z.object({
  headline: text(300),
  /**
   * A complete HTML document, untrusted: clients sanitize it and render it only inside a sandboxed
   * iframe under a Content-Security-Policy of its own that loads nothing remote.
   */
  html: text(200_000),
});

/** Data of a `creative-concepts` deliverable. */
export const CreativeConceptsDataSchema = z.object({
  concepts: z
    .array(z.object({ name: text(200), description: text(2000), palette: z.array(text(32)).check(z.maxLength(8)) }))
    .check(z.maxLength(10)),
  /**
   * An SVG banner, untrusted: clients render it as an image (data URL), never inline; written to a
   * file it must be sanitized first, since an SVG opened as a document runs its scripts.
   */
  bannerSvg: text(100_000),
});

/** Data of a `measurement-plan` deliverable. */
export const MeasurementPlanDataSchema = z.object({
  kpis: z
    .array(
      z.object({
        name: text(200),
        metric: text(500),
        target: text(200),
        channel: z.optional(text(100)),
        cadence: text(100),
      }),
    )
    .check(z.maxLength(30)),
  tools: z.array(text(200)).check(z.maxLength(20)),
});

const common = {
  id: IdSchema,
  title: text(300),
  runId: IdSchema,
  taskId: IdSchema,
  agent: AgentNameSchema,
  skill: IdSchema,
  /** True when written by the offline model rather than a real one. */
  offline: z.boolean(),
  /** Human-readable Markdown rendering of the deliverable (untrusted: sanitize before display). */
  markdown: text(200_000),
  issues: z._default(z.array(DeliverableIssueSchema).check(z.maxLength(100)), []),
  /**
   * The brand's required disclaimers. Clients show them in an element of their own, apart from the
   * model's text, so nothing the model writes can hide or swallow them.
   */
  disclaimers: z._default(z.array(text(1000)).check(z.maxLength(20)), []),
};

/** A typed artifact produced by one task of a run. */
export const DeliverableSchema = z.discriminatedUnion('kind', [
  z.object({ ...common, kind: z.literal('research-brief'), data: ResearchBriefDataSchema }),
  z.object({ ...common, kind: z.literal('competitor-snapshot'), data: CompetitorSnapshotDataSchema }),
  z.object({ ...common, kind: z.literal('campaign-strategy'), data: CampaignStrategyDataSchema }),
  z.object({ ...common, kind: z.literal('social-posts'), data: SocialPostsDataSchema }),
  z.object({ ...common, kind: z.literal('ad-copy'), data: AdCopyDataSchema }),
  z.object({ ...common, kind: z.literal('landing-page'), data: LandingPageDataSchema }),
  z.object({ ...common, kind: z.literal('creative-concepts'), data: CreativeConceptsDataSchema }),
  z.object({ ...common, kind: z.literal('measurement-plan'), data: MeasurementPlanDataSchema }),
]);
export type Deliverable = z.infer<typeof DeliverableSchema>;
export type DeliverableOf<K extends DeliverableKind> = Extract<Deliverable, { kind: K }>;

const editable = <K extends string, D extends z.core.$ZodType>(kind: K, data: D) =>
  z.object({ kind: z.literal(kind), title: common.title, markdown: common.markdown, data });

/**
 * The part of a deliverable a person may change: its title, its Markdown and its kind's data,
 * validated with the kind's own schemas (the same limits as the deliverable itself). Everything
 * else (ids, agent, skill, disclaimers) stays as the agent wrote it.
 */
export const DeliverableContentSchema = z.discriminatedUnion('kind', [
  editable('research-brief', ResearchBriefDataSchema),
  editable('competitor-snapshot', CompetitorSnapshotDataSchema),
  editable('campaign-strategy', CampaignStrategyDataSchema),
  editable('social-posts', SocialPostsDataSchema),
  editable('ad-copy', AdCopyDataSchema),
  editable('landing-page', LandingPageDataSchema),
  editable('creative-concepts', CreativeConceptsDataSchema),
  editable('measurement-plan', MeasurementPlanDataSchema),
]);
export type DeliverableContent = z.infer<typeof DeliverableContentSchema>;
