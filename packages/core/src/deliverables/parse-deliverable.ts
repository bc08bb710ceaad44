import { z } from 'zod';
import {
  DeliverableSchema,
  SocialChannelSchema,
  type Deliverable,
  type DeliverableIssue,
  type DeliverableKind,
} from '../protocol/deliverables.js';
import { DeliverableKindSchema } from '../protocol/deliverables.js';
import { AgentNameSchema, IdSchema } from '../protocol/limits.js';
import { zodIssues } from '../team/_definition.js';
import { findJsonBlock } from '../team/_json-block.js';
import { DataReader } from './_read-data.js';
import { findBannedTerms, repairAdVariant, repairSocialPost } from './channel-limits.js';
import { DELIVERABLE_LABELS } from './output-format.js';
import { TeamDefinitionError } from '../team/team-definition-error.js';

/** Brand rules the validators apply: banned terms are flagged, required disclaimers appended. */
export interface DeliverableBrandRules {
  bannedTerms?: readonly string[];
  requiredDisclaimers?: readonly string[];
}

/** What `parseDeliverable` needs: the model's text, the kind it was asked for, and the ids to stamp. */
export interface ParseDeliverableInput {
  kind: DeliverableKind;
  /** The model's full answer (untrusted). */
  text: string;
  id: string;
  runId: string;
  taskId: string;
  agent: string;
  skill: string;
  /** True when the offline model wrote the text. */
  offline?: boolean;
  /** Defaults to the Markdown's first `# ` heading, else the kind's label. */
  title?: string;
  brand?: DeliverableBrandRules;
}

const IdsSchema = z.object({
  kind: DeliverableKindSchema,
  text: z.string(),
  id: IdSchema,
  runId: IdSchema,
  taskId: IdSchema,
  agent: AgentNameSchema,
  skill: IdSchema,
  offline: z.boolean().optional(),
  title: z.string().max(300).optional(),
});

/**
 * Turns a model answer (Markdown followed by a fenced JSON block) into a typed `Deliverable`.
 * Never throws on model text: a missing or broken JSON block is flagged as `invalid_output`,
 * fields are coerced or cut, channel limits repaired, banned terms flagged and disclaimers
 * appended, each recorded in `issues`. Throws `TeamDefinitionError` only for bad ids.
 */
export function parseDeliverable(input: ParseDeliverableInput): Deliverable {
  const checked = IdsSchema.safeParse(input);
  if (!checked.success) {
    throw new TeamDefinitionError(zodIssues(checked.error));
  }
  const issues: DeliverableIssue[] = [];
  const block = findJsonBlock(input.text);
  let markdown = (block ? [block.before, block.after].filter(Boolean).join('\n\n') : input.text).trim();
  let raw: unknown;
  if (!block) {
    issues.push({ field: 'data', message: 'invalid_output: the answer has no fenced json block', repaired: false });
  } else {
    if (!block.closed) issues.push({ field: 'data', message: 'invalid_output: the json block is not closed (truncated answer?)', repaired: false });
    try {
      raw = JSON.parse(block.json);
    } catch (error) {
      // trailing commas are the most common slip of a model writing JSON; repair only that
      try {
        raw = JSON.parse(block.json.replace(/,(\s*[}\]])/g, '$1'));
        issues.push({ field: 'data', message: 'removed trailing commas from the json block', repaired: true });
      } catch {
        issues.push({ field: 'data', message: `invalid_output: the json block does not parse (${(error as Error).message})`, repaired: false });
      }
    }
  }
  const reader = new DataReader(issues);
  const data = readData(input.kind, raw, markdown, input.text, reader);
  repairData(input.kind, data, issues, input.brand ?? {});

  // Disclaimers travel beside the text, never inside it (model Markdown could hide them), so a
  // text without them needs no repair.
  const disclaimers = [...(input.brand?.requiredDisclaimers ?? [])];
  const banned = findBannedTerms(markdown, input.brand?.bannedTerms ?? []);
  for (const term of banned) issues.push({ field: 'markdown', message: `uses banned term "${term}"`, repaired: false });
  if (markdown.length > 200_000) {
    markdown = markdown.slice(0, 200_000);
    issues.push({ field: 'markdown', message: 'longer than 200000 characters; cut', repaired: true });
  }
  const heading = /^#\s+(.+)$/m.exec(markdown)?.[1]?.trim();
  const title = (input.title ?? heading ?? DELIVERABLE_LABELS[input.kind]).slice(0, 300);
  if (issues.length > 100) issues.splice(99, issues.length - 99, { field: 'issues', message: 'more issues were found and left out', repaired: false });
  return DeliverableSchema.parse({
    id: input.id,
    title,
    runId: input.runId,
    taskId: input.taskId,
    agent: input.agent,
    skill: input.skill,
    offline: input.offline ?? false,
    markdown,
    issues,
    disclaimers,
    kind: input.kind,
    data,
  });
}

type AnyData = Record<string, unknown>;

function readData(kind: DeliverableKind, raw: unknown, markdown: string, text: string, read: DataReader): AnyData {
  const broken = raw === undefined;
  const root = broken ? {} : read.object(raw, 'data');
  // when the JSON is unusable, missing fields are already explained by the invalid_output issue
  const quiet = broken ? new DataReader([]) : read;
  switch (kind) {
    case 'research-brief':
      return {
        summary: quiet.string(root.summary, 'data.summary', 4000, markdown.slice(0, 4000)),
        audienceInsights: quiet.strings(root.audienceInsights, 'data.audienceInsights', 20, 1000),
        marketTrends: quiet.strings(root.marketTrends, 'data.marketTrends', 20, 1000),
        opportunities: quiet.strings(root.opportunities, 'data.opportunities', 20, 1000),
      };
    case 'competitor-snapshot':
      return {
        competitors: quiet.array(root.competitors, 'data.competitors', 12, (value, path) => {
          const item = quiet.object(value, path);
          return {
            name: quiet.string(item.name, `${path}.name`, 200),
            positioning: quiet.string(item.positioning, `${path}.positioning`, 1000),
            strengths: quiet.strings(item.strengths, `${path}.strengths`, 10, 500),
            weaknesses: quiet.strings(item.weaknesses, `${path}.weaknesses`, 10, 500),
          };
        }),
      };
    case 'campaign-strategy':
      return {
        positioning: quiet.string(root.positioning, 'data.positioning', 2000, broken ? markdown.slice(0, 2000) : ''),
        keyMessages: quiet.strings(root.keyMessages, 'data.keyMessages', 10, 500),
        channels: quiet.array(root.channels, 'data.channels', 12, (value, path) => {
          const item = quiet.object(value, path);
          return { channel: quiet.string(item.channel, `${path}.channel`, 100), role: quiet.string(item.role, `${path}.role`, 500) };
        }),
        phases: quiet.array(root.phases, 'data.phases', 10, (value, path) => {
          const item = quiet.object(value, path);
          return {
            name: quiet.string(item.name, `${path}.name`, 200),
            timing: quiet.string(item.timing, `${path}.timing`, 200),
            focus: quiet.string(item.focus, `${path}.focus`, 1000),
          };
        }),
      };
    case 'social-posts':
      return {
        posts: quiet.array(root.posts, 'data.posts', 30, (value, path) => {
          const item = quiet.object(value, path);
          const channel = SocialChannelSchema.safeParse(typeof item.channel === 'string' ? item.channel.toLowerCase() : item.channel);
          if (!channel.success) {
            quiet.issues.push({ field: `${path}.channel`, message: `unknown channel ${JSON.stringify(item.channel)}; post dropped`, repaired: false });
            return undefined;
          }
          return {
            channel: channel.data,
            text: quiet.string(item.text, `${path}.text`, 5000),
            hashtags: quiet.array(item.hashtags ?? [], `${path}.hashtags`, 30, (tag, tagPath) => quiet.string(tag, tagPath, 100)),
          };
        }),
      };
    case 'ad-copy':
      return {
        variants: quiet.array(root.variants, 'data.variants', 20, (value, path) => {
          const item = quiet.object(value, path);
          return {
            platform: quiet.string(item.platform, `${path}.platform`, 100),
            headline: quiet.string(item.headline, `${path}.headline`, 300),
            description: quiet.string(item.description, `${path}.description`, 1000),
            callToAction: quiet.string(item.callToAction, `${path}.callToAction`, 100),
          };
        }),
      };
    case 'landing-page': {
      const fallbackHtml = broken ? (/<!doctype html[\s\S]*<\/html>/i.exec(text)?.[0] ?? '') : '';
      return {
        headline: quiet.string(root.headline, 'data.headline', 300, /^#\s+(.+)$/m.exec(markdown)?.[1] ?? ''),
        html: quiet.string(root.html, 'data.html', 200_000, fallbackHtml),
      };
    }
    case 'creative-concepts': {
      const fallbackSvg = broken ? (/<svg[\s\S]*<\/svg>/i.exec(text)?.[0] ?? '') : '';
      return {
        concepts: quiet.array(root.concepts, 'data.concepts', 10, (value, path) => {
          const item = quiet.object(value, path);
          return {
            name: quiet.string(item.name, `${path}.name`, 200),
            description: quiet.string(item.description, `${path}.description`, 2000),
            palette: quiet.array(item.palette ?? [], `${path}.palette`, 8, (color, colorPath) => quiet.string(color, colorPath, 32)),
          };
        }),
        bannerSvg: quiet.string(root.bannerSvg, 'data.bannerSvg', 100_000, fallbackSvg),
      };
    }
    case 'measurement-plan':
      return {
        kpis: quiet.array(root.kpis, 'data.kpis', 30, (value, path) => {
          const item = quiet.object(value, path);
          return {
            name: quiet.string(item.name, `${path}.name`, 200),
            metric: quiet.string(item.metric, `${path}.metric`, 500),
            target: quiet.string(item.target, `${path}.target`, 200),
            channel: quiet.optionalString(item.channel, `${path}.channel`, 100),
            cadence: quiet.string(item.cadence, `${path}.cadence`, 100),
          };
        }),
        tools: quiet.strings(root.tools, 'data.tools', 20, 200),
      };
  }
}

const TAG = /^<([a-zA-Z][\w:-]*)((?:\s+[^\s=>/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)(\s*\/?)>$/;

/**
 * A first pass over untrusted markup: scripts, event handlers, javascript: URLs. It is not a
 * security boundary (regular expressions cannot parse HTML); every place that shows or writes the
 * markup sanitizes it again with a real parser and an allowlist (the widget, the export).
 */
function stripActiveContent(markup: string, path: string, issues: DeliverableIssue[]): string {
  const cleaned = markup
    .replace(/<script\b[\s\S]*?(<\/script\s*>|$)/gi, '')
    .replace(/<foreignObject\b[\s\S]*?(<\/foreignObject\s*>|$)/gi, '')
    // only inside tags: escaped text such as "&lt;img onerror=...&gt;" is harmless and kept
    .replace(/<([a-zA-Z][\w:-]*)((?:\s+[^\s=>/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)(\s*\/?)>/g, (_tag, name: string, attributes: string, end: string) => {
      // walk the attributes one by one so text inside quoted values is never mistaken for one
      const kept = [...attributes.matchAll(/\s+([^\s=>/]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?/g)]
        .filter((attribute) => !/^on/i.test(attribute[1]!))
        .map((attribute) =>
          /^(href|src|xlink:href|action|formaction)$/i.test(attribute[1]!) && /^["']?\s*javascript:/i.test(attribute[2] ?? '')
            ? ` ${attribute[1]}="#"`
            : attribute[0],
        );
      return `<${name}${kept.join('')}${end}>`;
    })
    // anything still shaped like a tag but not parseable above (e.g. `<img/src=x onerror=...>`) is dropped
    .replace(/<[a-zA-Z][^>]*>/g, (tag) => (TAG.test(tag) ? tag : ''));
  if (cleaned !== markup) issues.push({ field: path, message: 'removed scripts, event handlers or javascript: links', repaired: true });
  return cleaned;
}

function repairData(kind: DeliverableKind, data: AnyData, issues: DeliverableIssue[], brand: DeliverableBrandRules): void {
  const banned = brand.bannedTerms ?? [];
  const flagBanned = (text: string, field: string): void => {
    for (const term of findBannedTerms(text, banned)) issues.push({ field, message: `uses banned term "${term}"`, repaired: false });
  };
  if (kind === 'social-posts') {
    const posts = data.posts as { channel: z.infer<typeof SocialChannelSchema>; text: string; hashtags: string[] }[];
    data.posts = posts.map((post, i) => {
      const path = `data.posts[${i}]`;
      const repaired = repairSocialPost(post, { path, requiredDisclaimers: brand.requiredDisclaimers ?? [] });
      issues.push(...repaired.issues);
      flagBanned(repaired.post.text, `${path}.text`);
      return repaired.post;
    });
  } else if (kind === 'ad-copy') {
    const variants = data.variants as { platform: string; headline: string; description: string; callToAction: string }[];
    data.variants = variants.map((variant, i) => {
      const path = `data.variants[${i}]`;
      const repaired = repairAdVariant(variant, { path });
      issues.push(...repaired.issues);
      for (const field of ['headline', 'description', 'callToAction'] as const) flagBanned(repaired.variant[field], `${path}.${field}`);
      return repaired.variant;
    });
  } else if (kind === 'landing-page') {
    let html = stripActiveContent(String(data.html), 'data.html', issues);
    if (html.trim() && !/<html[\s>]/i.test(html)) {
      html = `<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(String(data.headline))}</title></head>\n<body>\n${html}\n</body>\n</html>`;
      issues.push({ field: 'data.html', message: 'wrapped the fragment in a complete HTML document', repaired: true });
    } else if (html.trim() && !/^\s*<!doctype html/i.test(html)) {
      html = `<!doctype html>\n${html.trimStart()}`;
      issues.push({ field: 'data.html', message: 'added the missing <!doctype html>', repaired: true });
    }
    if (!html.trim()) issues.push({ field: 'data.html', message: 'the landing page has no HTML', repaired: false });
    const missing = (brand.requiredDisclaimers ?? []).filter((d) => html && !html.toLowerCase().includes(escapeHtml(d).toLowerCase()));
    if (missing.length > 0) {
      const footer = `<footer class="mt-disclaimers">${missing.map((d) => `<p>${escapeHtml(d)}</p>`).join('')}</footer>`;
      html = /<\/body>/i.test(html) ? html.replace(/<\/body>/i, `${footer}\n</body>`) : `${html}\n${footer}`;
      issues.push({ field: 'data.html', message: `appended required disclaimer: ${missing.join(' ')}`, repaired: true });
    }
    if (html.length > 200_000) html = html.slice(0, 200_000);
    data.html = html;
    flagBanned(`${String(data.headline)}\n${html.replace(/<[^>]+>/g, ' ')}`, 'data.html');
  } else if (kind === 'creative-concepts') {
    let svg = stripActiveContent(String(data.bannerSvg), 'data.bannerSvg', issues).trim();
    if (svg && !/^(<\?xml[^>]*>\s*)?<svg[\s>]/i.test(svg)) {
      issues.push({ field: 'data.bannerSvg', message: 'the banner is not an SVG document; removed', repaired: false });
      svg = '';
    } else if (svg && !/<\/svg>\s*$/i.test(svg)) {
      issues.push({ field: 'data.bannerSvg', message: 'the SVG is not closed; removed', repaired: false });
      svg = '';
    } else if (svg && !/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/.test(svg)) {
      svg = svg.replace(/<svg\b/i, '<svg xmlns="http://www.w3.org/2000/svg"');
      issues.push({ field: 'data.bannerSvg', message: 'added the SVG namespace so it renders as an image', repaired: true });
    }
    if (!svg) issues.push({ field: 'data.bannerSvg', message: 'no banner SVG', repaired: false });
    data.bannerSvg = svg;
    flagBanned(svg.replace(/<[^>]+>/g, ' '), 'data.bannerSvg');
  } else {
    flagBanned(JSON.stringify(data), 'data');
  }
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
