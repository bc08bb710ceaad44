import type { DeliverableIssue, SocialChannel } from '../protocol/deliverables.js';

/** Publishing limits of a social channel. */
export interface SocialChannelLimit {
  /** Most characters a post may have. */
  characters: number;
  /** Most hashtags we let a post carry (a hard cap where the platform has one, else its guidance). */
  hashtags: number;
}

/**
 * Per-channel limits (checked November 2026). Instagram caps a post at 5 hashtags (since
 * December 2025) and Threads at one topic tag; X, LinkedIn, Facebook and TikTok have no hard
 * hashtag cap, so their values follow the platforms' own guidance.
 */
export const SOCIAL_CHANNEL_LIMITS: Readonly<Record<SocialChannel, SocialChannelLimit>> = Object.freeze({
  x: { characters: 280, hashtags: 2 },
  threads: { characters: 500, hashtags: 1 },
  linkedin: { characters: 3000, hashtags: 5 },
  instagram: { characters: 2200, hashtags: 5 },
  facebook: { characters: 63206, hashtags: 3 },
  tiktok: { characters: 2200, hashtags: 5 },
});

/** Headline and description (primary text) lengths of an ad platform. */
export interface AdPlatformLimit {
  headline: number;
  description: number;
}

/**
 * Ad text limits per platform: Google and Microsoft responsive search ads (30/90), Meta feed ads
 * (headline 40, primary text 125 before truncation), LinkedIn sponsored content (70/150 before
 * truncation), X website cards (70/280).
 */
export const AD_PLATFORM_LIMITS: Readonly<Record<'google' | 'microsoft' | 'meta' | 'linkedin' | 'x', AdPlatformLimit>> =
  Object.freeze({
    google: { headline: 30, description: 90 },
    microsoft: { headline: 30, description: 90 },
    meta: { headline: 40, description: 125 },
    linkedin: { headline: 70, description: 150 },
    x: { headline: 70, description: 280 },
  });
/** An ad platform with known text limits. */
export type AdPlatform = keyof typeof AD_PLATFORM_LIMITS;

/** Maps a free-form platform name (`Google Ads`, `facebook`, `Twitter`) to a known ad platform. */
export function adPlatformOf(platform: string): AdPlatform | undefined {
  const key = platform.toLowerCase().replace(/[^a-z]/g, '');
  if (key.startsWith('google')) return 'google';
  if (key.startsWith('microsoft') || key.startsWith('bing')) return 'microsoft';
  if (key.startsWith('meta') || key.startsWith('facebook') || key.startsWith('instagram')) return 'meta';
  if (key.startsWith('linkedin')) return 'linkedin';
  if (key === 'x' || key.startsWith('twitter') || key === 'xads') return 'x';
  return undefined;
}

// X's weighting (twitter-text v3): these code point ranges weigh 1, everything else 2
const X_LIGHT_RANGES: readonly (readonly [number, number])[] = [
  [0, 4351],
  [8192, 8205],
  [8208, 8223],
  [8242, 8247],
];
const X_URL_LENGTH = 23;
const URL_PATTERN = /https?:\/\/[^\s]+/gi;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Splits a text into user-perceived characters, so cuts never break an emoji or an accent. */
function graphemesOf(text: string): string[] {
  return [...graphemes.segment(text)].map((part) => part.segment);
}

/**
 * Characters as a platform counts them. For X this is its weighted count: links count as 23,
 * each emoji as 2, CJK and other heavy scripts as 2 per character. Elsewhere it is Unicode code
 * points (not UTF-16 units).
 */
export function countCharacters(text: string, channel?: SocialChannel): number {
  if (channel !== 'x') {
    let count = 0;
    for (const _ of text) count++;
    return count;
  }
  let count = 0;
  const rest = text.normalize('NFC').replace(URL_PATTERN, () => {
    count += X_URL_LENGTH;
    return '';
  });
  for (const grapheme of graphemesOf(rest)) {
    if (/\p{Extended_Pictographic}/u.test(grapheme)) {
      count += 2;
      continue;
    }
    for (const char of grapheme) {
      const point = char.codePointAt(0)!;
      count += X_LIGHT_RANGES.some(([start, end]) => point >= start && point <= end) ? 1 : 2;
    }
  }
  return count;
}

/**
 * Shortens `text` to at most `limit` characters (as `count` measures them), cutting between
 * whole characters at a word boundary when one is near, and ending with `ellipsis` (which counts
 * towards the limit).
 */
export function fitText(
  text: string,
  limit: number,
  ellipsis = '…',
  count: (text: string) => number = (value) => countCharacters(value),
): string {
  if (count(text) <= limit) return text;
  const parts = graphemesOf(text);
  let low = 0;
  let high = parts.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (count(parts.slice(0, middle).join('') + ellipsis) <= limit) low = middle;
    else high = middle - 1;
  }
  let cut = parts.slice(0, low).join('');
  const space = cut.search(/\s\S*$/);
  if (space > cut.length * 0.6) cut = cut.slice(0, space);
  const trimmed = cut.replace(/[\s.,;:!?-]+$/u, '');
  return count(trimmed + ellipsis) <= limit ? `${trimmed}${ellipsis}` : trimmed;
}

/** Hashtags written in a text (`#Launch2026`), without the `#`, in order, without duplicates. */
export function hashtagsIn(text: string): string[] {
  const tags = [...text.matchAll(/(^|[^\p{L}\p{N}_&])#([\p{L}\p{N}_]+)/gu)].map((match) => match[2]!);
  return [...new Set(tags)];
}

/** Banned terms found in `text`, matched case-insensitively on word boundaries. */
export function findBannedTerms(text: string, bannedTerms: readonly string[]): string[] {
  const lower = text.toLowerCase();
  return bannedTerms.filter((term) => {
    const escaped = term.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(`(^|[^\\p{L}\\p{N}])${escaped}($|[^\\p{L}\\p{N}])`, 'u').test(lower);
  });
}

/** A social post as the validators see it. */
export interface SocialPostDraft {
  channel: SocialChannel;
  text: string;
  hashtags: string[];
}

/** A repaired social post with its counts, ready for `SocialPostSchema`. */
export interface RepairedSocialPost extends SocialPostDraft {
  characterCount: number;
  characterLimit: number;
}

/**
 * Applies a channel's limits to a post. `text` is the post exactly as published, hashtags
 * included; `hashtags` lists them. Extra hashtags are removed (from the text too), missing
 * disclaimers appended, and an over-long post shortened; each repair becomes an issue with
 * `repaired: true`. `characterCount` is always recomputed.
 */
export function repairSocialPost(
  draft: SocialPostDraft,
  options: { path: string; requiredDisclaimers?: readonly string[] },
): { post: RepairedSocialPost; issues: DeliverableIssue[] } {
  const issues: DeliverableIssue[] = [];
  const limit = SOCIAL_CHANNEL_LIMITS[draft.channel];
  const count = (value: string): number => countCharacters(value, draft.channel);
  let text = draft.text.trim();
  const inText = hashtagsIn(text);
  const listed = draft.hashtags.map((tag) => tag.trim().replace(/^#+/, '')).filter((tag) => /^[\p{L}\p{N}_]+$/u.test(tag));
  let tags = [...new Set([...inText, ...listed])];
  if (tags.length > limit.hashtags) {
    const dropped = tags.slice(limit.hashtags);
    tags = tags.slice(0, limit.hashtags);
    for (const tag of dropped) {
      text = text.replace(new RegExp(`(^|\\s)#${tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}_])`, 'gu'), '');
    }
    text = text.replace(/[ \t]+\n/g, '\n').replace(/[ \t]{2,}/g, ' ').trim();
    issues.push({
      field: `${options.path}.hashtags`,
      message: `${draft.channel} allows at most ${limit.hashtags} hashtag${limit.hashtags === 1 ? '' : 's'}; removed ${dropped.map((t) => `#${t}`).join(' ')}`,
      repaired: true,
    });
  }
  // listed tags that the text does not carry yet are published at its end
  const missingTags = tags.filter((tag) => !hashtagsIn(text).includes(tag));
  if (missingTags.length > 0) text = `${text}\n\n${missingTags.map((tag) => `#${tag}`).join(' ')}`;

  const disclaimers = (options.requiredDisclaimers ?? []).filter((d) => !text.toLowerCase().includes(d.toLowerCase()));
  const suffix = disclaimers.length > 0 ? `\n\n${disclaimers.join(' ')}` : '';
  if (disclaimers.length > 0) {
    issues.push({ field: `${options.path}.text`, message: `appended required disclaimer: ${disclaimers.join(' ')}`, repaired: true });
  }
  const total = count(text) + count(suffix);
  if (total > limit.characters) {
    const tagLine = tags.length > 0 ? ` ${tags.map((tag) => `#${tag}`).join(' ')}` : '';
    let body = text;
    for (const tag of tags) body = body.replace(new RegExp(`\\s*#${tag}(?![\\p{L}\\p{N}_])`, 'gu'), '');
    const room = limit.characters - count(suffix) - count(tagLine);
    text = room > 0 ? `${fitText(body.trim(), room, '…', count)}${tagLine}` : fitText(body.trim(), limit.characters - count(suffix), '…', count);
    issues.push({
      field: `${options.path}.text`,
      message: `${draft.channel} allows ${limit.characters} characters; shortened from ${total}`,
      repaired: true,
    });
  }
  text = `${text}${suffix}`;
  if (count(text) > limit.characters) text = fitText(text, limit.characters, '…', count);
  const finalTags = hashtagsIn(text).filter((tag) => tags.includes(tag));
  return {
    post: {
      channel: draft.channel,
      text,
      hashtags: finalTags,
      characterCount: count(text),
      characterLimit: limit.characters,
    },
    issues,
  };
}

/** An ad variant as the validators see it. */
export interface AdVariantDraft {
  platform: string;
  headline: string;
  description: string;
  callToAction: string;
}

/**
 * Applies a platform's headline and description limits to an ad variant, shortening at word
 * boundaries without an ellipsis (ad platforms count it, and it reads as broken copy).
 */
export function repairAdVariant(draft: AdVariantDraft, options: { path: string }): { variant: AdVariantDraft; issues: DeliverableIssue[] } {
  const issues: DeliverableIssue[] = [];
  const platform = adPlatformOf(draft.platform);
  if (!platform) return { variant: draft, issues };
  const limit = AD_PLATFORM_LIMITS[platform];
  const variant = { ...draft };
  for (const field of ['headline', 'description'] as const) {
    const length = countCharacters(variant[field]);
    if (length > limit[field]) {
      variant[field] = fitText(variant[field], limit[field], '');
      issues.push({
        field: `${options.path}.${field}`,
        message: `${platform} ${field}s allow ${limit[field]} characters; shortened from ${length}`,
        repaired: true,
      });
    }
  }
  return { variant, issues };
}
