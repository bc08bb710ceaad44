import type { Skill } from '../team/skill.js';
import { TeamDefinitionError } from '../team/team-definition-error.js';
import { parseWorkspaceDocument, workspaceIssues, type WorkspaceDocument, type WorkspaceDocumentInput } from '../team/workspace.js';
import { locateIssue, readTeamFolder, writeTeamSettings } from './_team-folder.js';
import { agentToFile } from './agent-file.js';
import { brandToFiles } from './brand-files.js';
import { FormatError } from './format-error.js';
import { skillToFiles } from './skill-file.js';
import type { TeamFile } from './team-file.js';

const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * Writes a workspace document as a Claude Code team folder, sorted by path: `brand/` (when the
 * workspace has a brand of its own), `.claude/agents/<name>.md`, `.claude/skills/<name>/SKILL.md`
 * with `references/`, and `marketing-team.yaml` holding what has no Claude Code file (agent and
 * skill order, the function map, rules, playbook, model router). Skills no agent owns yet (drafts)
 * are written too. `parseClaudeWorkspace` reads the files back into an identical document.
 * Throws `TeamDefinitionError` for an invalid document.
 */
export function workspaceToClaudeFiles(input: WorkspaceDocument | WorkspaceDocumentInput): TeamFile[] {
  const doc = parseWorkspaceDocument(input);
  const files: TeamFile[] = doc.brand ? brandToFiles(doc.brand) : [];
  for (const agent of doc.agents) files.push(agentToFile({ ...agent, skills: agent.skills.map((name) => ({ name })) }));
  // parseWorkspaceDocument gave every reference its hash, which is what a Skill carries
  for (const skill of doc.skills) files.push(...skillToFiles(skill as Skill));
  const settings: Record<string, unknown> = {};
  if (doc.agents.length > 0) settings.agents = doc.agents.map((agent) => agent.name);
  if (doc.skills.length > 0) settings.skills = doc.skills.map((skill) => skill.name);
  if (doc.functions.length > 0) settings.functions = plain(doc.functions);
  if (doc.rules.length > 0) settings.rules = plain(doc.rules);
  if (doc.playbook) settings.playbook = plain(doc.playbook);
  if (doc.modelRouter) settings.modelRouter = plain(doc.modelRouter);
  if (Object.keys(settings).length > 0) files.push(writeTeamSettings(settings));
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Reads a Claude Code team folder into a workspace document, with the same file parsers as
 * `parseClaudeTeam` and the same document checks as `parseWorkspaceDocument`. Unlike a team, a
 * workspace may lack a brand (the sample brand is used) or agents (the default agents run), and
 * may hold skills no agent owns yet. Every problem is a `FormatError` naming the file and line;
 * when the document checks find several, the reason lists them all.
 */
export function parseClaudeWorkspace(files: readonly TeamFile[]): WorkspaceDocument {
  const folder = readTeamFolder(files, { requireOwners: false });
  const { settings } = folder;
  const document = {
    ...(folder.brand ? { brand: plain(folder.brand) } : {}),
    ...(settings.functions !== undefined ? { functions: settings.functions } : {}),
    skills: folder.skills.map(({ skill }) => plain({ ...skill, inputSchema: undefined })),
    agents: folder.agents.map(({ agent }) => plain({ ...agent, skills: agent.skills.map((skill) => skill.name) })),
    ...(settings.rules !== undefined ? { rules: settings.rules } : {}),
    ...(settings.playbook !== undefined ? { playbook: settings.playbook } : {}),
    ...(settings.modelRouter !== undefined ? { modelRouter: settings.modelRouter } : {}),
  };
  const issues = workspaceIssues(document);
  if (issues.length > 0) {
    const at = locateIssue(folder, issues[0]!.path);
    throw new FormatError(at.path, at.line, issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '));
  }
  try {
    return parseWorkspaceDocument(document);
  } catch (error) {
    // workspaceIssues and parseWorkspaceDocument run the same checks; this is only a safety net
    if (error instanceof TeamDefinitionError) throw new FormatError('marketing-team.yaml', 1, error.message);
    throw error;
  }
}
