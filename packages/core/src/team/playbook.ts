import { z } from 'zod';
import { DeliverableKindSchema, type DeliverableKind } from '../protocol/deliverables.js';
import { SkillNameSchema } from './skill.js';
import type { TeamDefinitionIssue } from './team-definition-error.js';

const StepIdSchema = z
  .string()
  .min(1)
  .max(48)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'use lowercase letters, digits and single hyphens');

/** One step of a playbook: produce a deliverable kind after the steps it depends on. */
export const PlaybookStepSchema = z.strictObject({
  id: StepIdSchema,
  title: z.string().trim().min(1).max(200),
  deliverable: DeliverableKindSchema,
  /** Skill to run; defaults to the team's first skill that outputs `deliverable`. */
  skill: SkillNameSchema.optional(),
  dependsOn: z.array(StepIdSchema).max(32).default([]),
});
/** A validated playbook step. */
export type PlaybookStep = Readonly<z.output<typeof PlaybookStepSchema>>;

/** A playbook turns a campaign brief into a task DAG. */
export const PlaybookSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  steps: z.array(PlaybookStepSchema).min(1).max(64),
});
/** A validated playbook. */
export type Playbook = Readonly<{ name: string; steps: readonly PlaybookStep[] }>;
/** What a custom playbook definition accepts. */
export type PlaybookInput = z.input<typeof PlaybookSchema>;

/**
 * The campaign playbook: research brief and competitor snapshot, then the strategy, then social
 * posts, ad copy, landing page, creative concepts and the measurement plan in parallel.
 */
export const CAMPAIGN_PLAYBOOK: Playbook = {
  name: 'campaign',
  steps: [
    { id: 'research', title: 'Research brief', deliverable: 'research-brief', dependsOn: [] },
    { id: 'competitors', title: 'Competitor snapshot', deliverable: 'competitor-snapshot', dependsOn: [] },
    { id: 'strategy', title: 'Campaign strategy', deliverable: 'campaign-strategy', dependsOn: ['research', 'competitors'] },
    { id: 'social', title: 'Social posts', deliverable: 'social-posts', dependsOn: ['strategy'] },
    { id: 'ads', title: 'Ad copy', deliverable: 'ad-copy', dependsOn: ['strategy'] },
    { id: 'landing', title: 'Landing page', deliverable: 'landing-page', dependsOn: ['strategy'] },
    { id: 'creative', title: 'Creative concepts', deliverable: 'creative-concepts', dependsOn: ['strategy'] },
    { id: 'measurement', title: 'Measurement plan', deliverable: 'measurement-plan', dependsOn: ['strategy'] },
  ],
};

/** Lists structural problems of a playbook: duplicate ids, unknown dependencies, cycles. */
export function playbookIssues(playbook: Playbook, prefix = 'playbook'): TeamDefinitionIssue[] {
  const issues: TeamDefinitionIssue[] = [];
  const index = new Map<string, number>();
  playbook.steps.forEach((step, i) => {
    if (index.has(step.id)) issues.push({ path: `${prefix}.steps[${i}].id`, message: `duplicate step id "${step.id}"` });
    else index.set(step.id, i);
  });
  playbook.steps.forEach((step, i) => {
    step.dependsOn.forEach((dep, j) => {
      if (!index.has(dep)) issues.push({ path: `${prefix}.steps[${i}].dependsOn[${j}]`, message: `unknown step "${dep}"` });
      if (dep === step.id) issues.push({ path: `${prefix}.steps[${i}].dependsOn[${j}]`, message: 'a step cannot depend on itself' });
    });
  });
  // depth-first search with colours; report each cycle once, as the path that closes it
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): void => {
    state.set(id, 'visiting');
    stack.push(id);
    const step = playbook.steps[index.get(id)!]!;
    for (const dep of step.dependsOn) {
      if (!index.has(dep) || dep === id) continue;
      const seen = state.get(dep);
      if (seen === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(dep)), dep];
        issues.push({ path: `${prefix}.steps[${index.get(id)}].dependsOn`, message: `cycle: ${cycle.join(' -> ')}` });
      } else if (seen === undefined) visit(dep);
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const step of playbook.steps) if (!state.has(step.id)) visit(step.id);
  return issues;
}

/**
 * Steps needed for the wanted kinds (empty = every step) and their prerequisites, in a
 * deterministic topological order that follows the playbook's own order where it can.
 */
export function selectPlaybookSteps(playbook: Playbook, wanted: readonly DeliverableKind[]): PlaybookStep[] {
  const byId = new Map(playbook.steps.map((step) => [step.id, step]));
  const needed = new Set<string>();
  const add = (id: string): void => {
    if (needed.has(id)) return;
    needed.add(id);
    for (const dep of byId.get(id)?.dependsOn ?? []) add(dep);
  };
  for (const step of playbook.steps) if (wanted.length === 0 || wanted.includes(step.deliverable)) add(step.id);
  const ordered: PlaybookStep[] = [];
  const placed = new Set<string>();
  while (ordered.length < needed.size) {
    const next = playbook.steps.find(
      (step) => needed.has(step.id) && !placed.has(step.id) && step.dependsOn.every((dep) => placed.has(dep)),
    );
    if (!next) throw new Error('playbook has a cycle'); // unreachable: playbooks are validated in defineTeam
    ordered.push(next);
    placed.add(next.id);
  }
  return ordered;
}
