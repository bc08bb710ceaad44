import { defineSkill, type Skill } from './skill.js';

const rules = (items: string[]): string => items.map((item, i) => `${i + 1}. ${item}`).join('\n');

/** Market Researcher: the research brief that grounds every other deliverable. */
export const researchBriefSkill: Skill = defineSkill({
  name: 'research-brief',
  description: 'Research the audience, market and opportunities for a campaign brief. Use first, before strategy.',
  output: 'research-brief',
  instructions: rules([
    'Restate the campaign goal in one sentence and name the single most important question the research answers.',
    'Audience insights: 3-6 insights about the brief\'s audience. Each names a behaviour, need or objection and what it means for the campaign ("so we should...").',
    'Market trends: 3-5 trends relevant to this product and audience now. Prefer specific, checkable statements; mark anything you are unsure of as an assumption to verify.',
    'Opportunities: 3-5 openings the campaign can use, each tied to an insight or trend above.',
    'Summary: 3-5 sentences a busy founder can read alone.',
    'Never invent statistics, sources or customer names. If a number would help, say what to measure instead.',
  ]),
});

/** Market Researcher: how the alternatives position themselves and where they are weak. */
export const competitorSnapshotSkill: Skill = defineSkill({
  name: 'competitor-snapshot',
  description: 'Map the competitors and alternatives (including doing nothing) with positioning, strengths and weaknesses.',
  output: 'competitor-snapshot',
  instructions: rules([
    'List 3-6 alternatives the audience actually considers, including the status quo (spreadsheets, an agency, doing nothing).',
    'Use real competitor names only when the brand context or brief names them; otherwise describe archetypes ("the incumbent suite") and say so.',
    'For each: positioning in one sentence as they would say it, 2-4 strengths, 2-4 weaknesses from the audience\'s point of view.',
    'End the Markdown with a short "Where we win" paragraph that the strategist can use.',
    'Be fair: a snapshot that only flatters the brand is useless for strategy.',
  ]),
});

/** Campaign Strategist: positioning, messages, channel roles and phases. */
export const campaignStrategySkill: Skill = defineSkill({
  name: 'campaign-strategy',
  description: 'Turn research into the campaign strategy: positioning, key messages, channel roles and phases.',
  output: 'campaign-strategy',
  instructions: rules([
    'Read the research brief and competitor snapshot in the inputs; build on them and cite which insight drives each choice.',
    'Positioning: one statement in the form "For <audience> who <need>, <product> is the <category/frame> that <benefit>, unlike <alternative>."',
    'Key messages: 3-5 messages, each under 20 words, each provable by a proof point from the brand context.',
    'Channels: give every channel in the brief a distinct role (awareness, consideration, conversion), plus search ads and the landing page.',
    'Phases: 2-4 phases with timing and focus, from launch to optimisation.',
    'Everything downstream (posts, ads, landing page, creative, measurement) will follow this strategy, so be specific.',
  ]),
});

/** Campaign Strategist: the message hierarchy when only messaging is asked for. */
export const messagingFrameworkSkill: Skill = defineSkill({
  name: 'messaging-framework',
  description: 'Write a messaging framework: core message, pillars and proof points per audience segment.',
  output: 'campaign-strategy',
  instructions: rules([
    'Positioning: the core message in one sentence.',
    'Key messages: 3-5 pillars, each with its proof point from the brand context in the Markdown.',
    'Channels: where each pillar is carried best, one line each.',
    'Phases: the order in which pillars are introduced over the campaign.',
    'Keep every line in the brand voice; no claim without a proof point.',
  ]),
});

/** Content Creator: posts for each channel, within each channel's limits. */
export const socialPostsSkill: Skill = defineSkill({
  name: 'social-posts',
  description: 'Write ready-to-publish social posts for each channel in the brief, following the strategy.',
  output: 'social-posts',
  instructions: rules([
    'Write one post per channel in the brief (two for LinkedIn when the brief asks for the full package).',
    'Follow the strategy\'s key messages and the channel\'s role; open with a hook in the first line.',
    'Respect hard limits: X 280 characters, Threads 500, LinkedIn 3,000, Instagram 2,200, Facebook 63,206, TikTok 2,200, counting hashtags and disclaimers.',
    'Hashtags: Instagram at most 5, Threads 1, X 1-2, LinkedIn 3-5; put them at the end of the post and list them (without #) in "hashtags".',
    '"text" is the complete post exactly as published, including hashtags and any required disclaimer.',
    'One clear call to action per post. No banned terms. Follow the brand\'s emoji rules.',
  ]),
});

/** Content Creator: ad variants per platform, within headline and description limits. */
export const adCopySkill: Skill = defineSkill({
  name: 'ad-copy',
  description: 'Write paid ad variants (search and social) with headlines and descriptions within platform limits.',
  output: 'ad-copy',
  instructions: rules([
    'Write 2-3 variants for Google search (headline max 30 characters, description max 90) and for each paid social platform of the brief\'s channels only: Meta when Facebook or Instagram is among them (headline 40, primary text 125), LinkedIn when LinkedIn is (headline 70, intro 150), X when X is (headline 70, text 280). No variants for a platform whose channel the brief left out.',
    'Each variant tests a different angle from the strategy: benefit, proof, objection handling, offer.',
    'Count characters; a headline over the limit is rejected by the platform.',
    'Calls to action are verbs the platform supports ("Start free trial", "Learn more", "Sign up").',
    'No superlatives you cannot prove, no banned terms, no all-caps.',
  ]),
});

/** Content Creator: a complete landing page as a self-contained HTML document. */
export const landingPageSkill: Skill = defineSkill({
  name: 'landing-page',
  description: 'Write and build the campaign landing page as one complete, self-contained HTML document.',
  output: 'landing-page',
  instructions: rules([
    'Structure: hero (headline under 10 words, subheadline, one call to action), 3 benefits tied to key messages, proof, objection handling or FAQ, closing call to action, footer with the required disclaimers.',
    'Deliver "html" as a complete document: <!doctype html>, <html lang>, <head> with charset, viewport and title, and inline <style> using the brand palette.',
    'Self-contained: no <script>, no external stylesheets, fonts or images, no tracking pixels. Use system fonts and CSS shapes.',
    'Accessible: one <h1>, headings in order, sufficient colour contrast, descriptive link text.',
    'The Markdown part lists the sections and copy decisions, not the HTML.',
  ]),
});

/** Creative Designer: visual concepts and an SVG banner in the brand palette. */
export const creativeConceptsSkill: Skill = defineSkill({
  name: 'creative-concepts',
  description: 'Propose visual concepts for the campaign and draw a banner as SVG in the brand palette.',
  output: 'creative-concepts',
  instructions: rules([
    'Propose 3 distinct concepts, each with a name, what the viewer sees, the message it carries and its palette (hex colours from the brand palette).',
    'Follow the style guide\'s imagery rules; describe photography you would brief, do not claim to have it.',
    'Draw "bannerSvg": a 1200x628 SVG with xmlns, viewBox, the lead message in large type, the brand name and a call-to-action shape.',
    'The SVG must be valid and self-contained: no <script>, no event handlers, no external images or fonts, no <foreignObject>.',
    'Keep text in the banner short (under 10 words) and readable at small sizes.',
  ]),
});

/** Creative Designer: visuals for the ad set. */
export const adVisualsSkill: Skill = defineSkill({
  name: 'ad-visuals',
  description: 'Design visuals for paid ads: concepts per ad angle and a banner sized for social feeds.',
  output: 'creative-concepts',
  instructions: rules([
    'One concept per ad angle in the inputs (benefit, proof, offer), each with a short visual description and palette.',
    'Draw "bannerSvg" at 1200x628 in the brand palette with the strongest ad headline and a call-to-action shape.',
    'Valid, self-contained SVG only: no scripts, handlers, external resources or <foreignObject>.',
  ]),
});

/** Data Analyst: KPIs, targets and tooling to measure the campaign. */
export const measurementPlanSkill: Skill = defineSkill({
  name: 'measurement-plan',
  description: 'Define how the campaign is measured: KPIs with metrics, targets, channels and cadence, and the tools.',
  output: 'measurement-plan',
  instructions: rules([
    'Start from the campaign goal: one north-star KPI, then 4-8 supporting KPIs across the funnel (reach, engagement, traffic, conversion, cost).',
    'Each KPI has a precise metric definition (numerator / denominator), a target with a baseline or reasoning, the channel when it is channel-specific, and a review cadence.',
    'Name the tools and the tracking setup (UTM conventions, conversion events) needed to measure each KPI.',
    'Do not invent baselines: where none is known, set the first two weeks as the baseline period and say so.',
  ]),
});

/** Data Analyst: reviews results against the plan and recommends next steps. */
export const kpiReviewSkill: Skill = defineSkill({
  name: 'kpi-review',
  description: 'Review campaign performance against its KPIs and recommend what to change next.',
  output: 'measurement-plan',
  instructions: rules([
    'For each KPI in the measurement plan (inputs) or the brief, state the target, the actual value if given, and the gap.',
    'When no actual numbers are given, do not invent them: list what to pull from which tool and how to judge it.',
    'Recommend 3-5 concrete changes ranked by expected impact, each tied to a KPI.',
    'Return the KPIs (with targets updated where the review justifies it) and the tools in the JSON.',
  ]),
});
