import {
  buildReferenceAnalysisRequest,
  buildRoutingRequest,
  buildSkillRequest,
  createDefaultTeam,
  parseDeliverable,
  parseRoutingAnswer,
  type ModelStreamEvent,
} from '@marketing-team/core';
import { describe, expect, it } from 'vitest';
import { createOfflineProvider, offlineAnswer, wordChunks } from './offline-provider.js';

const team = createDefaultTeam();
const brief = { goal: 'Launch the trail shoe to weekend hikers' };
const skillRequest = buildSkillRequest({ team, skill: 'social-posts', brief });

async function collect(stream: AsyncIterable<ModelStreamEvent>, onEvent?: (event: ModelStreamEvent) => void) {
  const events: ModelStreamEvent[] = [];
  for await (const event of stream) {
    events.push(event);
    onEvent?.(event);
  }
  return events;
}

describe('createOfflineProvider', () => {
  it('streams a deterministic, parseable draft in word-sized chunks, labelled offline and free', async () => {
    const provider = createOfflineProvider({ tokensPerSecond: 100_000 });
    const first = await collect(provider.stream(skillRequest, new AbortController().signal));
    const second = await collect(createOfflineProvider({ tokensPerSecond: 100_000 }).stream(skillRequest, new AbortController().signal));
    const text = first.flatMap((event) => (event.type === 'text' ? [event.text] : [])).join('');
    expect(second).toEqual(first);
    expect(text).toBe(offlineAnswer(skillRequest));
    for (const event of first) if (event.type === 'text') expect(event.text.trim().split(/\s+/).length).toBeLessThanOrEqual(1);
    expect(text).toContain(team.brand.name);
    const deliverable = parseDeliverable({ kind: 'social-posts', text, id: 'd1', runId: 'r1', taskId: 't1', agent: 'content-creator', skill: 'social-posts', offline: true });
    expect(deliverable.issues.filter((issue) => issue.message.startsWith('invalid_output'))).toEqual([]);
    expect(provider).toMatchObject({ provider: 'offline', offline: true });
    expect(provider.cost({ inputTokens: 1e6, outputTokens: 1e6, cacheReadTokens: 0, cacheWriteTokens: 0 })).toBe(0);
  });

  it('counts usage: one output token per chunk, the brand prefix as a cache write once and a read after', async () => {
    const provider = createOfflineProvider({ tokensPerSecond: 100_000 });
    const usageOf = (events: ModelStreamEvent[]) => events.find((event) => event.type === 'usage');
    const first = await collect(provider.stream(skillRequest, new AbortController().signal));
    const again = await collect(provider.stream(buildSkillRequest({ team, skill: 'ad-copy', brief }), new AbortController().signal));
    const chunks = first.filter((event) => event.type === 'text').length;
    expect(usageOf(first)).toMatchObject({ usage: { outputTokens: chunks, cacheReadTokens: 0 } });
    expect(usageOf(first)?.type === 'usage' && usageOf(first)!.usage.cacheWriteTokens).toBeGreaterThan(0);
    expect(usageOf(again)?.type === 'usage' && usageOf(again)!.usage.cacheReadTokens).toBeGreaterThan(0);
    expect(usageOf(again)).toMatchObject({ usage: { cacheWriteTokens: 0 } });
  });

  it('stops mid-stream on abort with an AbortError, after reporting the usage so far', async () => {
    // 200 chunks per second: a full draft takes seconds, so finishing at all would mean the abort was missed.
    const provider = createOfflineProvider({ tokensPerSecond: 200 });
    const controller = new AbortController();
    const seen: ModelStreamEvent[] = [];
    const error = await collect(provider.stream(skillRequest, controller.signal), (event) => {
      seen.push(event);
      if (seen.length === 3) controller.abort();
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(seen.at(-1)).toMatchObject({ type: 'usage', usage: { outputTokens: 3 } });
    expect(seen.filter((event) => event.type === 'text').length).toBe(3);
  });

  it('answers routing requests with a valid decision for the team', async () => {
    const table = { agents: team.agents, rules: team.rules, agent: team.agent, ownerOf: team.ownerOf, skillFor: team.skillFor };
    const request = buildRoutingRequest(table, 'We need fresh Instagram captions and hashtags for the launch', { maxTokens: 400 });
    const answer = offlineAnswer(request);
    const decision = parseRoutingAnswer(table, answer);
    expect(decision.agent).toBe(team.ownerOf('social-posts')!.name);
    expect(decision.reason.length).toBeGreaterThan(10);
  });

  it('answers reference analysis with a report measured from the template', () => {
    const request = buildReferenceAnalysisRequest({ name: 'launch-post.md', content: '# Big news\n\nYou asked, we listened.\n\n- Lighter\n- Faster\n' });
    const report = offlineAnswer(request);
    expect(report).toContain('# Reference analysis: launch-post.md');
    expect(report).toContain('"Big news"');
    expect(report).toContain('2 list items');
  });

  it('splits text into chunks that join back to the text', () => {
    const text = '  Hello,  world!\nNew line\t tab ';
    expect(wordChunks(text).join('')).toBe(text);
  });

  it('rejects bad options with an error naming the field', () => {
    expect(() => createOfflineProvider({ tokensPerSecond: 0 })).toThrow(/tokensPerSecond/);
  });
});
