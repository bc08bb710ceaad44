import { z } from 'zod';
import { AgentNameSchema } from '../protocol/limits.js';
import { deepFreeze, parseDefinition } from './_definition.js';
import type { Skill } from './skill.js';
import { SkillSchema } from './skill.js';

const DefinedSkillSchema = SkillSchema.extend({
  references: z.array(z.strictObject({ name: z.string(), content: z.string(), hash: z.string() })),
});

/** Schema of `defineAgent` input. */
export const AgentSchema = z.strictObject({
  /** Stable id used in events (`content-creator`). */
  name: AgentNameSchema,
  /** Human title shown in the UI (`Content Creator`). */
  title: z.string().trim().min(1, 'must not be empty').max(100),
  /** The role, and when to hand it work; a model router reads this. */
  description: z.string().trim().min(1, 'must not be empty').max(1024),
  /** The agent's own system prompt, placed after the brand context. */
  systemPrompt: z.string().trim().min(1, 'must not be empty').max(100_000),
  /** Skills this agent owns (values from `defineSkill`). A skill belongs to exactly one agent. */
  skills: z.array(DefinedSkillSchema).min(1, 'give the agent at least one skill').max(32),
  /** Model to use for this agent instead of the provider's default. */
  model: z.string().trim().min(1).max(200).optional(),
  /** Claude Code tool allowlist, kept for round trips. */
  tools: z.array(z.string().trim().min(1).max(200)).max(100).optional(),
});
/** What `defineAgent` accepts. */
export type AgentInput = Omit<z.input<typeof AgentSchema>, 'skills'> & { skills: readonly Skill[] };
/** A validated, frozen agent. */
export type Agent = Readonly<Omit<z.output<typeof AgentSchema>, 'skills'> & { skills: readonly Skill[] }>;

/** Validates an agent role. Throws `TeamDefinitionError` naming each bad field (`skills[1].output`). */
export function defineAgent(input: AgentInput): Agent {
  const parsed = parseDefinition(AgentSchema, input);
  // keep the caller's skill objects (with their zod input schemas) rather than parsed copies
  return deepFreeze({ ...parsed, skills: [...input.skills] }) as Agent;
}
