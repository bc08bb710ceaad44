import { AD_PLATFORM_LIMITS, SOCIAL_CHANNEL_LIMITS, countCharacters, fitText, type SocialChannel, type VariantAngle, type VariantRequest } from '@marketing-team/core';
import { capitalise, hashtagOf, type OfflineContext } from './_offline-context.js';
import { firstFitting } from './_offline-copy.js';
import type { OfflineDraftParts } from './_offline-drafts.js';

const CHANNEL_NAMES: Record<SocialChannel, string> = { x: 'X', linkedin: 'LinkedIn', instagram: 'Instagram', facebook: 'Facebook', tiktok: 'TikTok', threads: 'Threads' };
const PLATFORM_NAMES = { google: 'Google Ads', meta: 'Meta', linkedin: 'LinkedIn', x: 'X' } as const;

/** How each angle reads, for the note on a variant (a reviewer sees why it differs). */
const ANGLE_NAMES: Record<VariantAngle, string> = {
  question: 'opens with a question',
  scene: 'opens with a moment from the week',
  benefit: 'leads with the outcome',
  contrast: 'contrasts today with the product',
};

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

/** The three lines of a variant's copy, from its angle, in the brand's tone: a hook, what backs it, a call to act. */
function angleCopy(angle: VariantAngle, context: OfflineContext): { hook: string; body: string; cta: string } {
  const { product, audience, benefit, brand, tone } = context;
  const playful = tone.playful && !tone.formal;
  const end = playful ? '!' : '.';
  const backer = product === brand.name ? `The ${brand.name} team` : brand.name;
  const urgentCta = 'The launch offer ends soon: start today.';
  switch (angle) {
    case 'question':
      return {
        hook: playful ? `${capitalise(audience)}, ready to ${benefit.verb}?` : `What if ${audience} could ${benefit.verb}?`,
        body: `${product} is built for exactly that. ${benefit.detail}`,
        cta: tone.urgent ? urgentCta : `See how ${product} does it${end}`,
      };
    case 'scene':
      return {
        hook: `Picture this: ${lowerFirst(benefit.detail.replace(/[.!]$/u, ''))}${end}`,
        body: `That is the week ${product} gives ${audience}.`,
        cta: tone.urgent ? urgentCta : `Try ${product} this week${end}`,
      };
    case 'benefit':
      return {
        hook: `${benefit.title}${end}`,
        body: `${product} helps ${audience} ${benefit.verb}. ${backer} is with you from the first day.`,
        cta: tone.urgent ? urgentCta : `Start with ${product} today${end}`,
      };
    case 'contrast':
      return {
        hook: `Most ${audience} still do it the hard way${end}`,
        body: `With ${product} they ${benefit.verb}. ${benefit.detail}`,
        cta: tone.urgent ? urgentCta : `Switch to ${product}${end}`,
      };
  }
}

/** Social posts from the variant's angle: the same channels, hashtags and disclaimers, a different hook and build. */
function socialPostsVariant(context: OfflineContext, variant: VariantRequest): OfflineDraftParts {
  const { brand, product, tone } = context;
  const { hook, body: about, cta: plainCta } = angleCopy(variant.angle, context);
  const disclaimer = brand.requiredDisclaimers.join(' ');
  const tags = [hashtagOf(brand.name), hashtagOf(product), 'Launch', 'Marketing', 'Growth'].filter((tag, i, all) => tag && all.indexOf(tag) === i);
  const channels: SocialChannel[] = context.brief.channels.length > 0 ? context.brief.channels : ['linkedin'];
  const posts = channels.map((channel) => {
    const limit = SOCIAL_CHANNEL_LIMITS[channel];
    const chosen = tags.slice(0, Math.min(limit.hashtags, channel === 'x' ? 2 : 3));
    const tagLine = chosen.map((tag) => `#${tag}`).join(' ');
    const visual = channel === 'instagram' || channel === 'tiktok';
    const cta = visual && !tone.urgent ? 'Link in bio.' : plainCta;
    const compact = channel === 'x' || channel === 'threads' || tone.short;
    const join = (parts: string[]) => parts.join(compact ? ' ' : '\n\n');
    const suffix = `${tagLine ? `\n\n${tagLine}` : ''}${disclaimer ? `\n\n${disclaimer}` : ''}`;
    const count = (value: string): number => countCharacters(value, channel);
    const room = Math.max(20, limit.characters - count(suffix));
    // Whole sentences go before words do, so a post never ends mid-thought.
    let text = join(channel === 'x' || tone.short ? [hook, cta] : [hook, about, cta]);
    if (count(text) > room) text = join([hook, cta]);
    if (count(text) > room) text = hook;
    if (count(text) > room) text = fitText(text, room, '', count);
    return { channel, text: `${text}${suffix}`, hashtags: chosen };
  });
  const markdown = [
    `# Social posts: ${product}, variant ${variant.letter}`,
    `> Variant ${variant.letter} ${ANGLE_NAMES[variant.angle]}.`,
    ...posts.map((post) => `## ${CHANNEL_NAMES[post.channel]} (${countCharacters(post.text, post.channel)}/${SOCIAL_CHANNEL_LIMITS[post.channel].characters})\n${post.text}`),
  ].join('\n\n');
  return { markdown, data: { posts } };
}

/** Headlines an angle tries, longest first; the first that fits the platform is used whole. */
function angleHeadlines(angle: VariantAngle, context: OfflineContext): string[] {
  const { product, benefit } = context;
  switch (angle) {
    case 'question':
      return [`Ready for ${lowerFirst(benefit.title)}?`, `Why ${product}?`, `Ready for ${product}?`];
    case 'scene':
      return [`A better week with ${product}`, `Your week, with ${product}`, `Meet ${product}`];
    case 'benefit':
      return [`${benefit.title} with ${product}`, benefit.title, product];
    case 'contrast':
      return [`Stop doing it the hard way`, `Skip the hard way`, `Try ${product}`];
  }
}

const ANGLE_ACTIONS: Record<VariantAngle, string> = { question: 'Learn more', scene: 'See it in action', benefit: 'Get started', contrast: 'Start free trial' };

/** Ad copy from the variant's angle: one ad per platform of the brief, each within its platform's limits. */
function adCopyVariant(context: OfflineContext, variant: VariantRequest): OfflineDraftParts {
  const { product, benefit, tone } = context;
  const channels = context.brief.channels;
  const platforms: (keyof typeof PLATFORM_NAMES)[] = [
    'google',
    ...(channels.includes('facebook') || channels.includes('instagram') ? (['meta'] as const) : []),
    ...(channels.includes('linkedin') ? (['linkedin'] as const) : []),
    ...(channels.includes('x') ? (['x'] as const) : []),
  ];
  const { hook, cta } = angleCopy(variant.angle, context);
  const callToAction = tone.urgent ? 'Start now' : ANGLE_ACTIONS[variant.angle];
  const ads = platforms.map((platform) => {
    const limit = AD_PLATFORM_LIMITS[platform];
    const headline = firstFitting([...angleHeadlines(variant.angle, context), product], limit.headline, 'Learn more');
    const description = firstFitting(tone.short ? [hook] : [`${hook} ${cta}`, hook], limit.description, benefit.title);
    return { platform, headline, description, callToAction };
  });
  const markdown = [
    `# Ad copy: ${product}, variant ${variant.letter}`,
    `> Variant ${variant.letter} ${ANGLE_NAMES[variant.angle]}.`,
    ...ads.map((ad) => `## ${PLATFORM_NAMES[ad.platform]}\n**${ad.headline}**\n\n${ad.description}\n\nCTA: ${ad.callToAction}`),
  ].join('\n\n');
  return { markdown, data: { variants: ads } };
}

/**
 * An offline variant of a social post or ad deliverable: written from the variant's own angle
 * (a question, a scene, the outcome, a contrast), so variants differ in their hook and build,
 * not by a suffix. Other kinds have no variants (`undefined`).
 */
export function offlineVariant(context: OfflineContext, variant: VariantRequest): OfflineDraftParts | undefined {
  if (context.kind === 'social-posts') return socialPostsVariant(context, variant);
  if (context.kind === 'ad-copy') return adCopyVariant(context, variant);
  return undefined;
}
