import { describe, expect, it } from 'vitest';
import { RoutingError, TeamDefinitionError, defineAgent, defineTeam, defaultTeam, sampleBrand, DEFAULT_AGENTS } from '../index.js';
import { PlannedTaskSchema } from '../protocol/index.js';

describe('team.planCampaign', () => {
  it('plans the full package as research -> strategy -> five parallel tasks', () => {
    const tasks = defaultTeam.planCampaign({ goal: 'Launch Brewline Payroll' }, { runId: 'run-7' });
    expect(tasks.map((t) => t.id)).toEqual([
      'run-7:research',
      'run-7:competitors',
      'run-7:strategy',
      'run-7:social',
      'run-7:ads',
      'run-7:landing',
      'run-7:creative',
      'run-7:measurement',
    ]);
    const byId = new Map(tasks.map((t) => [t.id, t]));
    expect(byId.get('run-7:strategy')!.dependsOn).toEqual(['run-7:research', 'run-7:competitors']);
    for (const id of ['social', 'ads', 'landing', 'creative', 'measurement']) expect(byId.get(`run-7:${id}`)!.dependsOn).toEqual(['run-7:strategy']);
    // every dependency comes earlier in the list
    tasks.forEach((task, i) => task.dependsOn.forEach((dep) => expect(tasks.findIndex((t) => t.id === dep)).toBeLessThan(i)));
    for (const task of tasks) expect(PlannedTaskSchema.safeParse(task).success).toBe(true);
    expect(new Set(tasks.map((t) => t.agent)).size).toBe(5);
  });

  it('plans only the wanted deliverables and their prerequisites, with review gates', () => {
    const tasks = defaultTeam.planCampaign(
      { goal: 'Launch', deliverables: ['social-posts'], reviewGates: ['campaign-strategy', 'ad-copy'] },
      { runId: 'r' },
    );
    expect(tasks.map((t) => [t.skill, t.review])).toEqual([
      ['research-brief', false],
      ['competitor-snapshot', false],
      ['campaign-strategy', true],
      ['social-posts', false],
    ]);
    expect(defaultTeam.planCampaign({ goal: 'x', deliverables: ['research-brief'] }, { runId: 'r' }).map((t) => t.skill)).toEqual(['research-brief']);
  });

  it('is deterministic and keeps long run ids within the id limit', () => {
    const brief = { goal: 'Launch' };
    expect(defaultTeam.planCampaign(brief, { runId: 'a' })).toEqual(defaultTeam.planCampaign(brief, { runId: 'a' }));
    const long = defaultTeam.planCampaign(brief, { runId: 'r'.repeat(128) });
    for (const task of long) expect(task.id.length).toBeLessThanOrEqual(128);
    expect(new Set(long.map((t) => t.id)).size).toBe(long.length);
  });

  it('validates the brief and run id, naming the field', () => {
    expect(() => defaultTeam.planCampaign({ goal: '' }, { runId: 'r' })).toThrow(TeamDefinitionError);
    try {
      defaultTeam.planCampaign({ goal: 'x' }, { runId: 'bad id' });
    } catch (error) {
      expect((error as TeamDefinitionError).issues[0]!.path).toBe('runId');
    }
  });

  it('trims the default playbook to what a smaller team produces, and refuses the rest', () => {
    const writers = DEFAULT_AGENTS.filter((a) => a.name === 'content-creator' || a.name === 'market-researcher');
    const team = defineTeam({ brand: sampleBrand, agents: writers });
    const tasks = team.planCampaign({ goal: 'x' }, { runId: 'r' });
    expect(tasks.map((t) => t.skill)).toEqual(['research-brief', 'competitor-snapshot', 'social-posts', 'ad-copy', 'landing-page']);
    expect(tasks.find((t) => t.skill === 'ad-copy')!.dependsOn).toEqual(['r:research', 'r:competitors']);
    expect(() => team.planCampaign({ goal: 'x', deliverables: ['measurement-plan'] }, { runId: 'r' })).toThrow(RoutingError);
  });

  it('follows a custom playbook with an explicit skill', () => {
    const team = defineTeam({
      brand: sampleBrand,
      agents: DEFAULT_AGENTS,
      playbook: {
        name: 'ads-sprint',
        steps: [
          { id: 'messaging', title: 'Messaging', deliverable: 'campaign-strategy', skill: 'messaging-framework' },
          { id: 'ads', title: 'Ads', deliverable: 'ad-copy', dependsOn: ['messaging'] },
          { id: 'visuals', title: 'Ad visuals', deliverable: 'creative-concepts', skill: 'ad-visuals', dependsOn: ['ads'] },
        ],
      },
    });
    const tasks = team.planCampaign({ goal: 'x' }, { runId: 'r' });
    expect(tasks.map((t) => `${t.agent}/${t.skill}`)).toEqual(['campaign-strategist/messaging-framework', 'content-creator/ad-copy', 'creative-designer/ad-visuals']);
    expect(defineAgent).toBeTypeOf('function');
  });
});

describe('decisionForTask', () => {
  it('explains each planned task as a playbook routing decision', async () => {
    const { decisionForTask, SessionEventSchema } = await import('../index.js');
    const tasks = defaultTeam.planCampaign({ goal: 'x', reviewGates: ['campaign-strategy'] }, { runId: 'r' });
    const decision = decisionForTask(defaultTeam, tasks[2]!);
    expect(decision).toMatchObject({ agent: 'campaign-strategist', skill: 'campaign-strategy', via: 'playbook' });
    expect(decision.reason).toContain('2 prerequisite tasks');
    expect(decision.reason).toContain('human review');
    expect(SessionEventSchema.safeParse({ type: 'routing.decided', runId: 'r', taskId: tasks[2]!.id, ...decision }).success).toBe(true);
  });
});
