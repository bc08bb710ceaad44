/** One problem in a team definition, with the path of the offending field (`agents[2].skills[0]`). */
export interface TeamDefinitionIssue {
  path: string;
  message: string;
}

/** A brand, skill, agent, team or playbook definition was invalid; `issues` lists every problem found. */
export class TeamDefinitionError extends Error {
  override readonly name = 'TeamDefinitionError';
  constructor(readonly issues: TeamDefinitionIssue[]) {
    super(
      issues.length === 0
        ? 'invalid team definition'
        : issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`).join('\n'),
    );
  }
}
