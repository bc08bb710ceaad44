import type { PlannedTask } from '../protocol/events.js';
import type { RoutingDecision } from './routing-rule.js';
import type { Team } from './team.js';

/**
 * The routing decision behind a planned task (`via: 'playbook'`), ready to be stored as a
 * `routing.decided` event with the task's id.
 */
export function decisionForTask(team: Team, task: PlannedTask): RoutingDecision {
  const agent = team.agent(task.agent);
  const skill = team.skill(task.skill);
  const step = team.playbook.steps.find((candidate) => task.id.endsWith(`:${candidate.id}`));
  const after = task.dependsOn.length > 0 ? `; starts after ${task.dependsOn.length} prerequisite task${task.dependsOn.length === 1 ? '' : 's'}` : '';
  const review = task.review ? '; waits for a human review' : '';
  const reason = `Playbook "${team.playbook.name}" step "${step?.title ?? task.title}": ${agent?.title ?? task.agent} owns "${task.skill}"${skill ? `, which outputs ${skill.output}` : ''}${after}${review}.`;
  return { agent: task.agent, skill: task.skill, via: 'playbook', reason: reason.slice(0, 1000) };
}
