import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TeamDefinitionError, buildSkillRequest, defaultTeam, defineAgent, defineSkill, defineTeam, offlineDraft, parseDeliverable, sampleBrand } from '../index.js';

describe('buildSkillRequest', () => {
  const research = parseDeliverable({
    kind: 'research-brief',
    text: offlineDraft(buildSkillRequest({ team: defaultTeam, skill: 'research-brief', brief: { goal: 'Grow payroll signups' } }).purpose),
    id: 'd1',
    runId: 'r',
    taskId: 'r:research',
    agent: 'market-researcher',
    skill: 'research-brief',
    offline: true,
  });

  it('puts the brand first as a cacheable block, then role and skill, then the brief, inputs and steers', () => {
    const request = buildSkillRequest({
      team: defaultTeam,
      skill: 'campaign-strategy',
      brief: { goal: 'Grow payroll signups', channels: ['linkedin'] },
      inputs: [research],
      steers: ['Focus on multi-site owners'],
    });
    expect(request.system).toHaveLength(2);
    expect(request.system[0]).toMatchObject({ cache: true });
    expect(request.system[0]!.text).toMatch(/^# Brand context: Brewline/);
    expect(request.system[0]!.text).toContain('Banned terms');
    expect(request.system[1]!.cache).toBeUndefined();
    expect(request.system[1]!.text).toContain('# Your role: Campaign Strategist');
    expect(request.system[1]!.text).toContain('Positioning: one statement');
    expect(request.system[1]!.text).toContain('```json');
    const user = request.messages[0]!;
    expect(user.role).toBe('user');
    expect(user.content.indexOf('Goal: Grow payroll signups')).toBeLessThan(user.content.indexOf('# Input: Research brief'));
    expect(user.content.indexOf('# Input: Research brief')).toBeLessThan(user.content.indexOf('Focus on multi-site owners'));
    expect(request.purpose).toMatchObject({
      kind: 'skill',
      skill: 'campaign-strategy',
      agent: 'campaign-strategist',
      deliverable: 'campaign-strategy',
      brandName: 'Brewline',
      steers: ['Focus on multi-site owners'],
      brand: { name: 'Brewline', palette: ['#3b2416', '#e0a458', '#fbf6ee'] },
    });
    expect(request.maxTokens).toBeGreaterThan(0);
  });

  it('keeps the brand block identical across agents so providers can cache it', () => {
    const a = buildSkillRequest({ team: defaultTeam, skill: 'ad-copy', brief: { goal: 'x' } });
    const b = buildSkillRequest({ team: defaultTeam, skill: 'measurement-plan', brief: { goal: 'y' } });
    expect(a.system[0]).toEqual(b.system[0]);
  });

  it('includes the reference analysis and validates skill inputs', () => {
    const skill = defineSkill({
      name: 'newsletter',
      description: 'Writes the newsletter',
      instructions: 'Write it.',
      output: 'social-posts',
      inputSchema: z.object({ issueNumber: z.number().int() }),
      referenceReport: 'Opens with a one-line greeting.',
    });
    const team = defineTeam({
      brand: sampleBrand,
      agents: [defineAgent({ name: 'writer', title: 'Writer', description: 'Writes', systemPrompt: 'You write.', skills: [skill] })],
    });
    const request = buildSkillRequest({ team, skill: 'newsletter', brief: { goal: 'x' }, skillInputs: { issueNumber: 4 } });
    expect(request.system[1]!.text).toContain('Opens with a one-line greeting.');
    expect(request.messages[0]!.content).toContain('"issueNumber": 4');
    try {
      buildSkillRequest({ team, skill: 'newsletter', brief: { goal: 'x' }, skillInputs: { issueNumber: 'four' } });
      throw new Error('expected an error');
    } catch (error) {
      expect((error as TeamDefinitionError).issues[0]!.path).toBe('skillInputs.issueNumber');
    }
  });

  it('names the bad field for unknown skills and invalid briefs', () => {
    expect(() => buildSkillRequest({ team: defaultTeam, skill: 'poems', brief: { goal: 'x' } })).toThrow(/skill/);
    try {
      buildSkillRequest({ team: defaultTeam, skill: 'ad-copy', brief: { goal: 'x', channels: ['myspace'] } as never });
    } catch (error) {
      expect((error as TeamDefinitionError).issues[0]!.path).toBe('brief.channels[0]');
    }
  });
});
