import type { DeliverableKind, SocialChannel } from '../protocol/deliverables.js';
import { capitalise, firstSentence, hashtagOf, type OfflineContext } from './_offline-context.js';
import { bannerSvg, landingPageHtml, paletteOf } from './_offline-web.js';
import { AD_PLATFORM_LIMITS, SOCIAL_CHANNEL_LIMITS, countCharacters, fitText } from './channel-limits.js';

/** A draft's readable part and its data. */
export interface OfflineDraftParts {
  markdown: string;
  data: unknown;
}

const list = (items: readonly string[]): string => items.map((item) => `- ${item}`).join('\n');

/** The visible trace of steering: a line saying which instruction this draft follows. */
export function steerNote(context: OfflineContext): string {
  return context.steers.length === 0 ? '' : `> Steering applied: ${context.steers.map((s) => `"${firstSentence(s, 160)}"`).join('; ')}`;
}

function keyMessages(context: OfflineContext): string[] {
  const strategy = context.input('campaign-strategy');
  if (strategy && strategy.data.keyMessages.length > 0) return strategy.data.keyMessages;
  return [
    `${context.product} gets ${context.audience} to results faster`,
    `Built for ${context.audience}, not for everyone`,
    `${context.brand.name} backs every launch with real support`,
  ];
}

function researchBrief(context: OfflineContext): OfflineDraftParts {
  const { brand, product, audience, goal } = context;
  const data = {
    summary: `${brand.name} wants to ${goal.charAt(0).toLowerCase()}${goal.slice(1)}. The audience (${audience}) responds to proof over promises, so the campaign should lead with concrete outcomes of ${product} and make the first step easy.${context.steers.length ? ` Adjusted per steering: ${context.steers.join('; ')}.` : ''}`,
    audienceInsights: [
      `${capitalise(audience)} judge new tools by time-to-value: show the first win within a week.`,
      `They compare options in peer channels (${context.brief.channels.join(', ') || 'communities'}) before visiting a website.`,
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
  const messages = [
    `${product} gets ${audience} to results faster`,
    `Built for ${audience}, not for everyone`,
    `${brand.name} backs every launch with real support`,
  ];
  if (context.steers.length > 0) messages.push(`Per steering: ${firstSentence(context.steers[context.steers.length - 1]!, 200)}`);
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
      ...context.brief.channels.map((channel) => ({ channel, role: channelRoles[channel] })),
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
  const { brand, product } = context;
  const messages = keyMessages(context);
  const disclaimer = brand.requiredDisclaimers.join(' ');
  const tags = [hashtagOf(brand.name), hashtagOf(product), 'Launch', 'Marketing', 'Growth'].filter(
    (tag, i, all) => tag && all.indexOf(tag) === i,
  );
  const emoji = context.tone.emoji ? '🚀 ' : '';
  const bang = context.tone.playful ? '!' : '.';
  const channels: SocialChannel[] = context.brief.channels.length > 0 ? context.brief.channels : ['linkedin'];
  const posts = channels.map((channel, i) => {
    const limit = SOCIAL_CHANNEL_LIMITS[channel];
    const chosen = tags.slice(0, Math.min(limit.hashtags, channel === 'x' ? 2 : 3));
    const tagLine = chosen.map((tag) => `#${tag}`).join(' ');
    const message = messages[i % messages.length]!;
    const hook = `${emoji}${capitalise(message)}${bang}`;
    const about = `We built ${product} for ${context.audience}: ${context.goal.charAt(0).toLowerCase()}${context.goal.slice(1)}${bang}`;
    const cta = context.tone.urgent ? 'The launch offer ends soon: start today.' : `See how ${brand.name} helps: link in bio.`;
    const steer = context.steers.length > 0 ? `(${firstSentence(context.steers[context.steers.length - 1]!, 80)})` : '';
    const lines =
      channel === 'x' || context.tone.short
        ? [hook, cta]
        : channel === 'threads'
          ? [hook, about, cta]
          : [hook, about, cta, steer];
    const body = channel === 'x' || channel === 'threads' || context.tone.short ? lines.filter(Boolean).join(' ') : lines.filter(Boolean).join('\n\n');
    const suffix = `${tagLine ? `\n\n${tagLine}` : ''}${disclaimer ? `\n\n${disclaimer}` : ''}`;
    const count = (value: string): number => countCharacters(value, channel);
    const room = limit.characters - count(suffix);
    const text = `${fitText(body, Math.max(20, room), '…', count)}${suffix}`;
    return { channel, text, hashtags: chosen };
  });
  const markdown = [
    `# Social posts: ${product}`,
    steerNote(context),
    ...posts.map((post) => `## ${capitalise(post.channel)} (${countCharacters(post.text, post.channel)}/${SOCIAL_CHANNEL_LIMITS[post.channel].characters})\n${post.text}`),
  ].filter(Boolean).join('\n\n');
  return { markdown, data: { posts } };
}

function adCopy(context: OfflineContext): OfflineDraftParts {
  const { brand, product } = context;
  const cta = context.tone.urgent ? 'Start now' : context.pick(['Start free trial', 'Get started', 'See it in action']);
  // Search always; a social platform only when the brief ticked one of its channels.
  const channels = context.brief.channels;
  const platforms: ('google' | 'meta' | 'linkedin' | 'x')[] = [
    'google',
    ...(channels.includes('facebook') || channels.includes('instagram') ? (['meta'] as const) : []),
    ...(channels.includes('linkedin') ? (['linkedin'] as const) : []),
    ...(channels.includes('x') ? (['x'] as const) : []),
  ];
  const headlines = [`${product} for ${context.audience}`, `Meet ${product}`, `${brand.name}: ${product}`];
  const descriptions = keyMessages(context);
  const variants = platforms.flatMap((platform, p) =>
    [0, 1].map((v) => {
      const limit = AD_PLATFORM_LIMITS[platform];
      const headline = fitText(headlines[(p + v) % headlines.length]!, limit.headline, '');
      const lead = capitalise(descriptions[(p + v) % descriptions.length]!);
      const description = fitText(`${lead}. ${context.tone.urgent ? 'Offer ends soon.' : `${cta} today.`}`, limit.description, '');
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
  const { product, brand } = context;
  const messages = keyMessages(context);
  const headline = context.tone.short ? capitalise(product) : capitalise(messages[0]!);
  const subheadline = `${context.goal}. ${brand.name} makes it simple for ${context.audience}.`;
  const cta = context.tone.urgent ? 'Claim the launch offer' : 'Start free trial';
  const benefits = [
    { title: 'Fast to value', text: `Set up ${product} in an afternoon and see the first result this week.` },
    { title: 'Made for you', text: `Designed around how ${context.audience} actually work.` },
    { title: 'Backed by people', text: `${brand.name} support helps you at every step.` },
  ];
  const steer = context.steers.length > 0 ? `Steering applied: ${context.steers.join('; ')}` : undefined;
  const html = landingPageHtml(context, {
    headline,
    subheadline,
    benefits,
    cta,
    proof: `"We switched to ${product} and saw results in the first week." (customer quote placeholder)`,
    ...(steer ? { steer } : {}),
  });
  const markdown = [
    `# Landing page: ${headline}`,
    steerNote(context),
    `**Subheadline:** ${subheadline}`,
    `## Sections\n${list(['Hero with call to action', ...benefits.map((b) => `Benefit: ${b.title}`), 'Social proof', 'Closing call to action', 'Footer with disclaimers'])}`,
    `**Call to action:** ${cta}`,
  ].filter(Boolean).join('\n\n');
  return { markdown, data: { headline, html } };
}

function creativeConcepts(context: OfflineContext): OfflineDraftParts {
  const { product } = context;
  const { primary, accent, light } = paletteOf(context);
  const messages = keyMessages(context);
  const concepts = [
    { name: 'Before / after', description: `Split frame: the messy status quo on the left, a calm result with ${product} on the right. Headline over the divide.`, palette: [primary, light] },
    { name: 'The first win', description: `Close-up of the moment ${context.audience} see their first result, accent colour highlighting the number.`, palette: [primary, accent] },
    { name: 'Bold statement', description: `Typography-led banner: "${firstSentence(messages[0]!, 60)}" in large type on the primary colour.`, palette: [primary, accent, light] },
  ];
  if (context.steers.length > 0) {
    concepts.push({ name: 'Steered variant', description: `Reflects the steering: ${context.steers.join('; ')}`, palette: [accent, primary] });
  }
  const cta = context.tone.urgent ? 'Start now' : 'Learn more';
  const svg = bannerSvg(context, { headline: firstSentence(capitalise(messages[0]!), 70), cta });
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
      name: `${capitalise(channel)} engagement rate`,
      metric: 'Engagements / impressions per post',
      target: channel === 'linkedin' ? '3% or better' : '2% or better',
      channel,
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
