import { describe, expect, it } from 'vitest';
import { createDefaultTeam, defaultTeam } from './default-team.js';
import { defineBrand } from './brand.js';
import { teamContentHash } from './team-hash.js';
import { TeamDefinitionError } from './team-definition-error.js';
import {
  WorkspaceDocumentSchema,
  parseWorkspaceDocument,
  teamFromWorkspace,
  workspaceDocumentHash,
  workspaceFromTeam,
  workspaceIssues,
} from './workspace.js';
import { sampleBrand } from './sample-brand.js';

const notely = {
  name: 'Notely',
  voiceGuide: 'Calm and exact.',
  styleGuide: 'US spelling.',
  strategy: 'Win product teams.',
  audience: 'Product managers.',
  products: [{ name: 'Notely AI Recap', description: 'Meeting recaps.' }],
};

const skill = (name: string, output: string) => ({
  name,
  description: `Writes ${output}.`,
  instructions: 'Follow the brand.',
  output,
});

describe('workspace documents', () => {
  it('accepts an empty document and runs the default agents with the sample brand', () => {
    const doc = parseWorkspaceDocument({});
    expect(doc).toEqual({ functions: [], skills: [], agents: [], rules: [] });
    const team = teamFromWorkspace(doc);
    expect(team.agents.map((agent) => agent.name)).toEqual(defaultTeam.agents.map((agent) => agent.name));
    expect(teamContentHash(team)).toBe(teamContentHash(defaultTeam));
  });

  it('runs the default agents with the workspace brand while it has no agents of its own', () => {
    const team = teamFromWorkspace({ brand: notely });
    expect(team.brand.name).toBe('Notely');
    expect(teamContentHash(team)).toBe(teamContentHash(createDefaultTeam(defineBrand(notely))));
    expect(teamContentHash(team)).not.toBe(teamContentHash(defaultTeam));
  });

  it('round-trips a team: team -> document -> team keeps the content hash', () => {
    const doc = workspaceFromTeam(defaultTeam);
    expect(doc.skills).toHaveLength(11);
    expect(doc.agents[0]!.skills).toEqual(['research-brief', 'competitor-snapshot']);
    expect(teamContentHash(teamFromWorkspace(doc))).toBe(teamContentHash(defaultTeam));
    // the document is plain JSON: what the HTTP API stores and serves
    expect(WorkspaceDocumentSchema.parse(JSON.parse(JSON.stringify(doc)))).toEqual(doc);
  });

  it('gives reference templates their hash, so staleness can be judged later', () => {
    const doc = parseWorkspaceDocument({
      brand: notely,
      skills: [{ ...skill('launch-post', 'social-posts'), references: [{ name: 'post.md', content: 'Hello' }], referenceReport: '## Structure' }],
      agents: [{ name: 'writer', title: 'Writer', description: 'Writes.', systemPrompt: 'You write.', skills: ['launch-post'] }],
    });
    expect(doc.skills[0]!.references[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(teamFromWorkspace(doc).skill('launch-post')!.referenceReport).toBe('## Structure');
  });

  it('hashes canonically: key order does not matter, content does', () => {
    const a = workspaceDocumentHash({ brand: notely, rules: [] });
    const b = workspaceDocumentHash({ rules: [], brand: { ...Object.fromEntries(Object.entries(notely).reverse()) } as typeof notely });
    expect(a).toBe(b);
    expect(workspaceDocumentHash({ brand: { ...notely, name: 'Notely 2' } })).not.toBe(a);
    expect(workspaceDocumentHash({ brand: sampleBrand })).not.toBe(a);
  });

  it('names the field of every problem', () => {
    expect(workspaceIssues({ brand: { ...notely, voiceGuide: '' } })).toEqual([{ path: 'brand.voiceGuide', message: 'must not be empty' }]);
    expect(workspaceIssues({ skills: [{ ...skill('Bad Name', 'social-posts') }] })[0]!.path).toBe('skills[0].name');
    expect(workspaceIssues({ colour: 'red' })).toEqual([{ path: 'colour', message: 'unknown field' }]);
    expect(
      workspaceIssues({
        skills: [skill('a', 'social-posts'), skill('a', 'ad-copy')],
      }),
    ).toEqual([{ path: 'skills[1].name', message: 'duplicate skill "a" (also skills[0])' }]);
    expect(
      workspaceIssues({
        skills: [skill('a', 'social-posts')],
        agents: [{ name: 'w', title: 'W', description: 'd', systemPrompt: 'p', skills: ['a', 'b'] }],
      }),
    ).toEqual([{ path: 'agents[0].skills[1]', message: 'unknown skill "b" (not in skills)' }]);
    expect(workspaceIssues({ functions: [{ name: 'content', title: 'Content', skills: ['nope'] }] })).toEqual([
      { path: 'functions[0].skills[0]', message: 'unknown skill "nope" (not in skills)' },
    ]);
  });

  it('applies the team checks: overlapping roles and rules naming unknown agents', () => {
    const issues = workspaceIssues({
      skills: [skill('a', 'social-posts'), skill('b', 'social-posts')],
      agents: [
        { name: 'one', title: 'One', description: 'd', systemPrompt: 'p', skills: ['a'] },
        { name: 'two', title: 'Two', description: 'd', systemPrompt: 'p', skills: ['b'] },
      ],
      rules: [{ agent: 'three', keywords: ['x'] }],
    });
    expect(issues.map((issue) => issue.path)).toEqual(['agents[1].skills[0].output', 'rules[0].agent']);
    expect(() => parseWorkspaceDocument({ rules: [{ agent: 'nobody', keywords: ['x'] }] })).toThrow(TeamDefinitionError);
  });
});
