import { describe, expect, it } from 'vitest';
import { FormatError, defaultTeam, exportClaudeTeam, parseClaudeTeam, sampleBrand, type TeamFile } from '../index.js';
import { parseSkillFile } from './skill-file.js';

const skillMd = (frontmatter: string, body = 'Write great posts.') => `---\n${frontmatter}\n---\n\n${body}\n`;
const okSkill = 'name: posts\ndescription: Writes posts\nmetadata:\n  deliverable: social-posts';
const agentMd = (frontmatter: string, body = '# Writer\n\nYou write.') => `---\n${frontmatter}\n---\n\n${body}\n`;
const okAgent = 'name: writer\ndescription: Writes copy\nskills:\n  - posts';

function formatErrorOf(fn: () => unknown): FormatError {
  try {
    fn();
  } catch (error) {
    if (error instanceof FormatError) return error;
    throw error;
  }
  throw new Error('expected a FormatError');
}

const team = (files: TeamFile[]) => parseClaudeTeam(files, { brand: sampleBrand });
const withSkill = (content: string, folder = 'posts'): TeamFile[] => [
  { path: `.claude/skills/${folder}/SKILL.md`, content },
  { path: '.claude/agents/writer.md', content: agentMd(okAgent) },
];

describe('SKILL.md', () => {
  it('loads a minimal skill and its references', () => {
    const loaded = team([...withSkill(skillMd(okSkill)), { path: '.claude/skills/posts/references/example.md', content: 'Example' }]);
    const skill = loaded.skill('posts')!;
    expect(skill).toMatchObject({ name: 'posts', output: 'social-posts', instructions: 'Write great posts.' });
    expect(skill.references[0]!.name).toBe('example.md');
    expect(loaded.agent('writer')!.title).toBe('Writer');
  });

  it.each([
    ['no frontmatter', 'name: posts\n\nbody', 1, /must start with a "---" line/],
    ['unclosed frontmatter', '---\nname: posts\ndescription: x\n\nbody', 1, /never closed/],
    ['tab indentation', skillMd('name: posts\ndescription: x\nmetadata:\n\tdeliverable: social-posts'), 5, /tab/],
    ['invalid YAML', skillMd('name: posts\ndescription: Use when: posting\nmetadata:\n  deliverable: social-posts'), 3, /invalid YAML/],
    ['duplicate key', skillMd('name: posts\nname: posts\ndescription: x\nmetadata:\n  deliverable: social-posts'), 3, /invalid YAML/],
    ['unknown field', skillMd(`${okSkill}\nargument-hint: '[file]'`), 6, /unknown frontmatter field "argument-hint"/],
    ['bad name', skillMd('name: Posts_Now\ndescription: x\nmetadata:\n  deliverable: social-posts'), 2, /lowercase/],
    ['reserved name', skillMd('name: claude-posts\ndescription: x\nmetadata:\n  deliverable: social-posts'), 2, /reserved/],
    ['name not folder', skillMd('name: tweets\ndescription: x\nmetadata:\n  deliverable: social-posts'), 2, /folder name "posts"/],
    ['long description', skillMd(`name: posts\ndescription: ${'x'.repeat(1025)}\nmetadata:\n  deliverable: social-posts`), 3, /1025 characters; the limit is 1024/],
    ['XML in description', skillMd('name: posts\ndescription: Writes <b>posts</b>\nmetadata:\n  deliverable: social-posts'), 3, /XML/],
    ['numeric description', skillMd('name: posts\ndescription: 42\nmetadata:\n  deliverable: social-posts'), 3, /must be text/],
    ['missing description', skillMd('name: posts\nmetadata:\n  deliverable: social-posts'), 1, /missing required field "description"/],
    ['missing deliverable', skillMd('name: posts\ndescription: x'), 1, /metadata.deliverable" is required/],
    ['unknown deliverable', skillMd('name: posts\ndescription: x\nmetadata:\n  deliverable: poster'), 5, /unknown deliverable "poster"/],
    ['empty body', skillMd(okSkill, ''), 1, /body/],
  ])('fails loudly with file and line: %s', (_case, content, line, message) => {
    const error = formatErrorOf(() => team(withSkill(content)));
    expect(error.path).toBe('.claude/skills/posts/SKILL.md');
    expect(error.line).toBe(line);
    expect(error.reason).toMatch(message);
    expect(error.message).toBe(`${error.path}:${error.line}: ${error.reason}`);
  });

  it('accepts allowed-tools separated by spaces or commas', () => {
    expect(team(withSkill(skillMd(`${okSkill}\nallowed-tools: Read, Grep Glob`))).skill('posts')!.allowedTools).toEqual(['Read', 'Grep', 'Glob']);
  });

  it('refuses a lower-case skill.md and skills without an owner', () => {
    expect(formatErrorOf(() => team([{ path: '.claude/skills/posts/skill.md', content: skillMd(okSkill) }])).reason).toMatch(/SKILL.md/);
    const orphan = formatErrorOf(() =>
      team([...withSkill(skillMd(okSkill)), { path: '.claude/skills/ads/SKILL.md', content: skillMd('name: ads\ndescription: Ads\nmetadata:\n  deliverable: ad-copy') }]),
    );
    expect(orphan).toMatchObject({ path: '.claude/skills/ads/SKILL.md', line: 2 });
    expect(orphan.reason).toMatch(/not listed in any agent/);
  });
});

describe('agent files', () => {
  it.each([
    ['unknown skill', 'name: writer\ndescription: Writes\nskills:\n  - posts\n  - poems', 6, /unknown skill "poems"/],
    ['unknown field', `${okAgent}\ncolour: blue`, 6, /unknown frontmatter field "colour"/],
    ['no skills', 'name: writer\ndescription: Writes', 1, /skills/],
    ['bad name', 'name: Writer One\ndescription: Writes\nskills: posts', 2, /lowercase/],
  ])('fails loudly with file and line: %s', (_case, frontmatter, line, message) => {
    const error = formatErrorOf(() =>
      team([{ path: '.claude/skills/posts/SKILL.md', content: skillMd(okSkill) }, { path: '.claude/agents/writer.md', content: agentMd(frontmatter) }]),
    );
    expect(error).toMatchObject({ path: '.claude/agents/writer.md', line });
    expect(error.reason).toMatch(message);
  });

  it('reports overlapping roles across agent files, listing every conflict', () => {
    const error = formatErrorOf(() =>
      team([
        { path: '.claude/skills/posts/SKILL.md', content: skillMd(okSkill) },
        { path: '.claude/skills/threads/SKILL.md', content: skillMd('name: threads\ndescription: Threads\nmetadata:\n  deliverable: social-posts') },
        { path: '.claude/agents/writer.md', content: agentMd(okAgent) },
        { path: '.claude/agents/zz-copycat.md', content: agentMd('name: copycat\ndescription: Copies\nskills:\n  - posts\n  - threads') },
      ]),
    );
    expect(error.path).toBe('.claude/agents/zz-copycat.md');
    expect(error.line).toBe(5);
    expect(error.reason).toContain('agents[1].skills[0]');
    expect(error.reason).toContain('agents[1].skills[1].output');
  });
});

describe('team folders', () => {
  it('round-trips the default team: load -> export -> load is identical', () => {
    const files = exportClaudeTeam(defaultTeam);
    const loaded = parseClaudeTeam(files);
    expect(exportClaudeTeam(loaded)).toEqual(files);
    expect(loaded.agents.map((a) => a.name)).toEqual(defaultTeam.agents.map((a) => a.name));
    expect(loaded.brand).toEqual(defaultTeam.brand);
    expect(loaded.rules).toEqual(defaultTeam.rules);
    expect(loaded.playbook).toEqual(defaultTeam.playbook);
    for (const agent of defaultTeam.agents) {
      const twin = loaded.agent(agent.name)!;
      expect({ ...twin, skills: twin.skills.map((s) => ({ ...s })) }).toEqual({ ...agent, skills: agent.skills.map((s) => ({ ...s })) });
    }
    const again = parseClaudeTeam(exportClaudeTeam(loaded));
    expect(exportClaudeTeam(again)).toEqual(files);
  });

  it('carries references, their hashes and the analysis report through the files', () => {
    const files = [
      { path: '.claude/skills/posts/SKILL.md', content: skillMd(`${okSkill}\n  reference-sha256-example.md: "${'0'.repeat(64)}"\n  owner: marketing\nlicense: MIT\nallowed-tools: Read Write`, 'Write great posts.\n\n## Reference analysis\n\n<!-- marketing-team:reference-analysis -->\nShort, warm, one emoji.') },
      { path: '.claude/skills/posts/references/example.md', content: 'Example post' },
      { path: '.claude/agents/writer.md', content: agentMd(`${okAgent}\nmodel: sonnet\ntools: Read, Write`) },
    ];
    const loaded = team(files);
    const skill = loaded.skill('posts')!;
    expect(skill).toMatchObject({ referenceReport: 'Short, warm, one emoji.', instructions: 'Write great posts.', license: 'MIT', allowedTools: ['Read', 'Write'], metadata: { owner: 'marketing' } });
    expect(skill.references[0]!.hash).toBe('0'.repeat(64));
    expect(loaded.agent('writer')).toMatchObject({ model: 'sonnet', tools: ['Read', 'Write'] });
    const reloaded = parseClaudeTeam(exportClaudeTeam(loaded));
    expect(reloaded.skill('posts')).toEqual(skill);
  });

  it('checks marketing-team.yaml and names the line', () => {
    const base = [...withSkill(skillMd(okSkill))];
    const unknown = formatErrorOf(() => team([...base, { path: 'marketing-team.yaml', content: 'agents:\n  - writer\nrouting: []\n' }]));
    expect(unknown).toMatchObject({ path: 'marketing-team.yaml', line: 3 });
    const badRule = formatErrorOf(() => team([...base, { path: 'marketing-team.yaml', content: 'rules:\n  - agent: writer\n    keywords: [post]\n  - agent: ghost\n    keywords: [x]\n' }]));
    expect(badRule).toMatchObject({ path: 'marketing-team.yaml', line: 4 });
    expect(badRule.reason).toContain('rules[1].agent');
  });

  it('needs a brand from the files or the options', () => {
    expect(formatErrorOf(() => parseClaudeTeam(withSkill(skillMd(okSkill)))).path).toBe('brand/brand.md');
    const files = exportClaudeTeam(defaultTeam).filter((file) => file.path !== 'brand/voice-guide.md');
    expect(formatErrorOf(() => parseClaudeTeam(files)).path).toBe('brand/voice-guide.md');
    const badBrand = exportClaudeTeam(defaultTeam).map((file) =>
      file.path === 'brand/brand.md' ? { ...file, content: file.content.replace('  - "#e0a458"', '  - orange') } : file,
    );
    expect(formatErrorOf(() => parseClaudeTeam(badBrand))).toMatchObject({ path: 'brand/brand.md', line: 19 });
  });

  it('round-trips awkward values: tabs and newlines in descriptions, YAML 1.1 booleans', () => {
    const loaded = parseClaudeTeam(
      exportClaudeTeam(parseClaudeTeam([
        { path: '.claude/skills/posts/SKILL.md', content: skillMd('name: posts\ndescription: "Writes posts\\n\\tindented"\nlicense: "yes"\nmetadata:\n  deliverable: social-posts\n  flag: "on"') },
        { path: '.claude/agents/writer.md', content: agentMd(okAgent) },
      ], { brand: sampleBrand })),
    );
    expect(loaded.skill('posts')).toMatchObject({ description: 'Writes posts\n\tindented', license: 'yes', metadata: { flag: 'on' } });
  });

  it('parses a single SKILL.md without a folder check when given a bare path', () => {
    expect(parseSkillFile({ path: 'SKILL.md', content: skillMd(okSkill) }).name).toBe('posts');
  });
});
