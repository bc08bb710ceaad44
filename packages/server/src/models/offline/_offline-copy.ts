/**
 * The words offline drafts write public copy with. A brief's fields are notes from a marketer to
 * the team ("IT admins at 50-500 person companies", "Get 500 signups before Q3"), not copy a
 * customer should read, so public text is written from what they mean: a short audience phrase,
 * a product name, a benefit theme and the brand's voice. Nothing here pastes a field whole.
 */

/** How the copy should sound: from the brand's voice guide, then adjusted by steering. */
export interface OfflineTone {
  short: boolean;
  formal: boolean;
  playful: boolean;
  emoji: boolean;
  urgent: boolean;
}

/** A benefit the campaign leads with, in the forms sentences need. */
export interface OfflineBenefit {
  /** Theme key, stable for tests and for picking variants. */
  theme: string;
  /** What the reader gets, as a verb phrase after "helps you": "save hours every week". */
  verb: string;
  /** The same as a short title: "Hours back every week". */
  title: string;
  /** A concrete outcome line for a benefit card. */
  detail: string;
}

// Words after which an audience phrase stops describing who and starts describing where or why.
const AUDIENCE_BREAK =
  /\s*[(,;:.!?/|–—]|\s+-\s+|\s+(?:who|whom|whose|which|that|at|in|on|with|from|across|using|working|based|inside|within|for|by|via|like|such|looking|trying|struggling|wanting|needing|where|when)\s+/iu;
const LEADING = /^(?:(?:the|all|our|any|every|busy|most|many|some|a|an)\s+)+/iu;
const TRAILING = /(?:\s+(?:and|or|of|&|the|a|an|plus|\+|to|for|with|in|at|by|from|who|that|which))+$/iu;

/** The words before an "of" part (never the first word), or all of them when there is none. */
function beforeOf(words: string[]): string[] {
  const at = words.findIndex((word, index) => index > 0 && word.toLowerCase() === 'of');
  return at > 0 ? words.slice(0, at) : words;
}

/** Words of a text, split on whitespace. */
const wordsOf = (text: string): string[] => text.split(/\s+/u).filter(Boolean);

/**
 * A short noun phrase naming the audience, cut at a word boundary before any qualifier:
 * "IT admins and product managers at 50-500 person companies" becomes "IT admins". At most
 * three words (four for "owners of independent cafés") and `max` characters, never ending on a
 * connector or inside an "of" part; `undefined` when nothing readable is left.
 */
export function audienceNoun(text: string | undefined, max = 32): string | undefined {
  if (!text) return undefined;
  let head = (text.trim().split(AUDIENCE_BREAK)[0] ?? '').replace(LEADING, '').trim();
  // "admins and managers" reads as one group; keep the first when the group is long.
  // "owners of independent cafés" is one noun phrase: kept whole when short, else cut before its
  // "of" part, since a cut inside it leaves an adjective dangling ("owners of independent").
  let words = wordsOf(head);
  if (words.length > 3) words = words.length === 4 && beforeOf(words).length < 4 ? words : beforeOf(words).slice(0, 3);
  head = words.join(' ').replace(TRAILING, '').trim();
  words = wordsOf(head);
  const fitted = words.length;
  while (words.length > 0 && [...words.join(' ')].length > max) {
    words = words.slice(0, -1);
    words = wordsOf(words.join(' ').replace(TRAILING, ''));
  }
  if (words.length < fitted) words = beforeOf(words);
  head = words.join(' ').replace(/[^\p{L}\p{N})]+$/u, '').trim();
  if (!/\p{L}/u.test(head)) return undefined;
  // lower-case a leading capital unless the word is an acronym or a name ("IT admins", "UK owners")
  return /^\p{Lu}\p{Ll}/u.test(head) && !/^\p{Lu}\p{Ll}+\p{Lu}/u.test(head) ? head.charAt(0).toLowerCase() + head.slice(1) : head;
}

/** Fits a phrase into `max` characters by dropping whole words; `undefined` when no word fits. */
export function fitWords(text: string, max: number): string | undefined {
  let words = wordsOf(text);
  while (words.length > 0 && [...words.join(' ')].length > max) words = words.slice(0, -1);
  const fitted = words.join(' ').replace(TRAILING, '').replace(/[\s,;:–—-]+$/u, '');
  return fitted.length > 0 ? fitted : undefined;
}

/** Picks the first candidate that fits `max` characters whole; falls back to word-fitting the last. */
export function firstFitting(candidates: readonly string[], max: number, fallback: string): string {
  for (const candidate of candidates) if ([...candidate].length <= max) return candidate;
  return fitWords(candidates[candidates.length - 1] ?? fallback, max) ?? fitWords(fallback, max) ?? fallback.slice(0, max);
}

/**
 * A product name short enough for a headline: the brand product the brief names (longest match
 * wins), else the brief's product cut before any description, else the brand's first product.
 */
export function productName(briefProduct: string | undefined, goal: string, products: readonly { name: string }[], brandName: string): string {
  const byLength = [...products].sort((a, b) => b.name.length - a.name.length);
  const mentioned = (text: string) => byLength.find((product) => text.toLowerCase().includes(product.name.toLowerCase()));
  if (briefProduct) {
    const named = mentioned(briefProduct);
    if (named) return named.name;
    const head = (briefProduct.split(/\s*[(,;:.!?–—]|\s+-\s+/u)[0] ?? '').trim();
    const short = wordsOf(head).length <= 4 ? fitWords(head, 40) : undefined;
    if (short) return short;
  }
  return (mentioned(goal) ?? products[0])?.name ?? brandName;
}

const THEMES: ReadonlyArray<{ match: RegExp } & OfflineBenefit> = [
  {
    theme: 'meetings',
    match: /\b(meeting|recap|note|summar|minutes|call|agenda|transcri)/iu,
    verb: 'leave every meeting with clear notes',
    title: 'Clear notes, every meeting',
    detail: 'Decisions and next steps are written down while the meeting is still fresh.',
  },
  {
    theme: 'time',
    match: /\b(time|fast|quick|hour|speed|automat|manual|busywork|late at night|efficien)/iu,
    verb: 'get hours back every week',
    title: 'Hours back every week',
    detail: 'The repetitive part runs on its own, so the week has room for the work that matters.',
  },
  {
    theme: 'money',
    match: /\b(cost|budget|price|pricing|spend|cash|revenue|margin|payroll|invoice|books|account)/iu,
    verb: 'keep the numbers under control',
    title: 'Numbers you can trust',
    detail: 'See where the money goes at a glance, without a spreadsheet marathon.',
  },
  {
    theme: 'team',
    match: /\b(team|collaborat|share|sharing|together|align|handoff|remote)/iu,
    verb: 'keep the whole team on the same page',
    title: 'One page for the whole team',
    detail: 'Everyone works from the same up-to-date picture, so nothing falls between chairs.',
  },
  {
    theme: 'security',
    match: /\b(secur|complian|privacy|gdpr|soc ?2|risk|audit)/iu,
    verb: 'stay secure without the extra work',
    title: 'Secure by default',
    detail: 'Sensible protection is switched on from day one, with no extra setup.',
  },
  {
    theme: 'growth',
    match: /\b(grow|sales|lead|pipeline|customer|convert|scale|revenue)/iu,
    verb: 'grow without the guesswork',
    title: 'Growth without guesswork',
    detail: 'Clear signals show what works, so effort goes where it pays off.',
  },
];
const DEFAULT_BENEFIT: OfflineBenefit = {
  theme: 'simplicity',
  verb: 'get more done with less effort',
  title: 'Less effort, more done',
  detail: 'The busywork gets simpler, so the important work gets the attention.',
};

/**
 * The benefit a campaign leads with, read from what the brief and the product are about
 * (the theme whose words appear most; ties go to the earlier theme), never quoted from them.
 */
export function benefitOf(...texts: readonly (string | undefined)[]): OfflineBenefit {
  const text = texts.filter(Boolean).join(' ');
  let best: { benefit: OfflineBenefit; score: number } = { benefit: DEFAULT_BENEFIT, score: 0 };
  for (const { match, ...benefit } of THEMES) {
    const score = text.match(new RegExp(match.source, 'giu'))?.length ?? 0;
    if (score > best.score) best = { benefit, score };
  }
  return best.benefit;
}

/**
 * The tone of a draft: the brand's voice guide sets the default (a "playful" brand writes
 * playfully), steering overrides it for this generation ("more formal" beats a playful voice).
 */
export function toneOf(voice: string | undefined, steerText: string): OfflineTone {
  const v = (voice ?? '').toLowerCase();
  const s = steerText.toLowerCase();
  const steeredFormal = /\b(formal|professional|serious|no emoji|less playful)\b/u.test(s);
  const steeredPlayful = /\b(playful|fun|funny|casual|witty|light|lighter|cheeky)\b/u.test(s) && !/\bless playful\b/u.test(s);
  const voicePlayful = /\b(playful|witty|cheeky|fun|humou?r)/u.test(v) && !/\bno (humou?r|jokes)\b/u.test(v);
  const voiceFormal = /\b(formal|authoritative|corporate|professional)\b/u.test(v);
  return {
    short: /\b(short|shorter|brief|briefer|concise|punchy|tight|tighter|fewer words)\b/u.test(s),
    formal: steeredFormal || (voiceFormal && !steeredPlayful),
    playful: steeredPlayful || (voicePlayful && !steeredFormal),
    emoji: /\bemoji/u.test(s) && !/\bno emoji/u.test(s),
    urgent: /\b(urgent|urgency|deadline|limited|now|ends)\b/u.test(s),
  };
}

/** The tone adjustments a steer asked for, in words a reviewer reads ("a playful tone; shorter copy"). */
export function toneSummary(tone: OfflineTone, steered: boolean): string {
  if (!steered) return '';
  const parts = [
    tone.playful ? 'a playful tone' : '',
    tone.formal ? 'a formal tone' : '',
    tone.short ? 'shorter copy' : '',
    tone.urgent ? 'more urgency' : '',
    tone.emoji ? 'an emoji' : '',
  ].filter(Boolean);
  return parts.length > 0 ? parts.join('; ') : 'recorded in the campaign strategy';
}
