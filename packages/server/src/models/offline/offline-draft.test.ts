import { describe, expect, it } from 'vitest';
import {
  DeliverableKindSchema,
  SOCIAL_CHANNEL_LIMITS,
  buildSkillRequest,
  countCharacters,
  defaultTeam,
  parseDeliverable,
  type Deliverable,
  type DeliverableKind,
  type ModelPurpose,
} from '@marketing-team/core';
import { offlineDraft } from './offline-draft.js';

/** Minimal XML well-formedness check: every tag closes in order, attributes are quoted. */
function assertWellFormed(markup: string): void {
  const stack: string[] = [];
  const body = markup.replace(/<!doctype[^>]*>/i, '').replace(/<!--[\s\S]*?-->/g, '');
  for (const match of body.matchAll(/<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+(?:="[^"]*")?)*)\s*(\/?)>/g)) {
    const [, closing, name, , selfClosing] = match;
    if (selfClosing || ['meta', 'br', 'img', 'link', 'input', 'hr'].includes(name!.toLowerCase())) continue;
    if (closing) expect(stack.pop()).toBe(name);
    else stack.push(name!);
  }
  expect(stack).toEqual([]);
  expect(body.replace(/<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+(?:="[^"]*")?)*)\s*(\/?)>/g, '')).not.toMatch(/[<>]/);
}

const brief = { goal: 'Launch Brewline Payroll to café owners before the spring rush', channels: ['x', 'linkedin', 'instagram', 'threads', 'tiktok', 'facebook'] as const };

function runAll(steers: string[] = []): Map<DeliverableKind, { text: string; deliverable: Deliverable }> {
  const out = new Map<DeliverableKind, { text: string; deliverable: Deliverable }>();
  const tasks = defaultTeam.planCampaign({ ...brief, channels: [...brief.channels] }, { runId: 'run-1' });
  for (const task of tasks) {
    const inputs = task.dependsOn.map((dep) => [...out.values()].find((entry) => entry.deliverable.taskId === dep)!.deliverable);
    const request = buildSkillRequest({ team: defaultTeam, skill: task.skill, brief: { ...brief, channels: [...brief.channels] }, inputs, steers });
    const purpose = request.purpose as Extract<ModelPurpose, { kind: 'skill' }>;
    const text = offlineDraft(purpose);
    const deliverable = parseDeliverable({
      kind: purpose.deliverable,
      text,
      id: `d-${task.skill}`,
      runId: 'run-1',
      taskId: task.id,
      agent: task.agent,
      skill: task.skill,
      offline: true,
      brand: defaultTeam.brand,
    });
    out.set(purpose.deliverable, { text, deliverable });
  }
  return out;
}

describe('offlineDraft', () => {
  const drafts = runAll();

  it('writes every deliverable kind in a format that parses with no issues', () => {
    expect([...drafts.keys()].sort()).toEqual([...DeliverableKindSchema.options].sort());
    for (const [kind, { deliverable }] of drafts) {
      expect({ kind, issues: deliverable.issues }).toEqual({ kind, issues: [] });
      expect(deliverable.markdown.length).toBeGreaterThan(50);
    }
  });

  it('is deterministic', () => {
    const again = runAll();
    for (const [kind, { text }] of drafts) expect(again.get(kind)!.text).toBe(text);
  });

  it('is brand-aware and builds on its inputs', () => {
    const research = drafts.get('research-brief')!.deliverable;
    expect(research.markdown).toContain('Brewline Payroll');
    expect(research.markdown).toContain('café');
    const strategy = drafts.get('campaign-strategy')!.deliverable;
    if (strategy.kind !== 'campaign-strategy') throw new Error('kind');
    expect(strategy.data.channels.map((c) => c.channel)).toEqual(expect.arrayContaining(['X', 'LinkedIn', 'Instagram']));
    const posts = drafts.get('social-posts')!.deliverable;
    if (posts.kind !== 'social-posts') throw new Error('kind');
    // posts carry the strategy's first key message
    expect(posts.data.posts[0]!.text.toLowerCase()).toContain(strategy.data.keyMessages[0]!.slice(0, 20).toLowerCase());
    expect(posts.data.posts.map((p) => p.channel)).toEqual([...brief.channels]);
    // Networks are named as people write them, never as their ids ("Linkedin", "x").
    expect(posts.markdown).toMatch(/^## LinkedIn \(/m);
    expect(posts.markdown).not.toMatch(/Linkedin|^## x /m);
    for (const post of posts.data.posts) {
      expect(post.characterCount).toBeLessThanOrEqual(SOCIAL_CHANNEL_LIMITS[post.channel].characters);
      expect(post.hashtags.length).toBeLessThanOrEqual(SOCIAL_CHANNEL_LIMITS[post.channel].hashtags);
      expect(post.text).toContain('30-day free trial; no card needed.');
      expect(post.characterCount).toBe(countCharacters(post.text, post.channel));
    }
  });

  it('writes a complete landing page and a valid SVG banner in the brand palette', () => {
    const page = drafts.get('landing-page')!.deliverable;
    if (page.kind !== 'landing-page') throw new Error('kind');
    expect(page.data.html).toMatch(/^<!doctype html>\s*<html lang="en">/);
    expect(page.data.html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect(page.data.html).toContain('#3b2416');
    assertWellFormed(page.data.html);
    const creative = drafts.get('creative-concepts')!.deliverable;
    if (creative.kind !== 'creative-concepts') throw new Error('kind');
    expect(creative.data.bannerSvg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="1200" height="628"/);
    expect(creative.data.bannerSvg).toContain('#e0a458');
    assertWellFormed(creative.data.bannerSvg);
    const plan = drafts.get('measurement-plan')!.deliverable;
    if (plan.kind !== 'measurement-plan') throw new Error('kind');
    expect(plan.data.kpis.length).toBeGreaterThanOrEqual(4);
  });

  it('writes ad variants only for the platforms of the brief\'s channels', () => {
    const request = buildSkillRequest({ team: defaultTeam, skill: 'ad-copy', brief: { goal: 'Launch the bottle', channels: ['x', 'instagram'] } });
    const text = offlineDraft(request.purpose);
    const ads = parseDeliverable({ kind: 'ad-copy', text, id: 'd', runId: 'r', taskId: 't', agent: 'content-creator', skill: 'ad-copy', brand: defaultTeam.brand });
    if (ads.kind !== 'ad-copy') throw new Error('kind');
    expect([...new Set(ads.data.variants.map((variant) => variant.platform))].sort()).toEqual(['google', 'meta', 'x']);
    expect(text.toLowerCase()).not.toContain('linkedin');
  });

  it('applies steering visibly', () => {
    const steered = runAll(['Keep it short and add urgency: the offer ends Friday']);
    for (const [, { deliverable }] of steered) {
      expect(deliverable.issues).toEqual([]);
      expect(deliverable.markdown).toContain('Steering applied');
    }
    const ads = steered.get('ad-copy')!.deliverable;
    if (ads.kind !== 'ad-copy') throw new Error('kind');
    expect(ads.data.variants[0]!.callToAction).toBe('Start now');
    expect(steered.get('social-posts')!.text).not.toBe(drafts.get('social-posts')!.text);
  });

  it('escapes brief text in HTML and SVG, and never writes banned terms', () => {
    const request = buildSkillRequest({
      team: defaultTeam,
      skill: 'landing-page',
      brief: { goal: '<img src=x onerror=alert(1)> cheap synergy for all' },
    });
    const text = offlineDraft(request.purpose);
    const page = parseDeliverable({ kind: 'landing-page', text, ...{ id: 'd', runId: 'r', taskId: 't', agent: 'content-creator', skill: 'landing-page' }, brand: defaultTeam.brand });
    if (page.kind !== 'landing-page') throw new Error('kind');
    expect(page.data.html).not.toContain('<img');
    expect(page.issues).toEqual([]);
    expect(text.toLowerCase()).not.toMatch(/\bcheap\b|\bsynergy\b/);
  });

  it('refuses purposes that are not skill requests', () => {
    expect(() => offlineDraft({ kind: 'routing' })).toThrow(/purpose.kind/);
  });
});

describe('offlineDraft input validation', () => {
  it('names the bad purpose field', () => {
    const request = buildSkillRequest({ team: defaultTeam, skill: 'ad-copy', brief: { goal: 'x' } });
    const purpose = { ...(request.purpose as Extract<ModelPurpose, { kind: 'skill' }>), brief: { goal: '' } } as ModelPurpose;
    expect(() => offlineDraft(purpose)).toThrow(/purpose\.brief\.goal/);
  });
});
