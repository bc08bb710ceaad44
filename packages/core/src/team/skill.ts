import { z } from 'zod';
import { DeliverableKindSchema } from '../protocol/deliverables.js';
import { deepFreeze, parseDefinition } from './_definition.js';
import { sha256Hex } from './_hash.js';
import { TeamDefinitionError } from './team-definition-error.js';

/** Skill and agent names: 1-64 lowercase letters, digits and single hyphens (the Agent Skills rule). */
export const SkillNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'use lowercase letters, digits and single hyphens');

/** File name of a reference template inside a skill's `references/` folder. */
export const ReferenceNameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" or "-" (a plain file name)')
  .refine((name) => !name.includes('..'), 'must not contain ".."');

/**
 * A branded template a skill was built from (Reference-Based Method).
 * `hash` is the SHA-256 of the template as it was analysed; when `content` no longer matches it,
 * the template changed after the analysis and the skill is stale.
 */
export const SkillReferenceSchema = z.strictObject({
  name: ReferenceNameSchema,
  content: z.string().max(200_000),
  hash: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'use a lowercase hex SHA-256')
    .optional(),
});
/** What a skill reference definition accepts (the hash is computed when absent). */
export type SkillReferenceInput = z.input<typeof SkillReferenceSchema>;
/** A reference template with its (always present) hash. */
export type SkillReference = Readonly<{ name: string; content: string; hash: string }>;

const ZodSchemaValue = z.custom<z.ZodType>((value) => value instanceof z.ZodType, 'must be a zod schema');

/** Schema of `defineSkill` input. */
export const SkillSchema = z.strictObject({
  name: SkillNameSchema,
  /** What the skill does and when to use it (also what a model router reads). */
  description: z.string().trim().min(1, 'must not be empty').max(1024),
  /** How to do the task well: the body of the skill's prompt. */
  instructions: z.string().trim().min(1, 'must not be empty').max(100_000),
  /** Optional schema of extra inputs a caller may pass to the skill. */
  inputSchema: ZodSchemaValue.optional(),
  /** The deliverable kind this skill produces. */
  output: DeliverableKindSchema,
  references: z.array(SkillReferenceSchema).max(20).default([]),
  /** The analysis report of the references, placed in the skill's instructions. */
  referenceReport: z.string().trim().max(50_000).optional(),
  /** Agent Skills passthrough fields, kept for round trips. */
  license: z.string().trim().min(1).max(500).optional(),
  compatibility: z.string().trim().min(1).max(500).optional(),
  allowedTools: z.array(z.string().trim().min(1).max(200)).max(100).optional(),
  metadata: z.record(z.string().min(1).max(100), z.string().max(2000)).optional(),
});
/** What `defineSkill` accepts. */
export type SkillInput = z.input<typeof SkillSchema>;
/** A validated, frozen skill. */
export type Skill = Readonly<Omit<z.output<typeof SkillSchema>, 'references'> & { references: readonly SkillReference[] }>;

/**
 * Validates a skill: a repeatable marketing task with instructions and one output kind.
 * Reference hashes are computed when not given. Throws `TeamDefinitionError` naming each bad field.
 */
export function defineSkill(input: SkillInput): Skill {
  const parsed = parseDefinition(SkillSchema, input);
  const seen = new Set<string>();
  const duplicates = parsed.references.flatMap((reference, index) => {
    if (seen.has(reference.name)) return [{ path: `references[${index}].name`, message: `duplicate reference "${reference.name}"` }];
    seen.add(reference.name);
    return [];
  });
  if (duplicates.length > 0) throw new TeamDefinitionError(duplicates);
  const references = parsed.references.map((reference) => ({
    name: reference.name,
    content: reference.content,
    hash: reference.hash ?? sha256Hex(reference.content),
  }));
  return deepFreeze({ ...parsed, references });
}
