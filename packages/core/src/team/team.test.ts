import { describe, expect, it } from 'vitest';
import {
  DEFAULT_AGENTS,
  TeamDefinitionError,
  defineAgent,
  defineBrand,
  defineSkill,
  defineTeam,
  sampleBrand,
  type Agent,
} from '../index.js';

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TeamDefinitionError);
    return (error as TeamDefinitionError).issues;
  }
  throw new Error('expected a TeamDefinitionError');
}

const skill = (name: string, output: Parameters<typeof defineSkill>[0]['output']) =>
  defineSkill({ name, description: `Does ${name}`, instructions: `Do ${name} well.`, output });

const agent = (name: string, skills: ReturnType<typeof skill>[]): Agent =>
  defineAgent({ name, title: name, description: `The ${name}`, systemPrompt: `You are ${name}.`, skills });

describe('defineBrand', () => {
  it('names every missing or invalid field', () => {
    const issues = issuesOf(() =>
      defineBrand({ name: 'Acme', voiceGuide: '', products: [{ name: '' }], palette: ['red'] } as never),
    );
    const paths = issues.map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['voiceGuide', 'styleGuide', 'strategy', 'audience', 'products[0].name', 'palette[0]']));
  });

  it('rejects unknown fields and freezes the result', () => {
    expect(issuesOf(() => defineBrand({ ...sampleBrand, tagline: 'x' } as never)).map((i) => i.path)).toContain('tagline');
    expect(Object.isFrozen(sampleBrand.products)).toBe(true);
  });
});

describe('defineSkill and defineAgent', () => {
  it('validates names, output kinds and reference names', () => {
    const issues = issuesOf(() =>
      defineSkill({
        name: 'Bad Name',
        description: 'x',
        instructions: 'y',
        output: 'poster' as never,
        references: [{ name: '../escape.md', content: 'z' }],
      }),
    );
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['name', 'output', 'references[0].name']));
  });

  it('computes reference hashes', () => {
    const made = defineSkill({ name: 'posts', description: 'x', instructions: 'y', output: 'social-posts', references: [{ name: 't.md', content: 'abc' }] });
    expect(made.references[0]!.hash).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('names the offending skill of an agent', () => {
    const issues = issuesOf(() => defineAgent({ name: 'writer', title: 'W', description: 'd', systemPrompt: 's', skills: [{} as never] }));
    expect(issues.some((i) => i.path.startsWith('skills[0]'))).toBe(true);
  });
});

describe('defineTeam', () => {
  it('lists every overlapping skill and deliverable kind', () => {
    const posts = skill('posts', 'social-posts');
    const ads = skill('ads', 'ad-copy');
    const otherPosts = skill('more-posts', 'social-posts');
    const issues = issuesOf(() =>
      defineTeam({
        brand: sampleBrand,
        agents: [agent('writer', [posts, ads]), agent('designer', [skill('art', 'creative-concepts')]), agent('copycat', [ads, otherPosts])],
      }),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'agents[2].skills[0]', message: expect.stringContaining('is also owned by agent writer (agents[0].skills[1])') }),
        expect.objectContaining({ path: 'agents[2].skills[0].output', message: expect.stringContaining('"ad-copy"') }),
        expect.objectContaining({ path: 'agents[2].skills[1].output', message: expect.stringContaining('"social-posts"') }),
      ]),
    );
    expect(issues).toHaveLength(3);
  });

  it('checks rules against agents and skills, and duplicate agents', () => {
    const issues = issuesOf(() =>
      defineTeam({
        brand: sampleBrand,
        agents: [agent('writer', [skill('posts', 'social-posts')]), agent('writer', [skill('ads', 'ad-copy')])],
        rules: [
          { agent: 'ghost', keywords: ['x'] },
          { agent: 'writer', skill: 'ads', keywords: ['ad'] },
          { agent: 'writer', keywords: [] },
        ],
      }),
    );
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['agents[1].name', 'rules[0].agent', 'rules[2].keywords']));
  });

  it('rejects playbooks with cycles, unknown steps and unproducible kinds', () => {
    const issues = issuesOf(() =>
      defineTeam({
        brand: sampleBrand,
        agents: DEFAULT_AGENTS,
        playbook: {
          name: 'loop',
          steps: [
            { id: 'a', title: 'A', deliverable: 'research-brief', dependsOn: ['c'] },
            { id: 'b', title: 'B', deliverable: 'campaign-strategy', dependsOn: ['a'] },
            { id: 'c', title: 'C', deliverable: 'social-posts', dependsOn: ['b', 'nope'] },
            { id: 'd', title: 'D', deliverable: 'ad-copy', skill: 'social-posts' },
          ],
        },
      }),
    );
    expect(issues.map((i) => i.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^cycle: a -> c -> b -> a$/), 'unknown step "nope"', expect.stringContaining('outputs social-posts, not ad-copy')]),
    );
  });

  it('builds the default team with five agents and non-overlapping skills', () => {
    const team = defineTeam({ brand: sampleBrand, agents: DEFAULT_AGENTS });
    expect(team.agents.map((a) => a.title)).toEqual(['Market Researcher', 'Campaign Strategist', 'Content Creator', 'Creative Designer', 'Data Analyst']);
    for (const a of team.agents) expect(a.skills.length).toBeGreaterThanOrEqual(2);
    expect(team.ownerOf('landing-page')?.name).toBe('content-creator');
    expect(team.skillFor('measurement-plan')?.name).toBe('measurement-plan');
  });
});
