import type { CampaignBrief } from '../protocol/brief.js';
import type { PlannedTask } from '../protocol/events.js';
import { boundedId } from '../protocol/bounded-id.js';
import { selectPlaybookSteps } from './playbook.js';
import { RoutingError } from './routing-error.js';
import type { Team } from './team.js';

/** Task id of a playbook step in a run: `<runId>:<step>`, shortened with a hash when too long. */
export function taskIdFor(runId: string, stepId: string): string {
  return boundedId(`${runId}:${stepId}`);
}

/** Plans the tasks of a campaign brief with the team's playbook. */
export function planCampaign(team: Team, brief: CampaignBrief, runId: string): PlannedTask[] {
  const producible = new Set(team.playbook.steps.map((step) => step.deliverable));
  const missing = brief.deliverables.filter((kind) => !producible.has(kind));
  if (missing.length > 0) {
    throw new RoutingError('unplannable', `brief.deliverables: the team's playbook does not produce ${missing.join(', ')}`, 'brief.deliverables');
  }
  const steps = selectPlaybookSteps(team.playbook, brief.deliverables);
  return steps.map((step) => {
    const skill = step.skill ? team.skill(step.skill)! : team.skillFor(step.deliverable)!;
    return {
      id: taskIdFor(runId, step.id),
      title: step.title,
      skill: skill.name,
      agent: team.ownerOf(skill.name)!.name,
      dependsOn: step.dependsOn.map((dep) => taskIdFor(runId, dep)),
      review: brief.reviewGates.includes(step.deliverable),
    };
  });
}
