import { describe, expect, it } from 'vitest';
import { buildSkillRequest, createDefaultTeam, parseDeliverable, readVariantRequest, variantGuidance, variantRequest } from '@marketing-team/core';
import { offlineDraft } from './offline-draft.js';

const team = createDefaultTeam();
const brief = { goal: 'Launch the spring collection to weekend hikers', channels: ['x', 'linkedin', 'instagram', 'threads'] as ('x' | 'linkedin' | 'instagram' | 'threads')[] };

function write(skill: string, guidance: string[] = []) {
  const request = buildSkillRequest({ team, skill, brief, reviewFeedback: guidance });
  return parseDeliverable({ text: offlineDraft(request.purpose), id: 'd', runId: 'r', taskId: 't', agent: team.ownerOf(skill)!.name, skill, offline: true, kind: team.skill(skill)!.output });
}

describe('offline variants', () => {
  it('reads back the variant its guidance asks for, whatever precedes it, and clips a long current version', () => {
    const guidance = variantGuidance(variantRequest(1, 'Mention the free trial'), { markdown: 'x'.repeat(10_000) });
    expect(guidance.length).toBeLessThanOrEqual(1900);
    expect(readVariantRequest(['shorter', `Reviewer feedback on your previous version: ${guidance}`])).toEqual({
      variant: { letter: 'B', angle: 'scene', instruction: 'Mention the free trial' },
      rest: ['shorter'],
    });
    expect(readVariantRequest(['Variant B of nothing'])).toBeUndefined();
  });

  for (const skill of ['social-posts', 'ad-copy']) {
    it(`writes ${skill} variants that open differently from each other and from the current version, within limits`, () => {
      const current = write(skill);
      const variants = [0, 1, 2, 3].map((index) => write(skill, [variantGuidance(variantRequest(index), current)]));
      const openings = [current, ...variants].map((deliverable) => {
        expect(deliverable.issues.filter((issue) => !issue.repaired)).toEqual([]);
        if (deliverable.kind === 'social-posts') {
          for (const post of deliverable.data.posts) expect(post.characterCount).toBeLessThanOrEqual(post.characterLimit);
          return deliverable.data.posts.map((post) => post.text.split(/[.!?]/u)[0]).join('|');
        }
        if (deliverable.kind === 'ad-copy') return deliverable.data.variants.map((ad) => `${ad.headline}/${ad.description}`).join('|');
        throw new Error(`unexpected ${deliverable.kind}`);
      });
      expect(new Set(openings).size).toBe(openings.length);
    });
  }

  it("keeps the person's instruction as a steer of the tone", () => {
    const current = write('social-posts');
    const urgent = write('social-posts', [variantGuidance(variantRequest(0, 'Add urgency: the offer ends Friday'), current)]);
    if (urgent.kind !== 'social-posts') throw new Error('social posts');
    expect(urgent.data.posts.some((post) => post.text.includes('ends soon'))).toBe(true);
  });
});
