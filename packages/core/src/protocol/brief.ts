import { z } from 'zod';
import { DeliverableKindSchema, SocialChannelSchema } from './deliverables.js';

/** A campaign brief: what a person asks the team for. */
export const CampaignBriefSchema = z.object({
  /** What the campaign must achieve, in the person's words. */
  goal: z.string().trim().min(1).max(2000),
  /** Who the campaign speaks to. */
  audience: z.string().trim().max(1000).optional(),
  /** Product or offer being promoted. */
  product: z.string().trim().max(500).optional(),
  /** Social channels to write for. */
  channels: z.array(SocialChannelSchema).max(8).default(['linkedin', 'x', 'instagram']),
  /** Deliverables wanted; an empty list means the full package. */
  deliverables: z.array(DeliverableKindSchema).max(16).default([]),
  /** Deliverable kinds that wait for a human approval before dependants start. */
  reviewGates: z.array(DeliverableKindSchema).max(16).default([]),
  /** Anything else the team should know. */
  notes: z.string().max(4000).optional(),
});
export type CampaignBrief = z.infer<typeof CampaignBriefSchema>;
export type CampaignBriefInput = z.input<typeof CampaignBriefSchema>;
