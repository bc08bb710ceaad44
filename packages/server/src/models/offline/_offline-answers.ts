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
  const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  return [
    `# Reference analysis: ${templateName}`,
    '',
    '## Structure',
    headings.length > 0
      ? `Sections in order: ${headings.map((heading) => `"${heading}"`).join(', ')}.`
      : `No headings; ${count(lines.filter((line) => line.trim()).length, 'non-empty line')} of running text.`,
    bullets > 0 ? `${count(bullets, 'list item')} carry the key points.` : 'Points are made in prose, not lists.',
    '',
    '## Tone and voice',
    `${secondPerson ? 'Speaks to the reader directly ("you").' : 'Speaks about the subject rather than to the reader.'} Sentences average ${count(averageSentence, 'word')}.`,
    '',
    '## Length',
    `About ${count(wordsInTemplate, 'word')} in ${count(sentences.length, 'sentence')}.`,
    '',
    '## Visual and formatting rules',
    `${bold ? 'Uses bold for emphasis.' : 'No bold emphasis.'} ${emoji ? 'Uses emoji.' : 'No emoji.'} ${hashtags > 0 ? `${count(hashtags, 'hashtag')}.` : 'No hashtags.'}`,
    '',
    '## Rules to follow',
    `1. ${headings.length > 0 ? `Keep the ${count(headings.length, 'section')} in the same order.` : 'Keep it as one piece, without section headings.'}`,
    `2. Stay near ${count(wordsInTemplate, 'word')}, with sentences of about ${count(averageSentence, 'word')}.`,
    `3. ${bullets > 0 ? 'Put the key points in a list.' : 'Keep the key points in prose.'}`,
    `4. ${emoji ? 'Use emoji sparingly, as the template does.' : 'Do not add emoji.'}`,
    '',
  ].join('\n');
}

/** Which brand kit field a section heading (or a document's name) speaks of. */
const BRAND_FIELDS: Array<[RegExp, 'voiceGuide' | 'styleGuide' | 'strategy' | 'audience' | 'products' | 'bannedTerms' | 'requiredDisclaimers' | 'palette']> = [
  [/\b(banned|avoid|never|don'?t say|do not use|forbidden)\b/i, 'bannedTerms'],
  [/\b(disclaimer|legal|compliance)s?\b/i, 'requiredDisclaimers'],
  [/\b(colou?rs?|palette)\b/i, 'palette'],
  [/\b(voice|tone|personality)\b/i, 'voiceGuide'],
  [/\b(style|writing|formatting|typography|visual)\b/i, 'styleGuide'],
  [/\b(audiences?|customers?|personas?|who we serve)\b/i, 'audience'],
  [/\b(products?|offers?|services?|plans?)\b/i, 'products'],
  [/\b(strategy|positioning|mission|vision|goals?|messaging)\b/i, 'strategy'],
];

/** Sections of a Markdown-ish text: each heading (or the document itself) with the lines under it. */
function sectionsOf(name: string, text: string): Array<{ heading: string; body: string[]; level: number }> {
  const sections: Array<{ heading: string; body: string[]; level: number }> = [{ heading: name, body: [], level: 0 }];
  for (const line of text.split('\n')) {
    const heading = /^(#{1,6})\s+(.*)$/.exec(line) ?? (/^([A-Z][A-Za-z' &/-]{2,40}):\s*$/.exec(line) ? ['', '##', line.replace(/:\s*$/, '')] : null);
    if (heading) sections.push({ heading: heading[2]!.trim(), body: [], level: heading[1]!.length });
    else sections[sections.length - 1]!.body.push(line);
  }
  return sections;
}

const bulletText = (line: string) => line.replace(/^\s*([-*+•]|\d+[.)])\s+/, '').replace(/\*\*/g, '').trim();
const isBullet = (line: string) => /^\s*([-*+•]|\d+[.)])\s+/.test(line);

/**
 * A deterministic brand kit draft, read from the marketer's documents by their headings: a
 * "Voice" section becomes the voice guide, "Products" bullets the products, "Never say" bullets
 * the banned terms, every `#rrggbb` the palette. Only what the documents say is drafted.
 */
export function offlineBrandDraftAnswer(request: ModelRequest): string {
  const block = quoted(request);
  const documents = block
    .split(/^=== document: /m)
    .filter((part) => part.trim())
    .map((part) => {
      const newline = part.indexOf('\n');
      return { name: (newline < 0 ? part : part.slice(0, newline)).trim(), text: newline < 0 ? '' : part.slice(newline + 1) };
    });
  const prose: Partial<Record<'voiceGuide' | 'styleGuide' | 'strategy' | 'audience' | 'requiredDisclaimers', string[]>> = {};
  const products: Array<{ name: string; description: string }> = [];
  const banned = new Set<string>();
  let name: string | undefined;
  for (const document of documents) {
    for (const section of sectionsOf(document.name, document.text)) {
      const body = section.body.join('\n').trim();
      if (section.level === 1 && !name) name = section.heading.replace(/\s*[-–:|]?\s*(brand (book|guide|kit|guidelines)|style guide|voice guide)\s*$/i, '').trim() || undefined;
      const field = BRAND_FIELDS.find(([pattern]) => pattern.test(section.heading))?.[1];
      if (!field || !body) continue;
      if (field === 'products') {
        for (const line of section.body.filter(isBullet).map(bulletText)) {
          const [product, ...rest] = line.split(/\s*(?::|—|–| - )\s*/);
          if (product) products.push({ name: product.slice(0, 200), description: rest.join(' - ').slice(0, 2000) });
        }
      } else if (field === 'bannedTerms') {
        for (const line of section.body.filter(isBullet).map(bulletText)) {
          const term = line.replace(/^["“']|["”']$/g, '').split(/\s+[(—–-]\s*/)[0]!.trim();
          if (term && term.length <= 100) banned.add(term);
        }
      } else if (field !== 'palette') {
        (prose[field] ??= []).push(body);
      }
    }
  }
  const palette = [...new Set(block.match(/#[0-9a-fA-F]{6}\b/g) ?? [])].slice(0, 8);
  const brand: Record<string, unknown> = {};
  if (name) brand.name = name.slice(0, 200);
  for (const [field, parts] of Object.entries(prose)) {
    if (field === 'requiredDisclaimers') brand[field] = parts.flatMap((part) => part.split(/\n\s*\n/)).map((part) => part.split('\n').map(bulletText).join(' ').trim()).filter(Boolean).slice(0, 20);
    else brand[field] = parts.join('\n\n').slice(0, field === 'audience' ? 10_000 : 50_000);
  }
  if (products.length > 0) brand.products = products.slice(0, 50);
  if (banned.size > 0) brand.bannedTerms = [...banned].slice(0, 200);
  if (palette.length > 0) brand.palette = palette;
  const found = Object.keys(brand);
  const summary =
    found.length > 0
      ? `I read ${documents.length} document(s) and drafted ${found.length} field(s) of the brand kit from their sections. Check each one before saving; fields the documents did not cover are left for you.`
      : `I read ${documents.length} document(s) but found no section I could map to the brand kit (voice, style, strategy, audience, products, words to avoid, disclaimers, colours).`;
  return `${summary}\n\n\`\`\`json\n${JSON.stringify(brand, null, 2)}\n\`\`\`\n`;
}
