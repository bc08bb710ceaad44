import { LineCounter, parseDocument, stringify, type Document } from 'yaml';
import type { Agent } from '../team/agent.js';
import type { Brand } from '../team/brand.js';
import type { Skill } from '../team/skill.js';
import { parseFrontmatter } from './_frontmatter.js';
import { parseAgentFile } from './agent-file.js';
import { BRAND_FILES, parseBrandFiles } from './brand-files.js';
import { FormatError } from './format-error.js';
import { parseSkillFile } from './skill-file.js';
import type { TeamFile } from './team-file.js';

/** Path of the optional team settings file: agent order, routing rules, playbook, model router. */
export const TEAM_SETTINGS_FILE = 'marketing-team.yaml';
/**
 * Keys of `marketing-team.yaml`. `skills` (the order skills are listed in) and `functions` (the
 * function map) are workspace data: a team ignores them, a workspace keeps them so its round
 * trip through the files is exact.
 */
export const TEAM_SETTINGS_KEYS = ['agents', 'skills', 'functions', 'rules', 'playbook', 'modelRouter'] as const;

/** The files of a team folder, parsed one by one but not yet checked as a whole. */
export interface TeamFolder {
  /** Skills in settings order (then folder order), each with its SKILL.md. */
  skills: { skill: Skill; file: TeamFile }[];
  /** Agents in settings order (then file order), each with its file. */
  agents: { agent: Agent; file: TeamFile }[];
  brand: Brand | undefined;
  settings: Record<string, unknown>;
  /** Line of a path inside `marketing-team.yaml`, 1 when unknown. */
  settingsLine(path: readonly (string | number)[]): number;
}

/** Options of {@link readTeamFolder}. */
export interface ReadTeamFolderOptions {
  /** Refuse skills no agent lists (a team runs only owned skills; a workspace keeps drafts). */
  requireOwners: boolean;
}

function normalise(path: string): string {
  return path.replace(/\\/g, '/').replace(/^\.\//, '');
}

function orderBy<T>(items: T[], nameOf: (item: T) => string, order: readonly string[]): T[] {
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
  return [...items].sort((a, b) => rank(nameOf(a)) - rank(nameOf(b)));
}

/**
 * Parses every team file of a folder (SKILL.md folders, agent files, the brand folder and
 * `marketing-team.yaml`) with the single-file parsers, and the checks that span files: skills'
 * owners, duplicate agent names, the settings file's keys and the names it lists. Every problem
 * is a `FormatError` naming the file and line.
 */
export function readTeamFolder(input: readonly TeamFile[], options: ReadTeamFolderOptions): TeamFolder {
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

  const { settings, settingsLine } = readSettings(files.find((file) => file.path === TEAM_SETTINGS_FILE));

  const skills = new Map<string, Skill>();
  let skillEntries: { skill: Skill; file: TeamFile }[] = [];
  for (const [folder, file] of [...skillFiles].sort(([a], [b]) => a.localeCompare(b))) {
    const refs = (referenceFiles.get(folder) ?? []).sort((a, b) => a.path.localeCompare(b.path));
    const skill = parseSkillFile(file, refs);
    skills.set(skill.name, skill);
    skillEntries.push({ skill, file });
  }

  let agents: { agent: Agent; file: TeamFile }[] = [];
  for (const file of agentFiles.sort((a, b) => a.path.localeCompare(b.path))) {
    const agent = parseAgentFile(file, skills);
    const twin = agents.find((other) => other.agent.name === agent.name);
    if (twin) throw new FormatError(file.path, parseFrontmatter(file.path, file.content).lineOf(['name']), `agent "${agent.name}" is also defined in ${twin.file.path}`);
    agents.push({ agent, file });
  }
  if (options.requireOwners) {
    for (const { skill, file } of skillEntries) {
      if (!agents.some(({ agent }) => agent.skills.some((owned) => owned.name === skill.name))) {
        throw new FormatError(file.path, parseFrontmatter(file.path, file.content).lineOf(['name']), `skill "${skill.name}" is not listed in any agent's "skills"; every skill needs an owner`);
      }
    }
  }

  // optional orders from the settings; names not listed follow in file order
  const order = (key: 'agents' | 'skills', known: (name: string) => boolean, where: (name: string) => string): string[] | undefined => {
    const value = settings[key];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.some((name) => typeof name !== 'string')) {
      throw new FormatError(TEAM_SETTINGS_FILE, settingsLine([key]), `"${key}" must be a list of ${key === 'agents' ? 'agent' : 'skill'} names`);
    }
    (value as string[]).forEach((name, i) => {
      if (!known(name)) throw new FormatError(TEAM_SETTINGS_FILE, settingsLine([key, i]), `unknown ${key === 'agents' ? 'agent' : 'skill'} "${name}" (no ${where(name)})`);
    });
    return value as string[];
  };
  const agentOrder = order('agents', (name) => agents.some(({ agent }) => agent.name === name), (name) => `.claude/agents/${name}.md`);
  if (agentOrder) agents = orderBy(agents, ({ agent }) => agent.name, agentOrder);
  const skillOrder = order('skills', (name) => skills.has(name), (name) => `.claude/skills/${name}/SKILL.md`);
  if (skillOrder) skillEntries = orderBy(skillEntries, ({ skill }) => skill.name, skillOrder);

  const brand = parseBrandFiles(files);
  if (!brand) {
    // without brand.md the other brand files would be silently dropped
    const stray = files.find((file) => file.path.startsWith('brand/'));
    if (stray) throw new FormatError(stray.path, 1, `brand files need ${BRAND_FILES.brand}; without it this file would be ignored`);
  }
  return { skills: skillEntries, agents, brand, settings, settingsLine };
}

function readSettings(file: TeamFile | undefined): Pick<TeamFolder, 'settings' | 'settingsLine'> {
  if (!file) return { settings: {}, settingsLine: () => 1 };
  const counter = new LineCounter();
  const doc: Document = parseDocument(file.content, { lineCounter: counter, uniqueKeys: true, prettyErrors: true, strict: true });
  const settingsLine = (path: readonly (string | number)[]): number => {
    for (let depth = path.length; depth > 0; depth--) {
      const node = doc.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return counter.linePos(node.range[0]).line;
    }
    return 1;
  };
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) throw new FormatError(file.path, problem.linePos?.[0]?.line ?? 1, `invalid YAML: ${problem.message.split('\n')[0]}`);
  const value: unknown = doc.toJS() ?? {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FormatError(file.path, 1, 'must be a mapping');
  const settings = value as Record<string, unknown>;
  for (const key of Object.keys(settings)) {
    if (!(TEAM_SETTINGS_KEYS as readonly string[]).includes(key)) {
      throw new FormatError(file.path, settingsLine([key]), `unknown field "${key}" (allowed: ${TEAM_SETTINGS_KEYS.join(', ')})`);
    }
  }
  return { settings, settingsLine };
}

/** Splits an issue path such as `agents[1].skills[0].output` into `['agents', 1, 'skills', 0, 'output']`. */
export function issuePathParts(path: string): (string | number)[] {
  return path
    .split(/\.|\[|\]\.?/)
    .filter(Boolean)
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/**
 * The file and line a team or workspace issue path points at: `agents[i]...` in that agent's
 * file, `skills[i]...` in that skill's SKILL.md, `brand...` in `brand/brand.md`, anything else in
 * `marketing-team.yaml`.
 */
export function locateIssue(folder: TeamFolder, path: string): { path: string; line: number } {
  const parts = issuePathParts(path);
  const [head, index, field, inner] = parts;
  if (head === 'agents' && typeof index === 'number' && folder.agents[index]) {
    const file = folder.agents[index].file;
    const fm = parseFrontmatter(file.path, file.content);
    const keys = field === 'skills' ? ['skills', ...(Array.isArray(fm.data.skills) && typeof inner === 'number' ? [inner] : [])] : [typeof field === 'string' && field !== 'title' && field !== 'systemPrompt' ? field : 'name'];
    return { path: file.path, line: fm.lineOf(keys) };
  }
  if (head === 'skills' && typeof index === 'number' && folder.skills[index]) {
    const file = folder.skills[index].file;
    const fm = parseFrontmatter(file.path, file.content);
    const key = field === 'allowedTools' ? 'allowed-tools' : typeof field === 'string' ? field : 'name';
    return { path: file.path, line: fm.lineOf([key]) };
  }
  if (head === 'brand') return { path: BRAND_FILES.brand, line: 1 };
  return { path: TEAM_SETTINGS_FILE, line: folder.settingsLine(parts) };
}

/** Writes `marketing-team.yaml` the way the frontmatter writer does (no folding, YAML 1.1 quoting). */
export function writeTeamSettings(settings: Record<string, unknown>): TeamFile {
  return { path: TEAM_SETTINGS_FILE, content: stringify(settings, { lineWidth: 0, minContentWidth: 0, blockQuote: false, version: '1.1' }) };
}
