import type { Brand } from '../team/brand.js';
import { defineTeam, type Team, type TeamInput } from '../team/team.js';
import { TeamDefinitionError } from '../team/team-definition-error.js';
import { TEAM_SETTINGS_FILE, locateIssue, readTeamFolder, writeTeamSettings } from './_team-folder.js';
import { agentToFile } from './agent-file.js';
import { brandToFiles } from './brand-files.js';
import { FormatError } from './format-error.js';
import { skillToFiles } from './skill-file.js';
import type { TeamFile } from './team-file.js';

export { TEAM_SETTINGS_FILE };

/** Options of `parseClaudeTeam`. */
export interface ParseClaudeTeamOptions {
  /** The brand to use when the files have no `brand/brand.md`. */
  brand?: Brand;
}

/**
 * Builds a team from the files of a Claude Code project folder:
 * `.claude/skills/<name>/SKILL.md` (+ `references/`), `.claude/agents/<name>.md`, the brand
 * folder `brand/` and the optional `marketing-team.yaml` (keys `agents` (order), `rules`,
 * `playbook`, `modelRouter`; `skills` and `functions` are workspace data a team ignores). Other
 * files are ignored. Every problem is a `FormatError` with the file's path and line; problems
 * across files (overlapping roles) list every conflict.
 */
export function parseClaudeTeam(input: readonly TeamFile[], options: ParseClaudeTeamOptions = {}): Team {
  const folder = readTeamFolder(input, { requireOwners: true });
  const brand = folder.brand ?? options.brand;
  if (!brand) throw new FormatError('brand/brand.md', 1, 'missing brand/brand.md (or pass a brand to the loader)');
  const { settings } = folder;
  try {
    return defineTeam({
      brand,
      agents: folder.agents.map(({ agent }) => agent),
      ...(settings.rules !== undefined ? { rules: settings.rules as TeamInput['rules'] } : {}),
      ...(settings.playbook !== undefined ? { playbook: settings.playbook as TeamInput['playbook'] } : {}),
      ...(settings.modelRouter !== undefined ? { modelRouter: settings.modelRouter as TeamInput['modelRouter'] } : {}),
    });
  } catch (error) {
    if (!(error instanceof TeamDefinitionError)) throw error;
    const reason = error.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
    const at = locateIssue(folder, error.issues[0]!.path);
    throw new FormatError(at.path, at.line, reason);
  }
}

/**
 * Writes a team as the files `parseClaudeTeam` reads, sorted by path. Loading them back gives an
 * identical team (skills' zod `inputSchema`, which has no file form, excepted).
 */
export function exportClaudeTeam(team: Team): TeamFile[] {
  const files: TeamFile[] = [...brandToFiles(team.brand)];
  for (const agent of team.agents) {
    files.push(agentToFile(agent));
    for (const skill of agent.skills) files.push(...skillToFiles(skill));
  }
  const settings: Record<string, unknown> = {
    agents: team.agents.map((agent) => agent.name),
    rules: team.rules.map((rule) => JSON.parse(JSON.stringify(rule)) as unknown),
    playbook: JSON.parse(JSON.stringify(team.playbook)) as unknown,
  };
  if (team.modelRouter) settings.modelRouter = { ...team.modelRouter };
  files.push(writeTeamSettings(settings));
  return files.sort((a, b) => a.path.localeCompare(b.path));
}
