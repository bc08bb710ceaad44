import { DeliverableSchema, parseDeliverable, type Deliverable, type PlannedTask, type RunError, type Team } from '@marketing-team/core';
import { composeId } from './_ids.js';

/** The id of the deliverable a task writes: the same for every version of it. */
export function deliverableIdOf(task: PlannedTask): string {
  return composeId(task.id, 'deliverable');
}

/**
 * Turns a task's generated text into its deliverable, of the kind its skill outputs, or the
 * typed error (`invalid_output`) the task fails with.
 */
export function taskDeliverable(team: Team, runId: string, task: PlannedTask, text: string, offline: boolean, title?: string): Deliverable | { error: RunError } {
  const skill = team.skill(task.skill);
  if (!skill) return { error: { code: 'internal', message: `the team has no skill "${task.skill}"`, retryable: false } };
  try {
    const deliverable = parseDeliverable({
      kind: skill.output,
      text,
      id: deliverableIdOf(task),
      runId,
      taskId: task.id,
      agent: task.agent,
      skill: skill.name,
      offline,
      ...(title ? { title } : {}),
      brand: { bannedTerms: team.brand.bannedTerms, requiredDisclaimers: team.brand.requiredDisclaimers },
    });
    // The store validates too; checking here turns a bad deliverable into a typed task failure.
    const checked = DeliverableSchema.safeParse(deliverable);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      return { error: { code: 'invalid_output', message: `deliverable.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`.slice(0, 2000), retryable: false } };
    }
    return checked.data;
  } catch (error) {
    return { error: { code: 'invalid_output', message: String(error instanceof Error ? error.message : error).slice(0, 2000), retryable: false } };
  }
}
