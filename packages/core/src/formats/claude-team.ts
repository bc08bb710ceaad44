import { LineCounter, parseDocument, stringify } from 'yaml';
import type { Agent } from '../team/agent.js';
import type { Brand } from '../team/brand.js';
import type { Skill } from '../team/skill.js';
import { defineTeam, type Team, type TeamInput } from '../team/team.js';
import { TeamDefinitionError } from '../team/team-definition-error.js';
import { parseFrontmatter } from './_frontmatter.js';
import { parseAgentFile, agentToFile } from './agent-file.js';
import { brandToFiles, parseBrandFiles } from './brand-files.js';
import { FormatError } from './format-error.js';
import { parseSkillFile, skillToFiles } from './skill-file.js';
import type { TeamFile } from './team-file.js';

/** Path of the optional team settings file: agent order, routing rules, playbook, model router. */
export const TEAM_SETTINGS_FILE = 'marketing-team.yaml';
const SETTINGS_KEYS = ['agents', 'rules', 'playbook', 'modelRouter'] as const;

/** Options of `parseClaudeTeam`. */
export interface ParseClaudeTeamOptions {
  /** The brand to use when the files have no `brand/brand.md`. */
  brand?: Brand;
}

function normalise(path: string): string {
  return path.replace(/\\/g, '/').replace(/^\.\//, '');
}

/**
 * Builds a team from the files of a Claude Code project folder:
 * `.claude/skills/<name>/SKILL.md` (+ `references/`), `.claude/agents/<name>.md`, the brand
 * folder `brand/` and the optional `marketing-team.yaml` (keys `agents` (order), `rules`,
 * `playbook`, `modelRouter`). Other files are ignored. Every problem is a `FormatError` with the
 * file's path and line; problems across files (overlapping roles) list every conflict.
 */
export function parseClaudeTeam(input: readonly TeamFile[], options: ParseClaudeTeamOptions = {}): Team {
  const files = input.map((file) => ({ path: normalise(file.path), content: file.content }));
  const skillFiles = new Map<string, TeamFile>();
  const referenceFiles = new Map<string, TeamFile[]>();
  const agentFiles: TeamFile[] = [];
  for (const file of files) {
    const skillMatch = /^\.claude\/skills\/([^/]+)\/(.+)$/.exec(file.path);
    if (skillMatch) {
      const [, folder, rest] = skillMatch as unknown as [string, string, string];
      if (rest === 'SKILL.md') skillFiles.set(folder, file);
      else if (rest.toLowerCase() === 'skill.md') throw new FormatError(file.path, 1, 'the skill file must be named SKILL.md (upper case)');
      else if (rest.startsWith('references/')) referenceFiles.set(folder, [...(referenceFiles.get(folder) ?? []), file]);
      continue;
    }
    const agentMatch = /^\.claude\/agents\/(.+)$/.exec(file.path);
    if (agentMatch) {
      if (!agentMatch[1]!.endsWith('.md') || agentMatch[1]!.includes('/')) {
        throw new FormatError(file.path, 1, 'agent files must be Markdown files directly inside .claude/agents/');
      }
      agentFiles.push(file);
    }
  }
  for (const [folder, refs] of referenceFiles) {
    if (!skillFiles.has(folder)) throw new FormatError(refs[0]!.path, 1, `references without a .claude/skills/${folder}/SKILL.md`);
  }

  const skills = new Map<string, Skill>();
  const skillPaths = new Map<string, string>();
  for (const [folder, file] of [...skillFiles].sort(([a], [b]) => a.localeCompare(b))) {
    const refs = (referenceFiles.get(folder) ?? []).sort((a, b) => a.path.localeCompare(b.path));
    const skill = parseSkillFile(file, refs);
    skills.set(skill.name, skill);
    skillPaths.set(skill.name, file.path);
  }

  const agents: { agent: Agent; file: TeamFile }[] = [];
  for (const file of agentFiles.sort((a, b) => a.path.localeCompare(b.path))) {
    const agent = parseAgentFile(file, skills);
    const twin = agents.find((other) => other.agent.name === agent.name);
    if (twin) throw new FormatError(file.path, parseFrontmatter(file.path, file.content).lineOf(['name']), `agent "${agent.name}" is also defined in ${twin.file.path}`);
    agents.push({ agent, file });
  }
  for (const [name, path] of skillPaths) {
    if (!agents.some(({ agent }) => agent.skills.some((skill) => skill.name === name))) {
      const file = skillFiles.get(/\.claude\/skills\/([^/]+)\//.exec(path)![1]!)!;
      throw new FormatError(path, parseFrontmatter(path, file.content).lineOf(['name']), `skill "${name}" is not listed in any agent's "skills"; every skill needs an owner`);
    }
  }

  const brand = parseBrandFiles(files) ?? options.brand;
  if (!brand) throw new FormatError('brand/brand.md', 1, 'missing brand/brand.md (or pass a brand to the loader)');

  const settingsFile = files.find((file) => file.path === TEAM_SETTINGS_FILE);
  const counter = new LineCounter();
  const settingsDoc = settingsFile
    ? parseDocument(settingsFile.content, { lineCounter: counter, uniqueKeys: true, prettyErrors: true, strict: true })
    : undefined;
  const settingsLine = (path: readonly (string | number)[]): number => {
    for (let depth = path.length; depth > 0 && settingsDoc; depth--) {
      const node = settingsDoc.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return counter.linePos(node.range[0]).line;
    }
    return 1;
  };
  let settings: Record<string, unknown> = {};
  if (settingsFile && settingsDoc) {
    const problem = settingsDoc.errors[0] ?? settingsDoc.warnings[0];
    if (problem) throw new FormatError(settingsFile.path, problem.linePos?.[0]?.line ?? 1, `invalid YAML: ${problem.message.split('\n')[0]}`);
    const value = settingsDoc.toJS() ?? {};
    if (typeof value !== 'object' || Array.isArray(value)) throw new FormatError(settingsFile.path, 1, 'must be a mapping');
    settings = value as Record<string, unknown>;
    for (const key of Object.keys(settings)) {
      if (!(SETTINGS_KEYS as readonly string[]).includes(key)) {
        throw new FormatError(settingsFile.path, settingsLine([key]), `unknown field "${key}" (allowed: ${SETTINGS_KEYS.join(', ')})`);
      }
    }
  }
  // optional agent order from the settings; agents not listed follow in file order
  let ordered = agents;
  if (settings.agents !== undefined) {
    if (!Array.isArray(settings.agents) || settings.agents.some((name) => typeof name !== 'string')) {
      throw new FormatError(TEAM_SETTINGS_FILE, settingsLine(['agents']), '"agents" must be a list of agent names');
    }
    const order = settings.agents as string[];
    order.forEach((name, i) => {
      if (!agents.some(({ agent }) => agent.name === name)) {
        throw new FormatError(TEAM_SETTINGS_FILE, settingsLine(['agents', i]), `unknown agent "${name}" (no .claude/agents/${name}.md)`);
      }
    });
    const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
    ordered = [...agents].sort((a, b) => rank(a.agent.name) - rank(b.agent.name));
  }

  try {
    return defineTeam({
      brand,
      agents: ordered.map(({ agent }) => agent),
      ...(settings.rules !== undefined ? { rules: settings.rules as TeamInput['rules'] } : {}),
      ...(settings.playbook !== undefined ? { playbook: settings.playbook as TeamInput['playbook'] } : {}),
      ...(settings.modelRouter !== undefined ? { modelRouter: settings.modelRouter as TeamInput['modelRouter'] } : {}),
    });
  } catch (error) {
    if (!(error instanceof TeamDefinitionError)) throw error;
    const first = error.issues[0]!;
    const reason = error.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
    const parts = first.path.split(/\.|\[|\]\.?/).filter(Boolean).map((part) => (/^\d+$/.test(part) ? Number(part) : part));
    if (parts[0] === 'agents' && typeof parts[1] === 'number') {
      const file = ordered[parts[1]]!.file;
      const fm = parseFrontmatter(file.path, file.content);
      const keys = parts[2] === 'skills' ? ['skills', ...(Array.isArray(fm.data.skills) && typeof parts[3] === 'number' ? [parts[3]] : [])] : ['name'];
      throw new FormatError(file.path, fm.lineOf(keys), reason);
    }
    if (parts[0] === 'brand') throw new FormatError('brand/brand.md', 1, reason);
    throw new FormatError(TEAM_SETTINGS_FILE, settingsLine(parts), reason);
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
  files.push({ path: TEAM_SETTINGS_FILE, content: stringify(settings, { lineWidth: 0, minContentWidth: 0, blockQuote: false, version: '1.1' }) });
  return files.sort((a, b) => a.path.localeCompare(b.path));
}
