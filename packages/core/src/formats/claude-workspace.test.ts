import { describe, expect, it } from 'vitest';
import {
  FormatError,
  defaultTeam,
  parseClaudeWorkspace,
  workspaceDocumentHash,
  workspaceFromTeam,
  workspaceToClaudeFiles,
  type TeamFile,
  type WorkspaceDocument,
} from '../index.js';

function formatErrorOf(fn: () => unknown): FormatError {
  try {
    fn();
  } catch (error) {
    if (error instanceof FormatError) return error;
    throw error;
  }
  throw new Error('expected a FormatError');
}

/** The default team as a workspace, with a function map, a draft skill and skills out of name order. */
function richWorkspace(): WorkspaceDocument {
  const doc = workspaceFromTeam(defaultTeam, {
    functions: [{ name: 'content', title: 'Content', description: 'Posts and pages', skills: ['social-posts', 'landing-page'] }],
  });
  const draft = { name: 'launch-notes', description: 'Release notes', instructions: 'Write notes.', output: 'research-brief' as const, references: [{ name: 'notes.md', content: 'v1 notes\n' }] };
  return { ...doc, skills: [draft, ...doc.skills].reverse() } as WorkspaceDocument;
}

describe('workspace <-> Claude Code team folder', () => {
  it('round-trips a workspace exactly: same document hash, same files', () => {
    const doc = richWorkspace();
    const files = workspaceToClaudeFiles(doc);
    expect(files.map((file) => file.path)).toEqual([...files.map((file) => file.path)].sort());
    expect(files.map((file) => file.path)).toContain('.claude/skills/launch-notes/references/notes.md');
    const back = parseClaudeWorkspace(files);
    expect(workspaceDocumentHash(back)).toBe(workspaceDocumentHash(doc));
    expect(back.skills.map((skill) => skill.name)).toEqual(doc.skills.map((skill) => skill.name));
    expect(workspaceToClaudeFiles(back)).toEqual(files);
  });

  it('round-trips an empty workspace and one without a brand or agents', () => {
    expect(workspaceToClaudeFiles({})).toEqual([]);
    expect(workspaceDocumentHash(parseClaudeWorkspace([]))).toBe(workspaceDocumentHash({}));
    const drafts = { skills: [{ name: 'posts', description: 'Posts', instructions: 'Write.', output: 'social-posts' as const }] };
    const files = workspaceToClaudeFiles(drafts);
    expect(files.some((file) => file.path.startsWith('brand/'))).toBe(false);
    expect(workspaceDocumentHash(parseClaudeWorkspace(files))).toBe(workspaceDocumentHash(drafts));
  });

  it('refuses brand files without brand/brand.md rather than dropping them', () => {
    const files = workspaceToClaudeFiles(richWorkspace()).filter((file) => file.path !== 'brand/brand.md');
    expect(formatErrorOf(() => parseClaudeWorkspace(files))).toMatchObject({ path: 'brand/strategy.md', line: 1 });
  });

  it('locates every document problem in its file: overlaps in agent files, unknown names in marketing-team.yaml', () => {
    const files: TeamFile[] = workspaceToClaudeFiles(richWorkspace()).map((file) =>
      file.path === '.claude/agents/content-creator.md' ? { ...file, content: file.content.replace('skills:\n', 'skills:\n  - creative-concepts\n') } : file,
    );
    const error = formatErrorOf(() => parseClaudeWorkspace(files));
    // the later owner is the one at fault: its file, the line of the skill in its list
    expect(error).toMatchObject({ path: '.claude/agents/creative-designer.md', line: 5 });
    expect(error.reason).toMatch(/agents\[3\]\.skills\[0\]: skill "creative-concepts" is also owned by agent content-creator/);
    const yaml = files.find((file) => file.path === 'marketing-team.yaml')!;
    const badFunction = workspaceToClaudeFiles(richWorkspace()).map((file) =>
      file.path === 'marketing-team.yaml' ? { ...file, content: yaml.content.replace('- social-posts\n      - landing-page', '- social-posts\n      - ghost') } : file,
    );
    const unknown = formatErrorOf(() => parseClaudeWorkspace(badFunction));
    expect(unknown.path).toBe('marketing-team.yaml');
    expect(unknown.reason).toContain('functions[0].skills[1]: unknown skill "ghost"');
    expect(yaml.content.split('\n')[unknown.line - 1]).toContain('landing-page');
  });
});
