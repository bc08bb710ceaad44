import type { DeliverableKind } from '../protocol/deliverables.js';
import type { TeamDefinitionIssue } from './team-definition-error.js';

/** Where a skill sits: agent index and skill index within that agent's list. */
export interface SkillSlot {
  agent: number;
  skill: number;
}

/** What the ownership check needs of an agent; an unresolved skill (`undefined`) keeps its index. */
export interface OwnershipAgent {
  name: string;
  skills: readonly ({ name: string; output: DeliverableKind } | undefined)[];
}

/**
 * The rule that roles do not overlap: every skill and every deliverable kind has exactly one
 * owner. Reports every later owner at its own place (`agents[2].skills[1]`), naming the first
 * owner and its place, so an editor can show the conflict where it happens. Shared by
 * `defineTeam` and the workspace checks, which run it even when other problems stop a team
 * from being built.
 */
export function ownershipIssues(agents: readonly OwnershipAgent[]): {
  issues: TeamDefinitionIssue[];
  skillOwners: Map<string, SkillSlot>;
  kindOwners: Map<DeliverableKind, SkillSlot>;
} {
  const issues: TeamDefinitionIssue[] = [];
  const skillOwners = new Map<string, SkillSlot>();
  const kindOwners = new Map<DeliverableKind, SkillSlot>();
  agents.forEach((agent, a) => {
    agent.skills.forEach((skill, s) => {
      if (!skill) return;
      const path = `agents[${a}].skills[${s}]`;
      const owner = skillOwners.get(skill.name);
      if (owner && owner.agent !== a) {
        issues.push({
          path,
          message: `skill "${skill.name}" is also owned by agent ${agents[owner.agent]!.name} (agents[${owner.agent}].skills[${owner.skill}]); a skill belongs to exactly one agent`,
        });
      } else if (owner) {
        issues.push({ path, message: `skill "${skill.name}" is listed twice for ${agent.name}` });
      } else skillOwners.set(skill.name, { agent: a, skill: s });
      const kindOwner = kindOwners.get(skill.output);
      if (kindOwner && kindOwner.agent !== a) {
        issues.push({
          path: `${path}.output`,
          message: `deliverable kind "${skill.output}" is also produced by agent ${agents[kindOwner.agent]!.name} (agents[${kindOwner.agent}].skills[${kindOwner.skill}]); a deliverable kind belongs to exactly one agent`,
        });
      } else if (!kindOwner) kindOwners.set(skill.output, { agent: a, skill: s });
    });
  });
  return { issues, skillOwners, kindOwners };
}
