import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FormatError,
  defaultTeam,
  defineAgent,
  defineTeam,
  exportClaudeTeam,
  isSkillStale,
  sampleBrand,
  skillFromReference,
  staleReferences,
} from '@marketing-team/core';
import { loadClaudeTeam, readTeamFiles, writeClaudeTeam } from './index.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mt-team-files-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('team folders on disk', () => {
  it('writes the default team and loads it back identically', async () => {
    const dir = await tempDir();
    const written = await writeClaudeTeam(defaultTeam, dir);
    expect(written.map((f) => f.path)).toEqual(expect.arrayContaining(['.claude/agents/content-creator.md', '.claude/skills/social-posts/SKILL.md', 'brand/brand.md', 'marketing-team.yaml']));
    expect(await readFile(join(dir, '.claude/skills/landing-page/SKILL.md'), 'utf8')).toContain('deliverable: landing-page');
    const loaded = await loadClaudeTeam(dir);
    expect(exportClaudeTeam(loaded)).toEqual(exportClaudeTeam(defaultTeam));
    // and once more through the disk
    const second = await tempDir();
    await writeClaudeTeam(loaded, second);
    expect(await readTeamFiles(second)).toEqual(await readTeamFiles(dir));
  });

  it('ignores unrelated files and reports bad ones with their path and line', async () => {
    const dir = await tempDir();
    await writeClaudeTeam(defaultTeam, dir);
    await writeFile(join(dir, 'README.md'), '# not a team file');
    await mkdir(join(dir, '.claude/skills/ad-copy/scripts'), { recursive: true });
    await writeFile(join(dir, '.claude/skills/ad-copy/scripts/check.sh'), 'echo ok');
    await expect(loadClaudeTeam(dir)).resolves.toBeDefined();
    await mkdir(join(dir, '.claude/skills/ad-copy/references'), { recursive: true });
    await writeFile(join(dir, '.claude/skills/ad-copy/references/huge.md'), 'x'.repeat(1024 * 1024 + 1));
    await expect(loadClaudeTeam(dir)).rejects.toMatchObject({ name: 'FormatError', path: '.claude/skills/ad-copy/references/huge.md' });
    await rm(join(dir, '.claude/skills/ad-copy/references'), { recursive: true });
    const skillPath = join(dir, '.claude/skills/ad-copy/SKILL.md');
    const content = await readFile(skillPath, 'utf8');
    await writeFile(skillPath, content.replace('name: ad-copy', 'name: ad-copy\n\tcolour: red'));
    const error = await loadClaudeTeam(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FormatError);
    expect(error).toMatchObject({ path: '.claude/skills/ad-copy/SKILL.md', line: 3 });
  });

  it('detects a reference template edited on disk after its analysis', async () => {
    const template = { name: 'launch-post.md', content: '☕ Big news!\n\n#Brewline' };
    const skill = skillFromReference({ name: 'launch-posts', description: 'Launch posts', output: 'social-posts', template, report: 'Emoji opener.' });
    const team = defineTeam({
      brand: sampleBrand,
      agents: [defineAgent({ name: 'writer', title: 'Writer', description: 'Writes', systemPrompt: 'You write.', skills: [skill] })],
    });
    const dir = await tempDir();
    await writeClaudeTeam(team, dir);
    const fresh = (await loadClaudeTeam(dir)).skill('launch-posts')!;
    expect(staleReferences(fresh)).toEqual([]);
    expect(isSkillStale(fresh, template)).toBe(false);

    await writeFile(join(dir, '.claude/skills/launch-posts/references/launch-post.md'), '📈 New template');
    const edited = (await loadClaudeTeam(dir)).skill('launch-posts')!;
    expect(staleReferences(edited)).toEqual(['launch-post.md']);
    expect(isSkillStale(edited, { name: 'launch-post.md', content: '📈 New template' })).toBe(true);
  });
});
