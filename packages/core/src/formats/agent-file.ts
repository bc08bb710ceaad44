import { defineAgent, type Agent } from '../team/agent.js';
import type { Skill } from '../team/skill.js';
import { TeamDefinitionError } from '../team/team-definition-error.js';
import { FieldReader } from './_fields.js';
import { parseFrontmatter, writeFrontmatter } from './_frontmatter.js';
import { FormatError } from './format-error.js';
import type { TeamFile } from './team-file.js';

/** Frontmatter fields an agent file may carry. */
export const AGENT_FRONTMATTER_FIELDS = ['name', 'description', 'tools', 'model', 'skills'] as const;

const NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

function titleFromName(name: string): string {
  return name
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}

/**
 * Parses a `.claude/agents/<name>.md` file. The body is the system prompt; its first `# `
 * heading, when the body starts with one, is the agent's title (else the title is derived from
 * the name). `skills` names the skills the agent owns and must resolve in `skills`.
 * Fails with `FormatError` (file and line) on any field Claude Code would drop or misread.
 */
export function parseAgentFile(file: TeamFile, skills: ReadonlyMap<string, Skill>): Agent {
  const fm = parseFrontmatter(file.path, file.content);
  const read: FieldReader = new FieldReader(file.path, fm);
  read.onlyKeys(AGENT_FRONTMATTER_FIELDS);
  const name = read.string('name', { required: true, max: 64 })!;
  if (!NAME.test(name)) read.fail(['name'], `name "${name}" must use lowercase letters, digits and single hyphens`);
  const description = read.string('description', { required: true, max: 1024 })!;
  const tools = read.list('tools', /\s*,\s*/);
  const model = read.string('model', { max: 200 });
  const skillNames = read.list('skills', /\s*,\s*/);
  if (!skillNames || skillNames.length === 0) read.fail(['skills'], 'list the skills this agent owns in "skills"');
  const owned = skillNames.map((skillName, i) => {
    const skill = skills.get(skillName);
    if (!skill) read.fail(Array.isArray(fm.data.skills) ? ['skills', i] : ['skills'], `unknown skill "${skillName}" (no .claude/skills/${skillName}/SKILL.md)`);
    return skill;
  });
  const heading = /^#[ \t]+(.+)\r?\n?/.exec(fm.body);
  const title = heading ? heading[1]!.trim() : titleFromName(name);
  const systemPrompt = (heading ? fm.body.slice(heading[0].length) : fm.body).trim();
  if (!systemPrompt) throw new FormatError(file.path, 1, 'the agent body (its system prompt) is empty');
  try {
    return defineAgent({
      name,
      title,
      description,
      systemPrompt,
      skills: owned,
      ...(model ? { model } : {}),
      ...(tools ? { tools } : {}),
    });
  } catch (error) {
    if (error instanceof TeamDefinitionError) {
      const issue = error.issues[0]!;
      const key = issue.path.split(/[.[]/)[0] ?? '';
      throw new FormatError(file.path, fm.lineOf([key]), `${issue.path}: ${issue.message}`);
    }
    throw error;
  }
}

/** What an agent file is written from: an agent, or a workspace agent whose skills are only named. */
export type AgentFileSource = Omit<Agent, 'skills'> & { readonly skills: readonly { readonly name: string }[] };

/** Writes an agent as `.claude/agents/<name>.md`. */
export function agentToFile(agent: AgentFileSource, root = '.claude/agents'): TeamFile {
  return {
    path: `${root}/${agent.name}.md`,
    content: writeFrontmatter(
      {
        name: agent.name,
        description: agent.description,
        tools: agent.tools ? agent.tools.join(', ') : undefined,
        model: agent.model,
        skills: agent.skills.map((skill) => skill.name),
      },
      `# ${agent.title}\n\n${agent.systemPrompt}`,
    ),
  };
}
