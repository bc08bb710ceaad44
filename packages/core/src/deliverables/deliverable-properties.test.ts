import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DeliverableKindSchema,
  DeliverableSchema,
  parseDeliverable,
} from '../index.js';
import { SOCIAL_CHANNEL_LIMITS, countCharacters, repairSocialPost } from './channel-limits.js';
import { SocialChannelSchema } from '../protocol/index.js';

const ids = { id: 'd1', runId: 'r1', taskId: 't1', agent: 'content-creator', skill: 'social-posts' };
const kind = fc.constantFrom(...DeliverableKindSchema.options);

describe('parseDeliverable on arbitrary model text', () => {
  it('never throws and always returns a valid deliverable', () => {
    fc.assert(
      fc.property(kind, fc.string({ maxLength: 400 }), fc.jsonValue({ maxDepth: 4 }), fc.boolean(), (k, prose, json, fenced) => {
        const text = fenced ? `${prose}\n\`\`\`json\n${JSON.stringify(json)}\n\`\`\`` : `${prose}${JSON.stringify(json)}`;
        const deliverable = parseDeliverable({ kind: k, text, ...ids, brand: { bannedTerms: ['cheap'], requiredDisclaimers: ['Terms apply.'] } });
        expect(DeliverableSchema.safeParse(deliverable).success).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('repairSocialPost', () => {
  it('always fits the channel limits and reports the true character count', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SocialChannelSchema.options),
        fc.string({ maxLength: 3500, unit: 'grapheme' }),
        fc.array(fc.stringMatching(/^[A-Za-z0-9_]{1,12}$/), { maxLength: 12 }),
        fc.array(fc.string({ minLength: 1, maxLength: 60 }).filter((s) => s.trim().length > 0), { maxLength: 2 }),
        (channel, text, hashtags, disclaimers) => {
          const { post } = repairSocialPost({ channel, text, hashtags }, { path: 'p', requiredDisclaimers: disclaimers });
          const limit = SOCIAL_CHANNEL_LIMITS[channel];
          expect(post.characterCount).toBe(countCharacters(post.text, channel));
          expect(post.characterCount).toBeLessThanOrEqual(limit.characters);
          expect(post.hashtags.length).toBeLessThanOrEqual(limit.hashtags);
        },
      ),
      { numRuns: 300 },
    );
  });
});
