import { describe, expect, it } from 'vitest';
import { RoutingError, SessionEventSchema, defaultTeam, type ModelProvider, type ModelRequest } from '../index.js';

/** A provider that answers with a fixed text, in small chunks, and records what it was asked. */
function fakeProvider(answer: string): ModelProvider & { requests: ModelRequest[] } {
  const requests: ModelRequest[] = [];
  return {
    provider: 'fake',
    model: 'fake-router',
    offline: true,
    requests,
    async *stream(request) {
      requests.push(request);
      for (let i = 0; i < answer.length; i += 7) yield { type: 'text', text: answer.slice(i, i + 7) };
      yield { type: 'usage', usage: { inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0 } };
    },
    cost: () => 0,
  };
}

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RoutingError);
    return (error as RoutingError).code;
  }
  throw new Error('expected a RoutingError');
};

describe('team.route', () => {
  it('routes an explicit skill to its owner', () => {
    const decision = defaultTeam.route({ text: 'anything', skill: 'ad-visuals' });
    expect(decision).toMatchObject({ agent: 'creative-designer', skill: 'ad-visuals', via: 'explicit' });
    expect(decision.reason).toContain('ad-visuals');
  });

  it('routes an explicit agent to its best skill', () => {
    expect(defaultTeam.route({ agent: 'content-creator', deliverable: 'landing-page' })).toMatchObject({ skill: 'landing-page', via: 'explicit' });
    expect(defaultTeam.route({ agent: 'data-analyst', text: 'do a kpi review' })).toMatchObject({ skill: 'kpi-review' });
    expect(defaultTeam.route({ agent: 'market-researcher' })).toMatchObject({ skill: 'research-brief' });
  });

  it('applies the rule table by keywords, preferring more matches', () => {
    const decision = defaultTeam.route({ text: 'Can you draft the landing page copy for the launch?' });
    expect(decision).toMatchObject({ agent: 'content-creator', skill: 'landing-page', via: 'rule' });
    expect(decision.reason).toContain('"landing page"');
    expect(defaultTeam.route({ text: 'Which KPIs and tracking should we set up?' })).toMatchObject({ agent: 'data-analyst', skill: 'measurement-plan' });
    expect(defaultTeam.route({ text: 'Design a banner for Instagram ads' })).toMatchObject({ agent: 'creative-designer', skill: 'creative-concepts' });
  });

  it('routes by deliverable kind to the owner of that kind', () => {
    expect(defaultTeam.route({ deliverable: 'creative-concepts' })).toMatchObject({ agent: 'creative-designer', skill: 'creative-concepts', via: 'rule' });
  });

  it('produces decisions that are valid routing.decided events', () => {
    const decision = defaultTeam.route({ text: 'tweet about it' });
    expect(SessionEventSchema.safeParse({ type: 'routing.decided', runId: 'r1', ...decision }).success).toBe(true);
  });

  it('refuses unknown names, mismatches and unmatched text with typed errors', () => {
    expect(code(() => defaultTeam.route({ skill: 'poetry' }))).toBe('unknown_skill');
    expect(code(() => defaultTeam.route({ agent: 'intern' }))).toBe('unknown_agent');
    expect(code(() => defaultTeam.route({ skill: 'ad-copy', agent: 'data-analyst' }))).toBe('skill_not_owned');
    expect(code(() => defaultTeam.route({ text: 'make it pop' }))).toBe('no_match');
    expect(code(() => defaultTeam.route({ text: 1 } as never))).toBe('invalid_request');
  });
});

describe('team.routeWithModel', () => {
  const signal = new AbortController().signal;

  it('does not ask the model when a rule matches', async () => {
    const provider = fakeProvider('{"agent":"data-analyst","reason":"x"}');
    const decision = await defaultTeam.routeWithModel({ text: 'write three tweets' }, provider, signal);
    expect(decision.via).toBe('rule');
    expect(provider.requests).toHaveLength(0);
  });

  it('asks the model as a last resort and keeps its reason', async () => {
    const provider = fakeProvider('Sure.\n```json\n{"agent": "creative-designer", "skill": "creative-concepts", "reason": "It asks for a look and feel."}\n```');
    const decision = await defaultTeam.routeWithModel({ text: 'make it pop' }, provider, signal);
    expect(decision).toEqual({ agent: 'creative-designer', skill: 'creative-concepts', via: 'model', reason: 'Model router: It asks for a look and feel.' });
    const request = provider.requests[0]!;
    expect(request.purpose).toEqual({ kind: 'routing' });
    expect(request.system[0]!.text).toContain('content-creator');
    expect(request.messages[0]!.content).toContain('make it pop');
  });

  it('rejects an answer naming an unknown agent, a skill it does not own, or no reason', async () => {
    for (const answer of [
      '{"agent": "growth-hacker", "skill": "ad-copy", "reason": "r"}',
      '{"agent": "data-analyst", "skill": "ad-copy", "reason": "r"}',
      '{"agent": "data-analyst"}',
      'I think the designer.',
    ]) {
      await expect(defaultTeam.routeWithModel({ text: 'make it pop' }, fakeProvider(answer), signal)).rejects.toMatchObject({
        name: 'RoutingError',
        code: 'invalid_model_answer',
      });
    }
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(defaultTeam.routeWithModel({ text: 'make it pop' }, fakeProvider('{}'), controller.signal)).rejects.toThrow();
  });
});
