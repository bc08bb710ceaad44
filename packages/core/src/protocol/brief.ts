import * as z from 'zod/mini';
// English messages before anything is parsed (see the file).
import './_english-messages.js';
import { DeliverableKindSchema, SocialChannelSchema } from './deliverables.js';
import { UnwatchedPolicySchema } from './unwatched-policy.js';

/** A campaign brief: what a person asks the team for. */
export const CampaignBriefSchema = z.object({
  /** What the campaign must achieve, in the person's words. */
  goal: z.string().check(z.trim(), z.minLength(1), z.maxLength(2000)),
  /** Who the campaign speaks to. */
  audience: z.optional(z.string().check(z.trim(), z.maxLength(1000))),
  /** Product or offer being promoted. */
  product: z.optional(z.string().check(z.trim(), z.maxLength(500))),
  /** Social channels to write for. */
  channels: z._default(z.array(SocialChannelSchema).check(z.maxLength(8)), ['linkedin', 'x', 'instagram']),
  /** Deliverables wanted; an empty list means the full package. */
  deliverables: z._default(z.array(DeliverableKindSchema).check(z.maxLength(16)), []),
  /** Deliverable kinds that wait for a human approval before dependants start. */
  reviewGates: z._default(z.array(DeliverableKindSchema).check(z.maxLength(16)), []),
  /** Anything else the team should know. */
  notes: z.optional(z.string().check(z.maxLength(4000))),
  /** What happens to the run while nobody watches the session; the runtime's default when absent. */
  whenUnwatched: z.optional(UnwatchedPolicySchema),
});
/** A validated brief, defaults filled in. */
export type CampaignBrief = z.infer<typeof CampaignBriefSchema>;
/** A brief as a client writes it: channels, deliverables and review gates may be left out. */
export type CampaignBriefInput = z.input<typeof CampaignBriefSchema>;
