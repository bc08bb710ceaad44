import { describe, expect, it } from 'vitest';
import { DeliverableSchema, TeamDefinitionError, parseDeliverable, type DeliverableKind } from '../index.js';
import { SOCIAL_CHANNEL_LIMITS, countCharacters } from './channel-limits.js';

const ids = { id: 'd1', runId: 'r1', taskId: 'r1:t', agent: 'content-creator', skill: 'social-posts' };
const brand = { bannedTerms: ['synergy', 'cheap'], requiredDisclaimers: ['Terms apply.'] };
const answer = (markdown: string, data: unknown) => `${markdown}\n\n\`\`\`json\n${JSON.stringify(data, null, 2)}\n\`\`\`\n`;
const parse = (kind: DeliverableKind, text: string, withBrand = true) =>
  parseDeliverable({ kind, text, ...ids, ...(withBrand ? { brand } : {}) });

describe('parseDeliverable', () => {
  it('splits readable Markdown from the JSON data and takes the title from the heading', () => {
    const d = parse('research-brief', answer('# Café research\n\nFindings.', { summary: 's', audienceInsights: ['a'], marketTrends: [], opportunities: ['o'] }), false);
    expect(d).toMatchObject({ kind: 'research-brief', title: 'Café research', markdown: '# Café research\n\nFindings.', issues: [] });
    expect(d.data).toEqual({ summary: 's', audienceInsights: ['a'], marketTrends: [], opportunities: ['o'] });
    expect(DeliverableSchema.safeParse(d).success).toBe(true);
  });

  it('flags a missing, broken or truncated JSON block without throwing', () => {
    const missing = parse('campaign-strategy', '# Strategy\n\nJust prose.', false);
    expect(missing.issues[0]).toMatchObject({ field: 'data', repaired: false, message: expect.stringContaining('invalid_output') });
    expect(missing.data).toMatchObject({ positioning: expect.stringContaining('Just prose'), keyMessages: [] });
    const broken = parse('ad-copy', '# Ads\n```json\n{"variants": [{"platform": "google",,}]}\n```', false);
    expect(broken.issues.map((i) => i.message).join()).toContain('invalid_output: the json block does not parse');
    expect(broken.markdown).toBe('# Ads');
    const truncated = parse('measurement-plan', '# Plan\n```json\n{"kpis": [', false);
    expect(truncated.issues.map((i) => i.message).join()).toContain('not closed');
    for (const kind of ['research-brief', 'competitor-snapshot', 'social-posts', 'landing-page', 'creative-concepts'] as const) {
      expect(DeliverableSchema.safeParse(parse(kind, 'garbage ``` {')).success).toBe(true);
    }
  });

  it('repairs trailing commas in the JSON block', () => {
    const d = parse('measurement-plan', '# Plan\n```json\n{"kpis": [], "tools": ["GA4",],}\n```', false);
    expect(d.issues).toEqual([{ field: 'data', message: 'removed trailing commas from the json block', repaired: true }]);
    expect(d.data).toEqual({ kpis: [], tools: ['GA4'] });
  });

  it('keeps text written after the JSON block in the Markdown', () => {
    const d = parse('ad-copy', `# Ads\n\n\`\`\`json\n{"variants": []}\n\`\`\`\nLet me know what you think!`, false);
    expect(d.markdown).toBe('# Ads\n\nLet me know what you think!');
    expect(d.issues).toEqual([]);
  });

  it('coerces and cuts wrong field types and lengths, recording each', () => {
    const d = parse('competitor-snapshot', answer('# C', { competitors: [{ name: 42, positioning: 'p'.repeat(1500), strengths: 'many', weaknesses: [] }] }), false);
    expect(d.issues).toEqual(
      expect.arrayContaining([
        { field: 'data.competitors[0].name', message: 'expected text; converted', repaired: true },
        expect.objectContaining({ field: 'data.competitors[0].positioning', repaired: true }),
        expect.objectContaining({ field: 'data.competitors[0].strengths', repaired: false }),
      ]),
    );
    if (d.kind === 'competitor-snapshot') expect(d.data.competitors[0]!.positioning).toHaveLength(1000);
  });

  it('shortens over-long posts, trims hashtags per channel and recomputes counts', () => {
    const long = `${'Brewline keeps your books tidy while you pour. '.repeat(12)}#one #two #three`;
    const d = parse(
      'social-posts',
      answer('# Posts', {
        posts: [
          { channel: 'x', text: long, hashtags: ['one', 'two', 'three'] },
          { channel: 'threads', text: 'Short and sweet #a #b', hashtags: ['a', 'b'] },
          { channel: 'instagram', text: 'Morning rush, sorted.', hashtags: ['a', 'b', 'c', 'd', 'e', 'f', 'g'], characterCount: 3 },
          { channel: 'myspace', text: 'retro', hashtags: [] },
        ],
      }),
      false,
    );
    if (d.kind !== 'social-posts') throw new Error('kind');
    const [x, threads, instagram] = d.data.posts;
    expect(d.data.posts).toHaveLength(3);
    expect(countCharacters(x!.text, 'x')).toBeLessThanOrEqual(280);
    expect(x!.characterCount).toBe(countCharacters(x!.text, 'x'));
    expect(x!.characterLimit).toBe(SOCIAL_CHANNEL_LIMITS.x.characters);
    expect(x!.hashtags).toEqual(['one', 'two']);
    expect(x!.text).not.toContain('#three');
    expect(threads!.hashtags).toEqual(['a']);
    expect(threads!.text).toBe('Short and sweet #a');
    expect(instagram!.hashtags).toHaveLength(5);
    expect(instagram!.text).toContain('#e');
    expect(instagram!.characterCount).toBe(countCharacters(instagram!.text, 'instagram'));
    const fields = d.issues.map((i) => `${i.field}:${i.repaired}`);
    expect(fields).toEqual(
      expect.arrayContaining(['data.posts[0].text:true', 'data.posts[0].hashtags:true', 'data.posts[1].hashtags:true', 'data.posts[2].hashtags:true', 'data.posts[3].channel:false']),
    );
  });

  it('flags banned terms and appends required disclaimers', () => {
    const d = parse('social-posts', answer('# Posts\n\nPure synergy.', { posts: [{ channel: 'linkedin', text: 'Real synergy for cafés.', hashtags: [] }] }));
    if (d.kind !== 'social-posts') throw new Error('kind');
    expect(d.issues).toEqual(
      expect.arrayContaining([
        { field: 'data.posts[0].text', message: 'uses banned term "synergy"', repaired: false },
        { field: 'markdown', message: 'uses banned term "synergy"', repaired: false },
        { field: 'data.posts[0].text', message: 'appended required disclaimer: Terms apply.', repaired: true },
      ]),
    );
    expect(d.data.posts[0]!.text.endsWith('Terms apply.')).toBe(true);
    // the disclaimer travels beside the model's text, so no Markdown can hide it
    expect(d.markdown).not.toContain('Terms apply.');
    expect(d.disclaimers).toEqual(['Terms apply.']);
    // "cheaper" is not the banned word "cheap"
    expect(parse('research-brief', answer('# R\n\nCheaper tills. Terms apply.', { summary: 's', audienceInsights: [], marketTrends: [], opportunities: [] })).issues).toEqual([]);
  });

  it('repairs ad headlines and descriptions to each platform limit', () => {
    const d = parse(
      'ad-copy',
      answer('# Ads', {
        variants: [
          { platform: 'Google Ads', headline: 'Bookkeeping made for busy independent cafés', description: 'd'.repeat(10) + ' word'.repeat(30), callToAction: 'Start' },
          { platform: 'Meta', headline: 'Fine', description: 'Fine', callToAction: 'Go' },
        ],
      }),
      false,
    );
    if (d.kind !== 'ad-copy') throw new Error('kind');
    expect(countCharacters(d.data.variants[0]!.headline)).toBeLessThanOrEqual(30);
    expect(d.data.variants[0]!.headline).toBe('Bookkeeping made for busy');
    expect(countCharacters(d.data.variants[0]!.description)).toBeLessThanOrEqual(90);
    expect(d.issues.map((i) => i.field)).toEqual(['data.variants[0].headline', 'data.variants[0].description']);
  });

  it('makes landing pages complete documents without scripts, with disclaimers', () => {
    const d = parse('landing-page', answer('# Page', { headline: 'Hi', html: '<h1 onclick="steal()">Hi</h1><script>alert(1)</script><a href="javascript:x()">go</a>' }));
    if (d.kind !== 'landing-page') throw new Error('kind');
    expect(d.data.html).toMatch(/^<!doctype html>/);
    expect(d.data.html).toContain('</html>');
    expect(d.data.html).not.toMatch(/<script|onclick|javascript:/i);
    expect(d.data.html).toContain('<p>Terms apply.</p>');
    expect(d.issues.filter((i) => i.field === 'data.html').every((i) => i.repaired)).toBe(true);
  });

  it('checks banner SVGs', () => {
    const ok = parse('creative-concepts', answer('# C', { concepts: [], bannerSvg: '<svg viewBox="0 0 10 10"><rect onload="x()" width="10" height="10"/></svg>' }), false);
    if (ok.kind !== 'creative-concepts') throw new Error('kind');
    expect(ok.data.bannerSvg).toBe('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>');
    const bad = parse('creative-concepts', answer('# C', { concepts: [], bannerSvg: '<div>not svg</div>' }), false);
    expect(bad.issues.map((i) => i.message)).toContain('the banner is not an SVG document; removed');
  });

  it('rejects bad ids with a typed error naming the field', () => {
    try {
      parseDeliverable({ kind: 'ad-copy', text: '', ...ids, agent: 'Not An Agent' });
      throw new Error('expected an error');
    } catch (error) {
      expect(error).toBeInstanceOf(TeamDefinitionError);
      expect((error as TeamDefinitionError).issues[0]!.path).toBe('agent');
    }
  });
});

describe('parseDeliverable markup hygiene', () => {
  it('drops tags it cannot parse and keeps harmless text in attribute values', () => {
    const d = parseDeliverable({
      kind: 'landing-page',
      text: answer('# P', { headline: 'x', html: '<!doctype html><html><body><img/src=x onerror=alert(1)><p title="a onclick=b">ok</p></body></html>' }),
      ...ids,
    });
    if (d.kind !== 'landing-page') throw new Error('kind');
    expect(d.data.html).toBe('<!doctype html><html><body><p title="a onclick=b">ok</p></body></html>');
  });
});

describe('X weighted counting', () => {
  it('counts links as 23, emoji and CJK as 2, and never cuts an emoji in half', () => {
    expect(countCharacters('hello', 'x')).toBe(5);
    expect(countCharacters('see https://brewline.example/a/very/long/path?with=query', 'x')).toBe(4 + 23);
    expect(countCharacters('☕👩‍👩‍👧', 'x')).toBe(4);
    expect(countCharacters('咖啡', 'x')).toBe(4);
    expect(countCharacters('咖啡')).toBe(2);
    const d = parseDeliverable({ kind: 'social-posts', text: answer('# P', { posts: [{ channel: 'x', text: '☕'.repeat(200), hashtags: [] }] }), ...ids });
    if (d.kind !== 'social-posts') throw new Error('kind');
    const post = d.data.posts[0]!;
    expect(post.characterCount).toBeLessThanOrEqual(280);
    expect(post.characterCount).toBe(countCharacters(post.text, 'x'));
    expect(post.text).toMatch(/^(☕)+…$/u);
  });
});
