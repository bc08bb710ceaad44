import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { WorkspaceStore, WorkspaceVersion } from '../workspaces/workspace-store.js';
import {
  FormatError,
  exportClaudeTeam,
  parseClaudeTeam,
  parseClaudeWorkspace,
  workspaceDocumentHash,
  type WorkspaceDocument,
  type ParseClaudeTeamOptions,
  type Team,
  type TeamFile,
} from '@marketing-team/core';

/** Largest team file read from a folder or a zip; a bigger one is refused, not skipped. */
export const MAX_TEAM_FILE_BYTES = 1024 * 1024;

/** Paths the core loader reads; scripts, assets and anything else in the folder are left alone. */
export function isTeamFilePath(path: string): boolean {
  return (
    path === 'marketing-team.yaml' ||
    path.startsWith('brand/') ||
    path.startsWith('.claude/agents/') ||
    /^\.claude\/skills\/[^/]+\/(skill\.md|references\/.+)$/i.test(path)
  );
}

async function listFiles(root: string, dir: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const entry of entries) {
    const full = join(dir, entry.name);
    // symbolic links are not followed, so a team folder cannot pull in files from elsewhere
    if (entry.isDirectory()) await listFiles(root, full, out);
    else if (entry.isFile()) out.push(relative(root, full).split(sep).join('/'));
  }
}

/**
 * Reads the team files of a folder: `.claude/skills/<name>/SKILL.md` and `references/`,
 * `.claude/agents/*.md`, `brand/` and `marketing-team.yaml`, sorted by path.
 * A team file over 1 MiB is refused with a `FormatError` rather than skipped.
 */
export async function readTeamFiles(dir: string): Promise<TeamFile[]> {
  const root = resolve(dir);
  const paths: string[] = [];
  for (const top of ['.claude/skills', '.claude/agents', 'brand']) await listFiles(root, join(root, top), paths);
  try {
    if ((await stat(join(root, 'marketing-team.yaml'))).isFile()) paths.push('marketing-team.yaml');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const files: TeamFile[] = [];
  for (const path of paths.filter(isTeamFilePath).sort()) {
    const content = await readFile(join(root, path));
    if (content.byteLength > MAX_TEAM_FILE_BYTES) throw new FormatError(path, 1, `the file is ${content.byteLength} bytes; team files are limited to 1 MiB`);
    files.push({ path, content: content.toString('utf8') });
  }
  return files;
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

/**
 * Reads a Claude Code team folder as a workspace document (see core's `parseClaudeWorkspace`): a
 * folder without `brand/` keeps the sample brand, one without agents runs the default agents.
 * Throws `FormatError` with the file (relative to the folder) and line.
 */
export async function loadClaudeWorkspace(dir: string): Promise<WorkspaceDocument> {
  return parseClaudeWorkspace(await readTeamFiles(dir));
}

/**
 * Loads a team folder into a workspace as its next version, unless the latest version already
 * holds the same document (a restart with the same folder then adds no version). Throws
 * `FormatError` for an invalid folder before anything is saved.
 */
export async function importTeamFolder(
  store: WorkspaceStore,
  workspaceId: string,
  dir: string,
  options: { savedBy?: string } = {},
): Promise<{ version: WorkspaceVersion; changed: boolean }> {
  const document = await loadClaudeWorkspace(dir);
  const latest = await store.get(workspaceId);
  if (latest && latest.hash === workspaceDocumentHash(document)) return { version: latest, changed: false };
  const version = await store.save(workspaceId, document, { ifMatch: latest ? latest.etag : null, ...(options.savedBy ? { savedBy: options.savedBy } : {}) });
  return { version, changed: true };
}
