import { z } from 'zod';
import { DeliverableKindSchema } from '../protocol/deliverables.js';
import { AgentNameSchema } from '../protocol/limits.js';
import { SkillNameSchema } from './skill.js';

/**
 * One row of a team's rule table: a request whose text contains any of `keywords`, or that asks
 * for one of `deliverables`, goes to `agent` (and `skill`, or the agent's best matching skill).
 */
export const RoutingRuleSchema = z
  .strictObject({
    agent: AgentNameSchema,
    skill: SkillNameSchema.optional(),
    /** Case-insensitive words or phrases matched on word boundaries. */
    keywords: z.array(z.string().trim().min(1).max(100)).max(100).default([]),
    deliverables: z.array(DeliverableKindSchema).max(8).default([]),
    /** Why the rule exists; becomes part of the routing reason. */
    description: z.string().trim().max(500).optional(),
  })
  .refine((rule) => rule.keywords.length > 0 || rule.deliverables.length > 0, {
    message: 'give the rule keywords or deliverables',
    path: ['keywords'],
  });
/** A validated routing rule. */
export type RoutingRule = Readonly<z.output<typeof RoutingRuleSchema>>;
/** What a routing rule definition accepts. */
export type RoutingRuleInput = z.input<typeof RoutingRuleSchema>;

/** A request to route: free text, and optionally an explicit skill, agent or deliverable kind. */
export const RoutingRequestSchema = z.strictObject({
  text: z.string().max(4000).default(''),
  skill: SkillNameSchema.optional(),
  agent: z.optional(AgentNameSchema),
  deliverable: z.optional(DeliverableKindSchema),
});
/** What `Team.route` accepts. */
export type RoutingRequest = z.input<typeof RoutingRequestSchema>;

/** How a decision was reached. */
export const RoutingViaSchema = z.enum(['explicit', 'rule', 'playbook', 'model']);
/** How a routing decision was reached. */
export type RoutingVia = z.infer<typeof RoutingViaSchema>;

/** A routing decision, shaped to be stored as a `routing.decided` event. */
export interface RoutingDecision {
  agent: string;
  skill: string;
  via: RoutingVia;
  /** Human-readable reason, at most 1000 characters. */
  reason: string;
}

/** Options of the model router, the last resort when no explicit name or rule matches. */
export const ModelRouterOptionsSchema = z.strictObject({
  /** Extra guidance for the router (house rules for ambiguous requests). */
  instructions: z.string().trim().max(4000).optional(),
  maxTokens: z.number().int().min(64).max(4096).default(400),
});
/** Validated model router options. */
export type ModelRouterOptions = Readonly<z.output<typeof ModelRouterOptionsSchema>>;
/** What the `modelRouter` team option accepts. */
export type ModelRouterOptionsInput = z.input<typeof ModelRouterOptionsSchema>;
