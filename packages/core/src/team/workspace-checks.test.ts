import { describe, expect, it } from 'vitest';
import { TeamDefinitionError, checkWorkspaceDraft, defaultTeam, routeWorkspaceRequest, workspaceFromTeam } from '../index.js';

const skill = (name: string, output: string) => ({ name, description: `${name} skill`, instructions: `Write ${name}.`, output });
const agent = (name: string, skills: string[]) => ({ name, title: name, description: `${name} agent`, systemPrompt: `You are ${name}.`, skills });

describe('checkWorkspaceDraft', () => {
  it('accepts the default team as a workspace', () => {
    expect(checkWorkspaceDraft(workspaceFromTeam(defaultTeam))).toEqual({ ok: true, issues: [] });
  });

  it('reports every overlap at its place, even beside other problems', () => {
    const draft = {
      skills: [skill('posts', 'social-posts'), skill('ads', 'ad-copy'), skill('more-posts', 'social-posts'), skill('ads', 'ad-copy')],
      agents: [agent('writer', ['posts', 'ads']), agent('designer', ['ghost']), agent('copycat', ['more-posts', 'ads'])],
    };
    const { ok, issues } = checkWorkspaceDraft(draft);
    expect(ok).toBe(false);
    expect(issues).toEqual([
      { path: 'skills[3].name', message: 'duplicate skill "ads" (also skills[1])' },
      { path: 'agents[1].skills[0]', message: 'unknown skill "ghost" (not in skills)' },
      {
        path: 'agents[2].skills[0].output',
        message: 'deliverable kind "social-posts" is also produced by agent writer (agents[0].skills[0]); a deliverable kind belongs to exactly one agent',
      },
      { path: 'agents[2].skills[1]', message: 'skill "ads" is also owned by agent writer (agents[0].skills[1]); a skill belongs to exactly one agent' },
      {
        path: 'agents[2].skills[1].output',
        message: 'deliverable kind "ad-copy" is also produced by agent writer (agents[0].skills[1]); a deliverable kind belongs to exactly one agent',
      },
    ]);
  });

  it('names the field of a malformed draft', () => {
    expect(checkWorkspaceDraft({ agents: 'none' }).issues[0]).toMatchObject({ path: 'agents' });
  });
});

describe('routeWorkspaceRequest', () => {
  const doc = workspaceFromTeam(defaultTeam);

  it('says which agent and skill would take a request, and why', () => {
    expect(routeWorkspaceRequest(doc, { request: 'Three LinkedIn posts for the launch' })).toMatchObject({
      routed: true,
      agent: 'content-creator',
      agentTitle: 'Content Creator',
      skill: 'social-posts',
      output: 'social-posts',
      via: 'rule',
      reason: expect.stringContaining('"linkedin"'),
    });
    expect(routeWorkspaceRequest(doc, { request: 'anything', deliverable: 'landing-page' })).toMatchObject({ routed: true, skill: 'landing-page' });
  });

  it('answers an unroutable request with the reason, and an invalid document with TeamDefinitionError', () => {
    expect(routeWorkspaceRequest(doc, { request: 'zzz qqq' })).toMatchObject({ routed: false, code: 'no_match', field: 'text' });
    expect(() => routeWorkspaceRequest({ agents: [agent('writer', ['ghost'])] }, { request: 'post' })).toThrow(TeamDefinitionError);
  });
});
