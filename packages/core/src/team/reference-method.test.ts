import { describe, expect, it } from 'vitest';
import { analyzeReference, defineAgent, defineTeam, isSkillStale, sampleBrand, skillFromReference, staleReferences, templateHash, buildSkillRequest, type ModelProvider, type ModelRequest } from '../index.js';

const template = { name: 'launch-post.md', content: '☕ Big news for café owners!\n\nWe just launched...\n\n#Brewline' };

function reportingProvider(report: string): ModelProvider & { requests: ModelRequest[] } {
  const requests: ModelRequest[] = [];
  return {
    provider: 'fake',
    model: 'analyst',
    offline: true,
    requests,
    async *stream(request) {
      requests.push(request);
      for (const word of report.split(/(?<= )/)) yield { type: 'text', text: word };
    },
    cost: () => 0,
  };
}

describe('Reference-Based Method', () => {
  it('has the model analyse a template and returns the report with the template hash', async () => {
    const provider = reportingProvider('## Structure\nEmoji opener, one-line news, hashtag close.\n');
    const result = await analyzeReference({ template, provider, signal: new AbortController().signal });
    expect(result.report).toBe('## Structure\nEmoji opener, one-line news, hashtag close.');
    expect(result.templateHash).toBe(templateHash(template));
    expect(provider.requests[0]!.purpose).toEqual({ kind: 'reference-analysis', templateName: 'launch-post.md' });
    expect(provider.requests[0]!.messages[0]!.content).toContain('Big news for café owners');
  });

  it('refuses an empty report', async () => {
    await expect(analyzeReference({ template, provider: reportingProvider('  '), signal: new AbortController().signal })).rejects.toThrow(/empty/);
  });

  it('builds a skill whose instructions carry the report, and detects a changed template', async () => {
    const analysis = await analyzeReference({ template, provider: reportingProvider('Emoji opener; under 200 characters.'), signal: new AbortController().signal });
    const skill = skillFromReference({ name: 'launch-posts', description: 'Launch posts like ours', output: 'social-posts', template, report: analysis });
    expect(skill.referenceReport).toBe('Emoji opener; under 200 characters.');
    expect(skill.references[0]).toEqual({ name: 'launch-post.md', content: template.content, hash: analysis.templateHash });
    const team = defineTeam({
      brand: sampleBrand,
      agents: [defineAgent({ name: 'writer', title: 'Writer', description: 'Writes', systemPrompt: 'You write.', skills: [skill] })],
    });
    expect(buildSkillRequest({ team, skill: 'launch-posts', brief: { goal: 'x' } }).system[1]!.text).toContain('Emoji opener; under 200 characters.');

    expect(isSkillStale(skill, template)).toBe(false);
    expect(isSkillStale(skill, { ...template, content: `${template.content}\nP.S. new footer` })).toBe(true);
    expect(isSkillStale(skill, { name: 'other.md', content: template.content })).toBe(true);
    expect(staleReferences(skill)).toEqual([]);
  });
});
