import type { DeliverableKind } from '../protocol/deliverables.js';

/** Human label of each deliverable kind. */
export const DELIVERABLE_LABELS: Readonly<Record<DeliverableKind, string>> = Object.freeze({
  'research-brief': 'Research brief',
  'competitor-snapshot': 'Competitor snapshot',
  'campaign-strategy': 'Campaign strategy',
  'social-posts': 'Social posts',
  'ad-copy': 'Ad copy',
  'landing-page': 'Landing page',
  'creative-concepts': 'Creative concepts',
  'measurement-plan': 'Measurement plan',
});

const SHAPES: Record<DeliverableKind, string> = {
  'research-brief': `{
  "summary": "string",
  "audienceInsights": ["string"],
  "marketTrends": ["string"],
  "opportunities": ["string"]
}`,
  'competitor-snapshot': `{
  "competitors": [
    { "name": "string", "positioning": "string", "strengths": ["string"], "weaknesses": ["string"] }
  ]
}`,
  'campaign-strategy': `{
  "positioning": "string",
  "keyMessages": ["string"],
  "channels": [{ "channel": "string", "role": "string" }],
  "phases": [{ "name": "string", "timing": "string", "focus": "string" }]
}`,
  'social-posts': `{
  "posts": [
    { "channel": "x | linkedin | instagram | facebook | tiktok | threads", "text": "the full post as published, hashtags included", "hashtags": ["TagWithoutHash"] }
  ]
}`,
  'ad-copy': `{
  "variants": [
    { "platform": "google | meta | linkedin | microsoft | x", "headline": "string", "description": "string", "callToAction": "string" }
  ]
}`,
  'landing-page': `{
  "headline": "string",
  "html": "<!doctype html>... a complete, self-contained HTML document with inline CSS and no scripts"
}`,
  'creative-concepts': `{
  "concepts": [{ "name": "string", "description": "string", "palette": ["#rrggbb"] }],
  "bannerSvg": "<svg xmlns=\\"http://www.w3.org/2000/svg\\" ...>...</svg> (1200x628, no scripts, no external images)"
}`,
  'measurement-plan': `{
  "kpis": [{ "name": "string", "metric": "string", "target": "string", "channel": "string (optional)", "cadence": "string" }],
  "tools": ["string"]
}`,
};

/**
 * The output format every skill answers in: readable Markdown first (what people watch while it
 * streams), then one fenced ```json block holding the deliverable data. `parseDeliverable` reads
 * this format; `offlineDraft` writes it.
 */
export function outputFormatInstructions(kind: DeliverableKind): string {
  return [
    '## Output format',
    `Write the ${DELIVERABLE_LABELS[kind].toLowerCase()} for a person first: a "# " title, then readable Markdown sections.`,
    'Then end your answer with exactly one fenced code block tagged json that holds the same content as data, with this shape:',
    '```json',
    SHAPES[kind],
    '```',
    'Write nothing after the closing fence. The JSON must be valid (double quotes, no comments, no trailing commas).',
  ].join('\n');
}
