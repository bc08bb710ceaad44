import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { exportClaudeTeam, parseClaudeTeam, type ParseClaudeTeamOptions, type Team, type TeamFile } from '@marketing-team/core';

// only these top-level entries can hold team files; everything else in a project is skipped
const ROOTS = ['.claude/skills', '.claude/agents', 'brand', 'marketing-team.yaml'];
const MAX_FILE_BYTES = 1024 * 1024;

async function walk(root: string, dir: string, out: TeamFile[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) await walk(root, full, out);
    else if (entry.isFile()) {
      const content = await readFile(full);
      if (content.byteLength > MAX_FILE_BYTES) continue; // binary assets and large files are not team files
      out.push({ path: relative(root, full).split(sep).join('/'), content: content.toString('utf8') });
    }
  }
}

/** Reads the team files of a folder (`.claude/skills`, `.claude/agents`, `brand/`, `marketing-team.yaml`). */
export async function readTeamFiles(dir: string): Promise<TeamFile[]> {
  const root = resolve(dir);
  const files: TeamFile[] = [];
  for (const entry of ROOTS) {
    const full = join(root, entry);
    if (entry.endsWith('.yaml')) {
      try {
        files.push({ path: entry, content: await readFile(full, 'utf8') });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    } else await walk(root, full, files);
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * Loads a team from a Claude Code project folder (SKILL.md folders, `.claude/agents/*.md`, the
 * brand folder and `marketing-team.yaml`). Throws core's `FormatError` with the file and line.
 */
export async function loadClaudeTeam(dir: string, options: ParseClaudeTeamOptions = {}): Promise<Team> {
  return parseClaudeTeam(await readTeamFiles(dir), options);
}

/** Writes a team into a folder in the Claude Code formats, creating folders as needed. Returns the files written. */
export async function writeClaudeTeam(team: Team, dir: string): Promise<TeamFile[]> {
  const root = resolve(dir);
  const files = exportClaudeTeam(team);
  for (const file of files) {
    const target = resolve(root, file.path);
    // names are validated by core, but a folder writer never writes outside its folder
    if (target !== root && !target.startsWith(root + sep)) throw new Error(`refusing to write outside ${root}: ${file.path}`);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.content, 'utf8');
  }
  return files;
}
