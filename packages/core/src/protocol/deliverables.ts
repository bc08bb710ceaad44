import { z } from 'zod';
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

export const SocialChannelSchema = z.enum(['x', 'linkedin', 'instagram', 'facebook', 'tiktok', 'threads']);
export type SocialChannel = z.infer<typeof SocialChannelSchema>;

/** A problem a validator found in a deliverable, and whether it was repaired. */
export const DeliverableIssueSchema = z.object({
  field: z.string(),
  message: z.string(),
  repaired: z.boolean(),
});
export type DeliverableIssue = z.infer<typeof DeliverableIssueSchema>;

const text = (max: number) => z.string().max(max);

export const ResearchBriefDataSchema = z.object({
  summary: text(4000),
  audienceInsights: z.array(text(1000)).max(20),
  marketTrends: z.array(text(1000)).max(20),
  opportunities: z.array(text(1000)).max(20),
});

export const CompetitorSnapshotDataSchema = z.object({
  competitors: z
    .array(
      z.object({
        name: text(200),
        positioning: text(1000),
        strengths: z.array(text(500)).max(10),
        weaknesses: z.array(text(500)).max(10),
      }),
    )
    .max(12),
});

export const CampaignStrategyDataSchema = z.object({
  positioning: text(2000),
  keyMessages: z.array(text(500)).max(10),
  channels: z.array(z.object({ channel: text(100), role: text(500) })).max(12),
  phases: z.array(z.object({ name: text(200), timing: text(200), focus: text(1000) })).max(10),
});

export const SocialPostSchema = z.object({
  channel: SocialChannelSchema,
  text: text(5000),
  hashtags: z.array(text(100)).max(30),
  characterCount: z.number().int().nonnegative(),
  characterLimit: z.number().int().positive(),
});
export const SocialPostsDataSchema = z.object({ posts: z.array(SocialPostSchema).max(30) });

export const AdCopyVariantSchema = z.object({
  platform: text(100),
  headline: text(300),
  description: text(1000),
  callToAction: text(100),
});
export const AdCopyDataSchema = z.object({ variants: z.array(AdCopyVariantSchema).max(20) });

export const LandingPageDataSchema = z.object({
  headline: text(300),
  /** A complete HTML document; clients must render it only inside a sandboxed iframe. */
  html: text(200_000),
});

export const CreativeConceptsDataSchema = z.object({
  concepts: z
    .array(z.object({ name: text(200), description: text(2000), palette: z.array(text(32)).max(8) }))
    .max(10),
  /** An SVG banner; clients must render it as an image (data URL), never inline. */
  bannerSvg: text(100_000),
});

export const MeasurementPlanDataSchema = z.object({
  kpis: z
    .array(
      z.object({
        name: text(200),
        metric: text(500),
        target: text(200),
        channel: text(100).optional(),
        cadence: text(100),
      }),
    )
    .max(30),
  tools: z.array(text(200)).max(20),
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
  issues: z.array(DeliverableIssueSchema).max(100).default([]),
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
