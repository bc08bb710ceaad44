import { defineAgent, type Agent } from './agent.js';
import type { Brand } from './brand.js';
import {
  adCopySkill,
  adVisualsSkill,
  campaignStrategySkill,
  competitorSnapshotSkill,
  creativeConceptsSkill,
  kpiReviewSkill,
  landingPageSkill,
  measurementPlanSkill,
  messagingFrameworkSkill,
  researchBriefSkill,
  socialPostsSkill,
} from './default-skills.js';
import type { RoutingRuleInput } from './routing-rule.js';
import { sampleBrand } from './sample-brand.js';
import { defineTeam, type Team } from './team.js';

const shared =
  'You are part of a five-person marketing team. Stay inside your role; other agents own the other deliverables. Use the input deliverables you are given as your briefing, and say so when you build on them.';

/** The five agents of the default team, each owning two or three skills. */
export const DEFAULT_AGENTS: readonly Agent[] = [
  defineAgent({
    name: 'market-researcher',
    title: 'Market Researcher',
    description: 'Researches audiences, markets, trends and competitors. Hand it questions about who buys, why, and who else they consider.',
    systemPrompt: `You are the team's Market Researcher. You are rigorous and curious: you separate what is known from what is assumed, and you never invent data or sources. ${shared}`,
    skills: [researchBriefSkill, competitorSnapshotSkill],
  }),
  defineAgent({
    name: 'campaign-strategist',
    title: 'Campaign Strategist',
    description: 'Turns research into positioning, key messages, channel roles and campaign phases.',
    systemPrompt: `You are the team's Campaign Strategist. You make clear choices and explain them: one positioning, few messages, a distinct role for each channel. ${shared}`,
    skills: [campaignStrategySkill, messagingFrameworkSkill],
  }),
  defineAgent({
    name: 'content-creator',
    title: 'Content Creator',
    description: 'Writes publishable copy: social posts, ad copy and landing pages, within every channel and platform limit.',
    systemPrompt: `You are the team's Content Creator. You write in the brand voice, respect every character limit, and give each piece one job and one call to action. ${shared}`,
    skills: [socialPostsSkill, adCopySkill, landingPageSkill],
  }),
  defineAgent({
    name: 'creative-designer',
    title: 'Creative Designer',
    description: 'Designs visual concepts and draws banners (SVG) in the brand palette.',
    systemPrompt: `You are the team's Creative Designer. You think in concepts first, then execute simply and accessibly in the brand palette. You output vector graphics as clean, valid SVG. ${shared}`,
    skills: [creativeConceptsSkill, adVisualsSkill],
  }),
  defineAgent({
    name: 'data-analyst',
    title: 'Data Analyst',
    description: 'Defines KPIs, targets and tracking, and reviews performance against them.',
    systemPrompt: `You are the team's Data Analyst. Every metric you name has a definition, a target and an owner; you never invent numbers. ${shared}`,
    skills: [measurementPlanSkill, kpiReviewSkill],
  }),
];

/** Keyword rules of the default team, checked in order after explicit names. */
export const DEFAULT_RULES: readonly RoutingRuleInput[] = [
  { agent: 'market-researcher', skill: 'competitor-snapshot', keywords: ['competitor', 'competitors', 'competition', 'competitive', 'alternatives'], description: 'competitive questions' },
  { agent: 'market-researcher', skill: 'research-brief', keywords: ['research', 'audience', 'persona', 'personas', 'market', 'trend', 'trends', 'insight', 'insights'], description: 'research questions' },
  { agent: 'campaign-strategist', skill: 'messaging-framework', keywords: ['messaging', 'message house', 'pillars', 'value proposition'], description: 'messaging' },
  { agent: 'campaign-strategist', skill: 'campaign-strategy', keywords: ['strategy', 'positioning', 'campaign plan', 'launch plan', 'go-to-market', 'gtm'], description: 'strategy' },
  { agent: 'content-creator', skill: 'landing-page', keywords: ['landing page', 'web page', 'webpage', 'microsite', 'html'], description: 'landing pages' },
  { agent: 'content-creator', skill: 'ad-copy', keywords: ['ad', 'ads', 'ad copy', 'adwords', 'google ads', 'headline', 'headlines', 'ppc'], description: 'paid ads' },
  { agent: 'content-creator', skill: 'social-posts', keywords: ['post', 'posts', 'tweet', 'tweets', 'thread', 'caption', 'captions', 'linkedin', 'instagram', 'tiktok', 'social'], description: 'social copy' },
  { agent: 'creative-designer', skill: 'ad-visuals', keywords: ['ad visual', 'ad visuals', 'ad creative', 'ad creatives'], description: 'ad visuals' },
  { agent: 'creative-designer', skill: 'creative-concepts', keywords: ['visual', 'visuals', 'banner', 'banners', 'design', 'creative', 'image', 'imagery', 'svg', 'moodboard'], description: 'visuals' },
  { agent: 'data-analyst', skill: 'kpi-review', keywords: ['review results', 'performance', 'how did', 'results', 'report'], description: 'performance reviews' },
  { agent: 'data-analyst', skill: 'measurement-plan', keywords: ['kpi', 'kpis', 'metric', 'metrics', 'measure', 'measurement', 'analytics', 'tracking', 'utm', 'roi'], description: 'measurement' },
];

/**
 * The default team: Market Researcher, Campaign Strategist, Content Creator, Creative Designer
 * and Data Analyst, with keyword rules and the campaign playbook. Pass a brand to use your own;
 * the default is the demo brand `sampleBrand`.
 */
export function createDefaultTeam(brand: Brand = sampleBrand): Team {
  return defineTeam({ brand, agents: DEFAULT_AGENTS, rules: DEFAULT_RULES });
}

/** The default team with the demo brand. */
export const defaultTeam: Team = createDefaultTeam();
