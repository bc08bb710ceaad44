import { z } from 'zod';
import { canonicalJson } from './_canonical-json.js';
import { zodIssues } from './_definition.js';
import { sha256Hex } from './_hash.js';
import { ownershipIssues } from './_ownership.js';
import { AgentSchema, defineAgent, type Agent } from './agent.js';
import { BrandSchema, type Brand } from './brand.js';
import { DEFAULT_AGENTS, DEFAULT_RULES } from './default-team.js';
import { PlaybookSchema } from './playbook.js';
import { ModelRouterOptionsSchema, RoutingRuleSchema } from './routing-rule.js';
import { sampleBrand } from './sample-brand.js';
import { SkillNameSchema, SkillSchema, defineSkill, type Skill } from './skill.js';
import { defineTeam, type Team, type TeamInput } from './team.js';
import { TeamDefinitionError, type TeamDefinitionIssue } from './team-definition-error.js';

const SlugSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'use lowercase letters, digits and single hyphens');

/**
 * One marketing function of the customer's team (content, paid ads, lifecycle email...): the
 * map a marketer draws before writing skills, and the skills that serve it. Planning data: it
 * does not change how a run is routed.
 */
export const MarketingFunctionSchema = z.strictObject({
  name: SlugSchema,
  title: z.string().trim().min(1, 'must not be empty').max(100),
  description: z.string().trim().max(2000).default(''),
  /** Repeatable tasks of this function, by skill name. */
  skills: z.array(SkillNameSchema).max(64).default([]),
});
/** A validated marketing function. */
export type MarketingFunction = z.output<typeof MarketingFunctionSchema>;

/**
 * A skill as a workspace stores it: the skill definition without its zod `inputSchema` (which has
 * no JSON form), with its reference templates, their analysis report and each template's hash.
 */
export const WorkspaceSkillSchema = SkillSchema.omit({ inputSchema: true });
/** A validated workspace skill. */
export type WorkspaceSkill = z.output<typeof WorkspaceSkillSchema>;

/** An agent as a workspace stores it: the agent definition with its skills named, not embedded. */
export const WorkspaceAgentSchema = AgentSchema.omit({ skills: true }).extend({
  /** Names of skills of the workspace this agent owns. A skill belongs to exactly one agent. */
  skills: z.array(SkillNameSchema).min(1, 'give the agent at least one skill').max(32),
});
/** A validated workspace agent. */
export type WorkspaceAgent = z.output<typeof WorkspaceAgentSchema>;

/**
 * A workspace document: one customer's brand kit, function map, skills, agents, routing rules and
 * playbook. Every part may be built up step by step: without a brand the sample brand is used;
 * without agents the default five agents run with the workspace's brand (and its rules and
 * playbook, if any); skills no agent owns yet are drafts and do not run.
 */
export const WorkspaceDocumentSchema = z.strictObject({
  brand: BrandSchema.optional(),
  functions: z.array(MarketingFunctionSchema).max(50).default([]),
  skills: z.array(WorkspaceSkillSchema).max(256).default([]),
  agents: z.array(WorkspaceAgentSchema).max(32).default([]),
  rules: z.array(RoutingRuleSchema).max(200).default([]),
  playbook: PlaybookSchema.optional(),
  modelRouter: ModelRouterOptionsSchema.optional(),
});
/** A validated workspace document (defaults applied, every reference hash present). */
export type WorkspaceDocument = z.output<typeof WorkspaceDocumentSchema>;
/** What `parseWorkspaceDocument` accepts. */
export type WorkspaceDocumentInput = z.input<typeof WorkspaceDocumentSchema>;

/** The parts of a workspace that can be replaced one at a time, with the schema of each. */
export const WorkspaceSectionSchemas = {
  brand: BrandSchema,
  functions: WorkspaceDocumentSchema.shape.functions,
  skills: WorkspaceDocumentSchema.shape.skills,
  agents: WorkspaceDocumentSchema.shape.agents,
  rules: WorkspaceDocumentSchema.shape.rules,
  playbook: PlaybookSchema,
} as const;
/** Name of a replaceable part of a workspace document. */
export type WorkspaceSection = keyof typeof WorkspaceSectionSchemas;
/** Every replaceable part, in document order. */
export const WORKSPACE_SECTIONS = Object.keys(WorkspaceSectionSchemas) as WorkspaceSection[];

function duplicates(names: readonly string[], path: (index: number) => string, what: string): TeamDefinitionIssue[] {
  const seen = new Map<string, number>();
  return names.flatMap((name, index) => {
    const first = seen.get(name);
    if (first === undefined) {
      seen.set(name, index);
      return [];
    }
    return [{ path: path(index), message: `duplicate ${what} "${name}" (also ${path(first).replace(/\.name$/, '')})` }];
  });
}

function prefixed(error: unknown, prefix: string): TeamDefinitionIssue[] {
  if (!(error instanceof TeamDefinitionError)) throw error;
  return error.issues.map((issue) => ({ path: issue.path ? `${prefix}.${issue.path}` : prefix, message: issue.message }));
}

/** Builds the team input of a structurally valid document; issues use the document's paths. */
function teamInputOf(doc: WorkspaceDocument, issues: TeamDefinitionIssue[]): TeamInput | undefined {
  const skills = new Map<string, Skill>();
  doc.skills.forEach((skill, index) => {
    try {
      skills.set(skill.name, defineSkill(skill));
    } catch (error) {
      issues.push(...prefixed(error, `skills[${index}]`));
    }
  });
  let agents: readonly Agent[] = DEFAULT_AGENTS;
  if (doc.agents.length > 0) {
    const built: Agent[] = [];
    doc.agents.forEach((agent, a) => {
      const owned: Skill[] = [];
      agent.skills.forEach((name, s) => {
        const skill = skills.get(name);
        if (skill) owned.push(skill);
        else if (doc.skills.some((candidate) => candidate.name === name)) return; // already reported above
        else issues.push({ path: `agents[${a}].skills[${s}]`, message: `unknown skill "${name}" (not in skills)` });
      });
      if (owned.length !== agent.skills.length) return;
      try {
        built.push(defineAgent({ ...agent, skills: owned }));
      } catch (error) {
        issues.push(...prefixed(error, `agents[${a}]`));
      }
    });
    agents = built;
  }
  if (issues.length > 0) return undefined;
  return {
    brand: doc.brand ?? sampleBrand,
    agents,
    rules: doc.agents.length === 0 && doc.rules.length === 0 ? DEFAULT_RULES : doc.rules,
    ...(doc.playbook ? { playbook: doc.playbook } : {}),
    ...(doc.modelRouter ? { modelRouter: doc.modelRouter } : {}),
  };
}

/**
 * Every problem of a workspace document, each with the path of the offending field (`skills[2].name`,
 * `agents[0].skills[1]`, `rules[3].agent`): field errors, duplicate names, unknown skills, and the
 * team checks of `defineTeam` (overlapping roles, rules and playbook steps naming what no agent owns).
 */
export function workspaceIssues(input: unknown): TeamDefinitionIssue[] {
  const parsed = WorkspaceDocumentSchema.safeParse(input);
  if (!parsed.success) return zodIssues(parsed.error);
  return checkDocument(parsed.data).issues;
}

function checkDocument(doc: WorkspaceDocument): { issues: TeamDefinitionIssue[]; team?: Team } {
  const issues: TeamDefinitionIssue[] = [
    ...duplicates(doc.skills.map((skill) => skill.name), (i) => `skills[${i}].name`, 'skill'),
    ...duplicates(doc.agents.map((agent) => agent.name), (i) => `agents[${i}].name`, 'agent'),
    ...duplicates(doc.functions.map((fn) => fn.name), (i) => `functions[${i}].name`, 'function'),
  ];
  const skillNames = new Set(doc.skills.map((skill) => skill.name));
  doc.functions.forEach((fn, f) =>
    fn.skills.forEach((name, s) => {
      if (!skillNames.has(name)) issues.push({ path: `functions[${f}].skills[${s}]`, message: `unknown skill "${name}" (not in skills)` });
    }),
  );
  const input = teamInputOf(doc, issues);
  if (input && issues.length === 0) {
    try {
      return { issues, team: defineTeam(input) };
    } catch (error) {
      if (!(error instanceof TeamDefinitionError)) throw error;
      // defineTeam names agents, rules and playbook steps by the same indexes the document uses
      return { issues: error.issues };
    }
  }
  // The team cannot be built, but overlapping roles are still shown where they happen, so an
  // editor sees every conflict at once rather than one per save.
  const byName = new Map<string, WorkspaceSkill>();
  for (const skill of doc.skills) if (!byName.has(skill.name)) byName.set(skill.name, skill);
  const ownership = ownershipIssues(doc.agents.map((agent) => ({ name: agent.name, skills: agent.skills.map((name) => byName.get(name)) })));
  return { issues: [...issues, ...ownership.issues] };
}

/**
 * Validates a workspace document and normalises it: defaults applied, and every reference
 * template given its SHA-256 when it came without one (the hash it was analysed at).
 * Throws `TeamDefinitionError` listing every problem, each naming its field.
 */
export function parseWorkspaceDocument(input: unknown): WorkspaceDocument {
  const parsed = WorkspaceDocumentSchema.safeParse(input);
  if (!parsed.success) throw new TeamDefinitionError(zodIssues(parsed.error));
  const { issues } = checkDocument(parsed.data);
  if (issues.length > 0) throw new TeamDefinitionError(issues);
  return {
    ...parsed.data,
    skills: parsed.data.skills.map((skill) => ({
      ...skill,
      references: skill.references.map((reference) => ({ ...reference, hash: reference.hash ?? sha256Hex(reference.content) })),
    })),
  };
}

/**
 * The team a workspace runs: its agents and skills with its brand, or (while it has no agents)
 * the default agents with its brand. Throws `TeamDefinitionError` for an invalid document.
 */
export function teamFromWorkspace(input: WorkspaceDocument | WorkspaceDocumentInput): Team {
  const doc = parseWorkspaceDocument(input);
  const { issues, team } = checkDocument(doc);
  if (!team) throw new TeamDefinitionError(issues);
  return team;
}

/**
 * A workspace document holding a team's brand, skills, agents, rules and playbook: the starting
 * point a marketer edits (for example from the default team). Skills' zod `inputSchema`s are dropped.
 */
export function workspaceFromTeam(team: Team, options: { functions?: MarketingFunction[] } = {}): WorkspaceDocument {
  const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
  const brand: Brand = team.brand;
  return parseWorkspaceDocument(
    plain({
      brand,
      functions: options.functions ?? [],
      skills: team.agents.flatMap((agent) => agent.skills.map((skill) => ({ ...skill, inputSchema: undefined }))),
      agents: team.agents.map((agent) => ({ ...agent, skills: agent.skills.map((skill) => skill.name) })),
      rules: team.rules,
      playbook: team.playbook,
      ...(team.modelRouter ? { modelRouter: team.modelRouter } : {}),
    }),
  );
}

/**
 * SHA-256 (hex) of a workspace document's canonical JSON (keys sorted, defaults applied): equal
 * documents hash equal whatever order their keys came in. Each stored version carries it.
 */
export function workspaceDocumentHash(input: WorkspaceDocument | WorkspaceDocumentInput): string {
  return sha256Hex(canonicalJson(parseWorkspaceDocument(input)));
}
