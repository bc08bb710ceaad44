import { variantGuidance, variantRequest, type PlannedTask } from '@marketing-team/core';
import { composeId } from './_ids.js';
import type { RunContext } from './run-launcher.js';

/** A variants run's plan: its tasks, and the guidance each one starts with. */
export interface VariantPlan {
  tasks: PlannedTask[];
  guidance: ReadonlyMap<string, string>;
}

/**
 * Plans a variants run from the campaign's plan: one task per variant, cloned from the task of the
 * varied skill (same agent and skill), with no dependencies (the version they vary already holds
 * what the earlier tasks found) and no review gate (the person chooses among them instead).
 */
export function planVariants(campaign: readonly PlannedTask[], variants: NonNullable<RunContext['variants']>): VariantPlan {
  const source = campaign.find((task) => task.skill === variants.skill);
  if (!source) throw new Error(`the team's plan has no task of the skill "${variants.skill}" to write variants of`);
  const tasks: PlannedTask[] = [];
  const guidance = new Map<string, string>();
  for (let at = 0; at < variants.count; at += 1) {
    const request = variantRequest(variants.firstIndex + at, variants.instruction);
    const id = composeId(source.id, 'variant', request.letter.toLowerCase());
    tasks.push({ ...source, id, title: `${source.title}: variant ${request.letter}`.slice(0, 300), dependsOn: [], review: false });
    guidance.set(id, variantGuidance(request, variants.previous));
  }
  return { tasks, guidance };
}
