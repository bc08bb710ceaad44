import type { ModelRequest } from '@marketing-team/core';

interface RosterAgent {
  name: string;
  title: string;
  description: string;
  skills: Array<{ name: string; output: string; description: string }>;
}

const STOP_WORDS = new Set(
  'a an and are as at be by for from has have in into is it its of on or our that the their this to we with you your who what when how write make create'.split(' '),
);

/** Marketing words people use for what the roster calls by another name (request word -> roster word). */
const SYNONYMS: Record<string, string> = {
  instagram: 'social', linkedin: 'social', tiktok: 'social', facebook: 'social', threads: 'social', twitter: 'social',
  tweet: 'social', caption: 'social', hashtag: 'social', reel: 'social', ppc: 'paid', adword: 'paid', banner: 'banner',
  image: 'visual', picture: 'visual', design: 'visual', logo: 'visual', illustration: 'visual', website: 'page',
  html: 'page', homepage: 'page', signup: 'page', metric: 'kpi', analytic: 'kpi', tracking: 'track', dashboard: 'kpi',
  roi: 'kpi', conversion: 'kpi', rival: 'competitor', alternative: 'competitor', persona: 'audience', survey: 'research',
  positioning: 'positioning', message: 'messages', slogan: 'messages', tagline: 'messages',
};

/** Lowercase content words, a plural "s" dropped, each with its synonym. */
function words(text: string): string[] {
  const found: string[] = [];
  for (const raw of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    if (raw.length <= 2 || STOP_WORDS.has(raw)) continue;
    const word = raw.length > 3 && raw.endsWith('s') && !raw.endsWith('ss') ? raw.slice(0, -1) : raw;
    found.push(word);
    const synonym = SYNONYMS[word];
    if (synonym) found.push(synonym);
  }
  return found;
}

/** Reads the roster the model router lists in its system prompt (`- agent "name" (Title): ...`). */
function readRoster(system: string): RosterAgent[] {
  const agents: RosterAgent[] = [];
  for (const line of system.split('\n')) {
    const agent = /^- agent "([^"]+)" \(([^)]*)\): (.*)$/.exec(line);
    if (agent) {
      agents.push({ name: agent[1]!, title: agent[2]!, description: agent[3]!, skills: [] });
      continue;
    }
    const skill = /^\s+- skill "([^"]+)" -> ([a-z-]+): (.*)$/.exec(line);
    if (skill && agents.length > 0) agents[agents.length - 1]!.skills.push({ name: skill[1]!, output: skill[2]!, description: skill[3]! });
  }
  return agents;
}

/**
 * The data the user message quotes: the first `<untrusted-… id="…">` block, with the escaping
 * core's prompts apply undone (`\#` at a line start, `&lt;` before a tag), so the offline
 * answer measures the text as it was written.
 */
function quoted(request: ModelRequest): string {
  const content = request.messages.map((message) => message.content).join('\n');
  const match = /^<(untrusted-[a-z-]+) id="([0-9a-f]+)">\n([\s\S]*?)\n<\/\1 id="\2">$/m.exec(content);
  if (!match) return content;
  return match[3]!.replace(/^(\s*)\\#/gm, '$1#').replace(/&lt;(\s*\/?\s*untrusted-)/gi, '<$1');
}

/**
 * A deterministic routing answer: the agent and skill whose descriptions share the most words with
 * the request (ties go to the earlier one in the roster), as the JSON object the router expects.
 */
export function offlineRoutingAnswer(request: ModelRequest): string {
  const roster = readRoster(request.system.map((block) => block.text).join('\n'));
  const asked = new Set(words(quoted(request)));
  let best: { agent: RosterAgent; skill: RosterAgent['skills'][number] | undefined; score: number; matched: string[] } | undefined;
  for (const agent of roster) {
    const candidates = agent.skills.length > 0 ? agent.skills : [undefined];
    for (const skill of candidates) {
      const vocabulary = new Set(words(`${agent.title} ${agent.description} ${skill ? `${skill.name.replace(/-/g, ' ')} ${skill.output.replace(/-/g, ' ')} ${skill.description}` : ''}`));
      const matched = [...asked].filter((word) => vocabulary.has(word));
      if (!best || matched.length > best.score) best = { agent, skill, score: matched.length, matched };
    }
  }
  if (!best) return JSON.stringify({ agent: 'unknown', reason: 'The router was given no team roster.' });
  const why =
    best.matched.length > 0
      ? `The request mentions ${best.matched.slice(0, 5).map((word) => `"${word}"`).join(', ')}, which fits ${best.agent.title}${best.skill ? ` and the ${best.skill.name} skill` : ''}.`
      : `Nothing in the request points elsewhere, so it goes to ${best.agent.title}, the first role of the team.`;
  return JSON.stringify({ agent: best.agent.name, ...(best.skill ? { skill: best.skill.name } : {}), reason: why });
}

/** A deterministic analysis report of a branded template, measured from the template itself. */
export function offlineReferenceReport(request: ModelRequest, templateName: string): string {
  const template = quoted(request);
  const lines = template.split('\n');
  const headings = lines.filter((line) => /^#{1,6}\s/.test(line)).map((line) => line.replace(/^#+\s*/, '').trim());
  const bullets = lines.filter((line) => /^\s*([-*+]|\d+[.)])\s/.test(line)).length;
  const wordsInTemplate = template.match(/\S+/g)?.length ?? 0;
  const sentences = template.split(/[.!?]+(?:\s|$)/).filter((sentence) => sentence.trim().length > 0);
  const averageSentence = sentences.length > 0 ? Math.round(wordsInTemplate / sentences.length) : wordsInTemplate;
  const emoji = /\p{Extended_Pictographic}/u.test(template);
  const hashtags = template.match(/#[\p{L}\p{N}_]+/gu)?.length ?? 0;
  const secondPerson = (template.match(/\byou(r)?\b/gi)?.length ?? 0) > 0;
  const bold = /\*\*[^*]+\*\*/.test(template);
  return [
    `# Reference analysis: ${templateName}`,
    '',
    '## Structure',
    headings.length > 0
      ? `Sections in order: ${headings.map((heading) => `"${heading}"`).join(', ')}.`
      : `No headings; ${lines.filter((line) => line.trim()).length} non-empty lines of running text.`,
    bullets > 0 ? `${bullets} list item(s) carry the key points.` : 'Points are made in prose, not lists.',
    '',
    '## Tone and voice',
    `${secondPerson ? 'Speaks to the reader directly ("you").' : 'Speaks about the subject rather than to the reader.'} Sentences average ${averageSentence} words.`,
    '',
    '## Length',
    `About ${wordsInTemplate} words in ${sentences.length} sentence(s).`,
    '',
    '## Visual and formatting rules',
    `${bold ? 'Uses bold for emphasis.' : 'No bold emphasis.'} ${emoji ? 'Uses emoji.' : 'No emoji.'} ${hashtags > 0 ? `${hashtags} hashtag(s).` : 'No hashtags.'}`,
    '',
    '## Rules to follow',
    `1. Keep ${headings.length > 0 ? `the ${headings.length} sections in the same order` : 'a single block of prose'}.`,
    `2. Stay near ${wordsInTemplate} words, with sentences of about ${averageSentence} words.`,
    `3. ${bullets > 0 ? 'Put the key points in a list.' : 'Keep the key points in prose.'}`,
    `4. ${emoji ? 'Use emoji sparingly, as the template does.' : 'Do not add emoji.'}`,
    '',
  ].join('\n');
}
