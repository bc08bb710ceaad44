import { buildSkillRequest, createDefaultTeam } from '@marketing-team/core';
import { describe, expect, it } from 'vitest';
import { offlineDraft } from '../models/offline/offline-draft.js';
import { MAX_FEEDBACK_CHARS, regenerationFeedback } from './_regeneration-feedback.js';

const team = createDefaultTeam();
const brief = { goal: 'Launch the spring collection to weekend hikers', channels: ['instagram' as const] };

describe('regenerationFeedback', () => {
  it('lets a long deliverable be written again: the request is built and the offline model writes it', () => {
    const previous = `# Landing page\n\n${'A paragraph about the trail shoes that goes on. '.repeat(200)}`;
    expect(previous.length).toBeGreaterThan(9000);
    const feedback = regenerationFeedback('Shorter, and name the price', previous);
    expect(feedback.length).toBeLessThanOrEqual(MAX_FEEDBACK_CHARS);
    expect(feedback.startsWith('Shorter, and name the price\n\nThe version to write again:\n# Landing page')).toBe(true);
    expect(feedback.endsWith('…')).toBe(true);
    const request = buildSkillRequest({ team, skill: 'social-posts', brief, reviewFeedback: [feedback] });
    expect(request.messages[0]!.content).toContain('Shorter, and name the price');
    expect(offlineDraft(request.purpose).length).toBeGreaterThan(0);
  });

  it('keeps a short version whole', () => {
    expect(regenerationFeedback('Warmer', 'Hello trail')).toBe('Warmer\n\nThe version to write again:\nHello trail');
  });
});
