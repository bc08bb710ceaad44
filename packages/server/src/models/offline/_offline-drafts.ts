import { AD_PLATFORM_LIMITS, SOCIAL_CHANNEL_LIMITS, countCharacters, fitText, type DeliverableKind, type SocialChannel } from '@marketing-team/core';
import { capitalise, firstSentence, hashtagOf, type OfflineContext } from './_offline-context.js';
import { firstFitting, fitWords, toneSummary } from './_offline-copy.js';
import { bannerSvg, landingPageHtml, paletteOf } from './_offline-web.js';

/** How people write each social network's name (in copy, tables and headings). */
const CHANNEL_NAMES: Record<SocialChannel, string> = { x: 'X', linkedin: 'LinkedIn', instagram: 'Instagram', facebook: 'Facebook', tiktok: 'TikTok', threads: 'Threads' };
const channelName = (channel: SocialChannel): string => CHANNEL_NAMES[channel];

/** A draft's readable part and its data. */
export interface OfflineDraftParts {
  markdown: string;
  data: unknown;
}

const list = (items: readonly string[]): string => items.map((item) => `- ${item}`).join('\n');

/** Deliverable kinds a customer reads: their text never quotes the brief or a steer. */
const PUBLIC_KINDS: ReadonlySet<DeliverableKind> = new Set(['social-posts', 'ad-copy', 'landing-page', 'creative-concepts']);

/**
 * The visible trace of steering. Internal deliverables quote the instruction; public ones say
 * only what changed ("a playful tone"), because a steer is a note to the team, not copy.
 */
export function steerNote(context: OfflineContext): string {
  if (context.steers.length === 0) return '';
  if (PUBLIC_KINDS.has(context.kind)) return `> Steering applied: ${toneSummary(context.tone, true)}.`;
  return `> Steering applied: ${context.steers.map((s) => `"${firstSentence(s, 160)}"`).join('; ')}`;
}

/** Ends a line with the tone's punctuation unless it already ends a sentence. */
function sentence(text: string, context: OfflineContext): string {
  return /[.!?]$/.test(text) ? text : `${text}${context.tone.playful && !context.tone.formal ? '!' : '.'}`;
}

/** The campaign's key messages in the brand's voice, written from the brief's meaning. */
function messagesFor(context: OfflineContext): string[] {
  const { product, audience, benefit, brand, tone } = context;
  const backer = product === brand.name ? `The ${brand.name} team` : brand.name;
  if (tone.playful && !tone.formal) {
    return [
      `Good news, ${audience}: ${product} helps you ${benefit.verb}`,
      `${capitalise(benefit.verb)}? ${product} has you covered`,
      `${backer} is in your corner from day one`,
    ];
  }
  if (tone.formal) {
    return [`${product} helps ${audience} ${benefit.verb}`, `Designed for the way ${audience} work`, `${backer} supports every rollout`];
  }
  return [`${product} helps ${audience} ${benefit.verb}`, `Made for ${audience}, not for everyone`, `${backer} is with you from the first day`];
}

function keyMessages(context: OfflineContext): string[] {
  const strategy = context.input('campaign-strategy');
  // a steer given to this writer outranks the tone the strategy was written in
  if (strategy && strategy.data.keyMessages.length > 0 && context.steers.length === 0) return strategy.data.keyMessages;
  return messagesFor(context);
}

function researchBrief(context: OfflineContext): OfflineDraftParts {
  const { brand, product, audience, goal } = context;
  const data = {
    summary: `${brand.name} wants to ${goal.charAt(0).toLowerCase()}${goal.slice(1)}. The audience (${audience}) responds to proof over promises, so the campaign should lead with concrete outcomes of ${product} and make the first step easy.${context.steers.length ? ` Adjusted per steering: ${context.steers.join('; ')}.` : ''}`,
    audienceInsights: [
      `${capitalise(audience)} judge new tools by time-to-value: show the first win within a week.`,
      `They compare options in peer channels (${context.brief.channels.map(channelName).join(', ') || 'communities'}) before visiting a website.`,
      `Risk is the main objection: trials, guarantees and clear pricing lower it.`,
    ],
    marketTrends: [
      'Buyers research independently and contact sales late; self-serve proof matters.',
      'Short-form video and carousel posts outperform static images in reach.',
      'Teams consolidate tools: integrations and "replaces X" messages resonate.',
    ],
    opportunities: [
      `Own the "${context.pick(['fastest setup', 'clearest results', 'friendliest support'])}" position for ${product}.`,
      `Turn existing customers into proof: short quotes and numbers per channel.`,
      `Pair the launch with a time-boxed offer to convert research into trials.`,
    ],
  };
  const markdown = [
    `# Research brief: ${product}`,
    steerNote(context),
    `## Summary\n${data.summary}`,
    `## Audience insights\n${list(data.audienceInsights)}`,
    `## Market trends\n${list(data.marketTrends)}`,
    `## Opportunities\n${list(data.opportunities)}`,
  ].filter(Boolean).join('\n\n');
  return { markdown, data };
}

function competitorSnapshot(context: OfflineContext): OfflineDraftParts {
  const { product } = context;
  // offline drafts cannot know real competitors, so they describe the archetypes every market has
  const data = {
    competitors: [
      {
        name: 'The incumbent suite',
        positioning: 'All-in-one platform sold to large teams on breadth of features.',
        strengths: ['Brand recognition', 'Broad feature set', 'Established integrations'],
        weaknesses: ['Slow onboarding', 'Priced for enterprises', `Generic for ${context.audience}`],
      },
      {
        name: 'The low-cost point tool',
        positioning: 'Low-priced, narrow tool that wins on price and self-serve signup.',
        strengths: ['Low price', 'Fast signup'],
        weaknesses: ['Shallow results', 'Little support', 'Outgrown quickly'],
      },
      {
        name: 'Doing nothing (spreadsheets and habits)',
        positioning: 'The status quo: familiar, free, and good enough until it is not.',
        strengths: ['No switching cost', 'Familiar'],
        weaknesses: ['Manual work', 'Errors and blind spots', 'Does not scale'],
      },
    ],
  };
  const markdown = [
    `# Competitor snapshot: ${product}`,
    steerNote(context),
    'Offline draft: the archetypes below stand in for named competitors; replace them with real names during review.',
    ...data.competitors.map(
      (c) => `## ${c.name}\n${c.positioning}\n\n**Strengths:** ${c.strengths.join(', ')}\n\n**Weaknesses:** ${c.weaknesses.join(', ')}`,
    ),
    `## Where ${product} wins\nFaster to value than the suite, deeper than the point tool, and less work than the status quo.`,
  ].filter(Boolean).join('\n\n');
  return { markdown, data };
}

function campaignStrategy(context: OfflineContext): OfflineDraftParts {
  const { brand, product, audience, goal } = context;
  const research = context.input('research-brief');
  const opportunity = research?.data.opportunities[0];
  // key messages feed public copy, so they are written from the brief's meaning; the steer itself
  // is recorded in the strategy's Markdown (an internal note), never as a message
  const messages = messagesFor(context);
  const channelRoles: Record<SocialChannel, string> = {
    linkedin: 'Credibility: proof points and founder voice for decision makers',
    x: 'Conversation: short takes, launch-day thread, replies',
    instagram: 'Visual story: carousel of outcomes and behind the scenes',
    facebook: 'Community: groups and retargeting of site visitors',
    tiktok: 'Reach: short demos and before/after clips',
    threads: 'Conversation: informal updates and questions',
  };
  const data = {
    positioning: `For ${audience} who want to ${goal.charAt(0).toLowerCase()}${goal.slice(1)}, ${product} by ${brand.name} is the ${context.pick(['fastest', 'clearest', 'most supportive'])} way to get there${opportunity ? `; ${opportunity.charAt(0).toLowerCase()}${opportunity.slice(1).replace(/\.$/, '')}` : ''}.`,
    keyMessages: messages,
    channels: [
      ...context.brief.channels.map((channel) => ({ channel: channelName(channel), role: channelRoles[channel] })),
      { channel: 'search ads', role: 'Capture demand from people already looking' },
      { channel: 'landing page', role: 'Convert every channel into trials' },
    ],
    phases: [
      { name: 'Tease', timing: 'Week 1', focus: 'Name the problem, build a waitlist, warm up the audience.' },
      { name: 'Launch', timing: 'Week 2', focus: `Announce ${product} everywhere on one day with the offer.` },
      { name: 'Prove', timing: 'Weeks 3-4', focus: 'Customer stories, retargeting, and optimisation by the numbers.' },
    ],
  };
  const markdown = [
    `# Campaign strategy: ${product}`,
    steerNote(context),
    `## Positioning\n${data.positioning}`,
    `## Key messages\n${list(data.keyMessages)}`,
    `## Channels\n${list(data.channels.map((c) => `**${c.channel}**: ${c.role}`))}`,
    `## Phases\n${list(data.phases.map((p) => `**${p.name}** (${p.timing}): ${p.focus}`))}`,
  ].filter(Boolean).join('\n\n');
  return { markdown, data };
}

function socialPosts(context: OfflineContext): OfflineDraftParts {
  const { brand, product, audience, benefit, tone } = context;
  const messages = keyMessages(context);
  const disclaimer = brand.requiredDisclaimers.join(' ');
  const tags = [hashtagOf(brand.name), hashtagOf(product), 'Launch', 'Marketing', 'Growth'].filter(
    (tag, i, all) => tag && all.indexOf(tag) === i,
  );
  const emoji = tone.emoji ? '🚀 ' : '';
  const channels: SocialChannel[] = context.brief.channels.length > 0 ? context.brief.channels : ['linkedin'];
  const posts = channels.map((channel, i) => {
    const limit = SOCIAL_CHANNEL_LIMITS[channel];
    const chosen = tags.slice(0, Math.min(limit.hashtags, channel === 'x' ? 2 : 3));
    const tagLine = chosen.map((tag) => `#${tag}`).join(' ');
    const hook = `${emoji}${sentence(capitalise(messages[i % messages.length]!), context)}`;
    const about =
      tone.playful && !tone.formal
        ? `We made ${product} so ${audience} can ${benefit.verb}. ${benefit.detail}`
        : `We built ${product} for ${audience}. ${benefit.detail}`;
    const visual = channel === 'instagram' || channel === 'tiktok';
    const cta = tone.urgent
      ? 'The launch offer ends soon: start today.'
      : visual
        ? 'Link in bio.'
        : sentence(tone.playful && !tone.formal ? `Give ${product} a spin today` : `Try ${product} today`, context);
    const lines = channel === 'x' || tone.short ? [hook, cta] : [hook, about, cta];
    const join = (parts: string[]) => parts.join(channel === 'x' || channel === 'threads' || tone.short ? ' ' : '\n\n');
    const suffix = `${tagLine ? `\n\n${tagLine}` : ''}${disclaimer ? `\n\n${disclaimer}` : ''}`;
    const count = (value: string): number => countCharacters(value, channel);
    const room = Math.max(20, limit.characters - count(suffix));
    // drop whole sentences before cutting words, so a post never ends mid-thought
    let body = join(lines);
    if (count(body) > room) body = join([hook, cta]);
    if (count(body) > room) body = hook;
    if (count(body) > room) body = fitText(body, room, '', count);
    return { channel, text: `${body}${suffix}`, hashtags: chosen };
  });
  const markdown = [
    `# Social posts: ${product}`,
    steerNote(context),
    ...posts.map((post) => `## ${channelName(post.channel)} (${countCharacters(post.text, post.channel)}/${SOCIAL_CHANNEL_LIMITS[post.channel].characters})\n${post.text}`),
  ].filter(Boolean).join('\n\n');
  return { markdown, data: { posts } };
}

function adCopy(context: OfflineContext): OfflineDraftParts {
  const { brand, product, audience, benefit, tone } = context;
  const cta = tone.urgent ? 'Start now' : context.pick(['Start free trial', 'Get started', 'See it in action']);
  // Search always; a social platform only when the brief ticked one of its channels.
  const channels = context.brief.channels;
  const platforms: ('google' | 'meta' | 'linkedin' | 'x')[] = [
    'google',
    ...(channels.includes('facebook') || channels.includes('instagram') ? (['meta'] as const) : []),
    ...(channels.includes('linkedin') ? (['linkedin'] as const) : []),
    ...(channels.includes('x') ? (['x'] as const) : []),
  ];
  // Candidates from longest to shortest; a headline is used whole or not at all, never cut.
  const headlines = [
    tone.playful && !tone.formal ? `Say hello to ${product}` : `${product} for ${audience}`,
    benefit.title,
    `Meet ${product}`,
    product.toLowerCase().startsWith(brand.name.toLowerCase()) ? product : `${product} by ${brand.name}`,
  ];
  const descriptions = keyMessages(context);
  const variants = platforms.flatMap((platform, p) =>
    [0, 1].map((v) => {
      const limit = AD_PLATFORM_LIMITS[platform];
      const start = (p + v) % headlines.length;
      const rotated = [...headlines.slice(start), ...headlines.slice(0, start)];
      const headline = firstFitting([...rotated, product, brand.name], limit.headline, 'Learn more');
      const lead = sentence(capitalise(descriptions[(p + v) % descriptions.length]!), context);
      const closing = tone.urgent ? 'Offer ends soon.' : `${cta} today.`;
      // a "shorter" steer drops the closing line rather than cutting the message
      const full = tone.short ? lead : `${lead} ${closing}`;
      const description = [...full].length <= limit.description ? full : firstFitting([lead], limit.description, benefit.title);
      return { platform, headline, description, callToAction: cta };
    }),
  );
  const markdown = [
    `# Ad copy: ${product}`,
    steerNote(context),
    ...variants.map((v, i) => `## Variant ${i + 1} (${v.platform})\n**${v.headline}**\n\n${v.description}\n\nCTA: ${v.callToAction}`),
  ].filter(Boolean).join('\n\n');
  return { markdown, data: { variants } };
}

function landingPage(context: OfflineContext): OfflineDraftParts {
  const { product, brand, audience, benefit, tone } = context;
  const messages = keyMessages(context);
  const headline = tone.short ? capitalise(product) : firstFitting([capitalise(messages[0]!), `${benefit.title} with ${product}`], 70, product);
  const backer = product === brand.name ? `the ${brand.name} team` : brand.name;
  const subheadline = tone.short
    ? sentence(`${capitalise(benefit.verb)} with ${product}`, context)
    : `${benefit.detail} ${product} is made for ${audience}, with ${backer} behind it.`;
  const cta = tone.urgent ? 'Claim the launch offer' : 'Start free trial';
  const benefits = [
    { title: benefit.title, text: benefit.detail },
    { title: 'Made for you', text: `Designed around how ${audience} actually work.` },
    { title: 'Backed by people', text: `${capitalise(backer)} support helps you at every step.` },
  ];
  const html = landingPageHtml(context, { headline, subheadline, benefits, cta });
  const markdown = [
    `# Landing page: ${headline}`,
    steerNote(context),
    `**Subheadline:** ${subheadline}`,
    `## Sections\n${list(['Hero with call to action', ...benefits.map((b) => `Benefit: ${b.title}`), 'Closing call to action', 'Footer with disclaimers'])}`,
    `**Call to action:** ${cta}`,
    // an invented quote presented as a customer's would mislead readers, so the page has none
    '**Before publishing:** add a short quote from a real customer, with their permission, if you have one. This draft invents none.',
  ].filter(Boolean).join('\n\n');
  return { markdown, data: { headline, html } };
}

function creativeConcepts(context: OfflineContext): OfflineDraftParts {
  const { product, audience, benefit } = context;
  const { primary, accent, light } = paletteOf(context);
  const messages = keyMessages(context);
  const statement = firstFitting([capitalise(messages[0]!), `${benefit.title} with ${product}`, product], 50, product);
  const concepts = [
    { name: 'Before / after', description: `Split frame: the messy status quo on the left, a calm result with ${product} on the right. Headline over the divide.`, palette: [primary, light] },
    { name: 'The first win', description: `Close-up of the moment ${audience} see their first result, accent colour highlighting the number.`, palette: [primary, accent] },
    { name: 'Bold statement', description: `Typography-led banner: "${statement}" in large type on the primary colour.`, palette: [primary, accent, light] },
  ];
  if (context.steers.length > 0) {
    concepts.push({ name: 'Steered variant', description: `The bold statement again, written with ${toneSummary(context.tone, true)}.`, palette: [accent, primary] });
  }
  const cta = context.tone.urgent ? 'Start now' : 'Learn more';
  const svg = bannerSvg(context, { headline: statement, cta });
  const markdown = [
    `# Creative concepts: ${product}`,
    steerNote(context),
    ...concepts.map((c) => `## ${c.name}\n${c.description}\n\nPalette: ${c.palette.join(', ')}`),
    '## Banner\nA 1200x628 banner in the brand palette with the lead message and a call to action (see the SVG).',
  ].filter(Boolean).join('\n\n');
  return { markdown, data: { concepts, bannerSvg: svg } };
}

function measurementPlan(context: OfflineContext): OfflineDraftParts {
  const review = context.skill.includes('review');
  const kpis = [
    { name: 'Trials started', metric: 'New trial signups attributed to the campaign', target: review ? 'Compare against last period; flag a drop over 10%' : '+25% over the previous month', cadence: 'Weekly' },
    { name: 'Landing page conversion', metric: 'Trials / unique landing page visitors', target: '4% or better', channel: 'landing page', cadence: 'Weekly' },
    { name: 'Cost per trial', metric: 'Ad spend / trials from paid channels', target: 'Below the current blended cost', channel: 'search ads', cadence: 'Weekly' },
    ...context.brief.channels.map((channel) => ({
      name: `${channelName(channel)} engagement rate`,
      metric: 'Engagements / impressions per post',
      target: channel === 'linkedin' ? '3% or better' : '2% or better',
      channel: channelName(channel),
      cadence: 'Twice a week',
    })),
  ];
  const tools = ['Web analytics with UTM-tagged links', 'Ad platform reporting', 'Native social analytics', 'CRM trial-to-paid report'];
  const markdown = [
    `# ${review ? 'KPI review' : 'Measurement plan'}: ${context.product}`,
    steerNote(context),
    `## KPIs\n${list(kpis.map((k) => `**${k.name}**: ${k.metric}; target ${k.target}; ${k.cadence.toLowerCase()}${'channel' in k && k.channel ? ` (${k.channel})` : ''}`))}`,
    `## Tools\n${list(tools)}`,
    '## Reporting\nOne dashboard, one owner per KPI, a weekly note on what changed and what we do next.',
  ].filter(Boolean).join('\n\n');
  return { markdown, data: { kpis, tools } };
}

/** The draft writer of each deliverable kind. */
export const OFFLINE_DRAFTS: Readonly<Record<DeliverableKind, (context: OfflineContext) => OfflineDraftParts>> = {
  'research-brief': researchBrief,
  'competitor-snapshot': competitorSnapshot,
  'campaign-strategy': campaignStrategy,
  'social-posts': socialPosts,
  'ad-copy': adCopy,
  'landing-page': landingPage,
  'creative-concepts': creativeConcepts,
  'measurement-plan': measurementPlan,
};
