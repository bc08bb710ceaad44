import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AD_PLATFORM_LIMITS,
  SOCIAL_CHANNEL_LIMITS,
  buildSkillRequest,
  createDefaultTeam,
  defineBrand,
  parseDeliverable,
  type CampaignBriefInput,
  type Deliverable,
  type DeliverableKind,
  type ModelPurpose,
  type Team,
} from '@marketing-team/core';
import { offlineDraft } from './offline-draft.js';
import { escapeMarkup } from './_offline-context.js';
import { audienceNoun } from './_offline-copy.js';

/** A brand that is not the sample one, with banned terms a naive draft would use. */
const notely = defineBrand({
  name: 'Notely',
  voiceGuide: 'Calm, clear and friendly. Short sentences. Speak to the reader as "you".',
  styleGuide: 'Sentence case headings. American English.',
  strategy: 'Make Notely the note-taking app product teams reach for after every meeting.',
  audience: 'Product managers and designers at software companies who sit in too many meetings.',
  products: [
    { name: 'Notely', description: 'Note-taking app with shared notebooks.' },
    { name: 'Notely AI Recap', description: 'Meeting summaries and action items written for you after every call.' },
  ],
  bannedTerms: ['revolutionary', 'game-changer', 'results faster'],
  requiredDisclaimers: ['Free for teams of up to 5.'],
  palette: ['#2b2d42', '#ef8354', '#f4f4f9'],
});
const team = createDefaultTeam(notely);

/** Deliverable kinds whose text a customer sees. */
const PUBLIC_KINDS: readonly DeliverableKind[] = ['social-posts', 'ad-copy', 'landing-page', 'creative-concepts'];
const PLACEHOLDER = /placeholder|\bTBD\b|lorem|\[[^\]\n]*\]|\(\s*(?:insert|add|your|customer quote)[^)]*\)/i;
const CONNECTORS = /(?:^|\s)(?:a|an|the|and|or|of|for|with|in|to|at|by|from|who|that|which)$/iu;

/** Runs every task of the default team's plan offline, feeding each draft to its dependants. */
function runCampaign(brief: CampaignBriefInput, steers: string[] = [], withTeam: Team = team): Map<DeliverableKind, Deliverable> {
  const out = new Map<DeliverableKind, Deliverable>();
  const byTask = new Map<string, Deliverable>();
  for (const task of withTeam.planCampaign(brief, { runId: 'run-1' })) {
    const inputs = task.dependsOn.map((dep) => byTask.get(dep)!);
    const request = buildSkillRequest({ team: withTeam, skill: task.skill, brief, inputs, steers });
    const purpose = request.purpose as Extract<ModelPurpose, { kind: 'skill' }>;
    const deliverable = parseDeliverable({
      kind: purpose.deliverable,
      text: offlineDraft(purpose),
      id: `d-${task.id}`,
      runId: 'run-1',
      taskId: task.id,
      agent: task.agent,
      skill: task.skill,
      offline: true,
      brand: withTeam.brand,
    });
    byTask.set(task.id, deliverable);
    out.set(deliverable.kind, deliverable);
  }
  return out;
}

/** Every string a deliverable carries: its Markdown and each string of its data. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/** Brief fields that must never be pasted: long enough to be a phrase, not a name. */
function pasteable(texts: readonly (string | undefined)[]): string[] {
  return texts
    .map((text) => (text ?? '').trim())
    .filter((text) => text.length > 12 && text.split(/\s+/).length > 3);
}

function expectNoPaste(deliverable: Deliverable, fields: readonly string[]): void {
  const text = strings({ markdown: deliverable.markdown, data: deliverable.data }).join('\n');
  const lower = text.toLowerCase();
  for (const field of fields) {
    for (const form of [field, escapeMarkup(field)]) {
      expect({ kind: deliverable.kind, pasted: lower.includes(form.toLowerCase()) ? form : '' }).toEqual({ kind: deliverable.kind, pasted: '' });
    }
  }
  expect({ kind: deliverable.kind, placeholder: PLACEHOLDER.exec(text)?.[0] ?? '' }).toEqual({ kind: deliverable.kind, placeholder: '' });
}

/** Headlines of the public deliverables with their limits. */
function headlines(drafts: Map<DeliverableKind, Deliverable>): Array<{ text: string; limit: number }> {
  const found: Array<{ text: string; limit: number }> = [];
  const ads = drafts.get('ad-copy');
  if (ads?.kind === 'ad-copy') {
    for (const variant of ads.data.variants) {
      const limit = AD_PLATFORM_LIMITS[variant.platform as keyof typeof AD_PLATFORM_LIMITS]?.headline ?? 70;
      found.push({ text: variant.headline, limit });
    }
  }
  const page = drafts.get('landing-page');
  if (page?.kind === 'landing-page') found.push({ text: page.data.headline, limit: 70 });
  return found;
}

// Words from an alphabet a template never spells (accents, ß, CJK, digits), so a pasted field
// cannot be mistaken for the draft's own words.
const word = fc
  .array(fc.constantFrom(...'aeioukltrnsmpdzé ßøñ語文化123'.replace(/ /g, '').split('')), { minLength: 3, maxLength: 10 })
  .map((chars) => chars.join(''));
const phrase = (min: number, max: number) =>
  fc
    .tuple(fc.uniqueArray(word, { minLength: min, maxLength: max }), fc.constantFrom('', '.', ',', '!', ' (50-500 staff)', ': now', '?'))
    .map(([words, tail]) => `${words.join(' ')}${tail}`);
const steerText = fc.oneof(
  phrase(4, 12),
  phrase(3, 8).map((text) => `Make the tone more playful ${text}`),
  phrase(3, 8).map((text) => `Shorter please, ${text}`),
);
const briefs = fc.record(
  {
    goal: phrase(4, 40),
    audience: phrase(4, 25),
    notes: phrase(4, 30),
    product: fc.constantFrom('Notely AI Recap', 'Notely', undefined),
    channels: fc.subarray(['linkedin', 'x', 'instagram', 'facebook', 'tiktok', 'threads'] as const, { minLength: 1 }),
  },
  { requiredKeys: ['goal', 'audience', 'notes', 'channels'] },
);

describe('offline public copy', () => {
  it('never pastes the brief or a steer, never shows a placeholder or a banned term, and keeps headlines whole', () => {
    fc.assert(
      fc.property(briefs, fc.array(steerText, { maxLength: 2 }), (input, steers) => {
        const brief: CampaignBriefInput = { ...input, channels: [...input.channels] };
        if (brief.product === undefined) delete brief.product;
        const drafts = runCampaign(brief, steers);
        const fields = pasteable([brief.goal, brief.audience, brief.notes, ...steers]);
        for (const kind of PUBLIC_KINDS) expectNoPaste(drafts.get(kind)!, fields);
        for (const kind of PUBLIC_KINDS) {
          const text = strings(drafts.get(kind)!.data).join('\n').toLowerCase();
          for (const term of notely.bannedTerms) expect(text).not.toContain(term.toLowerCase());
          expect(text).not.toContain('…');
        }
        for (const { text, limit } of headlines(drafts)) {
          expect([...text].length).toBeLessThanOrEqual(limit);
          expect(text.trim()).toBe(text);
          expect(text).not.toMatch(CONNECTORS);
          expect(text).not.toMatch(/[-,:;(…]$/);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('never cuts an audience inside its "of" part, where a dangling adjective would be left', () => {
    expect(audienceNoun('Owners of independent cafés in UK cities')).toBe('owners of independent cafés');
    expect(audienceNoun('Managers of small and medium businesses')).toBe('managers');
    expect(audienceNoun('Heads of marketing at SaaS firms')).toBe('heads of marketing');
    expect(audienceNoun('IT admins and product managers at 50-500 person software companies')).toBe('IT admins');
    expect(audienceNoun('Busy parents of toddlers')).toBe('parents of toddlers');
    // Four words, but past 32 characters: cut before "of", not inside it.
    expect(audienceNoun('Coordinators of international logistics')).toBe('coordinators');
  });

  it('writes a short audience phrase and the product, not the sample brand, for a realistic brief', () => {
    const brief: CampaignBriefInput = {
      goal: 'Get 500 trial signups for Notely AI Recap from product teams before the Q3 planning season',
      audience: 'IT admins and product managers at 50-500 person software companies',
      product: 'Notely AI Recap',
      channels: ['linkedin', 'x'],
      notes: 'Lean on the integration with Google Meet and Zoom; no discounts this quarter',
    };
    const drafts = runCampaign(brief, ['Make the tone more playful and keep it light']);
    const everything = JSON.stringify([...drafts.values()]);
    expect(everything).not.toContain('Brewline');
    expect(everything).not.toMatch(/café/i);
    for (const kind of PUBLIC_KINDS) expectNoPaste(drafts.get(kind)!, pasteable([brief.goal, brief.audience, brief.notes, 'Make the tone more playful and keep it light']));
    const posts = drafts.get('social-posts')!;
    if (posts.kind !== 'social-posts') throw new Error('kind');
    for (const post of posts.data.posts) {
      expect(post.text).toContain('Notely AI Recap');
      expect(post.text).not.toMatch(/\(Make the tone/);
      expect(post.text).not.toMatch(/admins at 50/);
    }
    const page = drafts.get('landing-page')!;
    if (page.kind !== 'landing-page') throw new Error('kind');
    expect(page.data.html).not.toMatch(/customer quote|placeholder/i);
    // the strategy, an internal deliverable, records the steer
    expect(drafts.get('campaign-strategy')!.markdown).toContain('Make the tone more playful');
  });

  it('changes the copy when steered: playful differs, shorter is shorter', () => {
    const brief: CampaignBriefInput = { goal: 'Launch Notely AI Recap to product teams this spring', channels: ['linkedin', 'instagram'] };
    const plain = runCampaign(brief);
    const playful = runCampaign(brief, ['Make the tone more playful']);
    const shorter = runCampaign(brief, ['Shorter, please']);
    const postsOf = (drafts: Map<DeliverableKind, Deliverable>) => {
      const posts = drafts.get('social-posts')!;
      if (posts.kind !== 'social-posts') throw new Error('kind');
      return posts.data.posts.map((post) => post.text);
    };
    expect(postsOf(playful)).not.toEqual(postsOf(plain));
    for (const text of [...postsOf(playful), ...postsOf(shorter)]) expect(text).not.toMatch(/playful|please/i);
    postsOf(shorter).forEach((text, i) => expect(text.length).toBeLessThan(postsOf(plain)[i]!.length));
    const adsOf = (drafts: Map<DeliverableKind, Deliverable>) => {
      const ads = drafts.get('ad-copy')!;
      if (ads.kind !== 'ad-copy') throw new Error('kind');
      return ads.data.variants.map((variant) => variant.description);
    };
    // a description already at the platform's limit cannot lose its closing line twice
    adsOf(shorter).forEach((text, i) => expect(text.length).toBeLessThanOrEqual(adsOf(plain)[i]!.length));
    expect(adsOf(shorter).join('').length).toBeLessThan(adsOf(plain).join('').length);
    // the same brief and steer give the same draft
    expect(postsOf(runCampaign(brief, ['Make the tone more playful']))).toEqual(postsOf(playful));
  });
});
