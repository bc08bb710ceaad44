import type { Deliverable, DeliverableContent } from '@marketing-team/core/client';
import type { WidgetStrings } from '../strings.js';

/** One text a person may change in a deliverable: where it is, how it is labelled, how much room it needs. */
export interface EditField {
  /** Path in the deliverable (`title`, `markdown`, or under `data`). */
  path: readonly (string | number)[];
  label: string;
  multiline: boolean;
  /** The schema's limit for it. */
  maxLength: number;
  value: string;
}

// The documents show their Markdown; the structured kinds show their data, so those texts are
// what a person edits there (the Markdown follows, see contentOf).
const DOCUMENT_KINDS = new Set(['research-brief', 'competitor-snapshot', 'campaign-strategy']);

/** The fields of the inline editor of a deliverable, in the order the card shows them. */
export function editFields(deliverable: Deliverable, strings: WidgetStrings): EditField[] {
  const label = (key: string, prefix?: string) => `${prefix ? `${prefix} · ` : ''}${strings.editFields[key] ?? key}`;
  const field = (path: (string | number)[], key: string, max: number, multiline: boolean, prefix?: string): EditField => ({
    path,
    label: label(key, prefix),
    multiline,
    maxLength: max,
    value: String(path.reduce<unknown>((value, step) => (value as Record<string | number, unknown>)[step], deliverable)),
  });
  const fields = [field(['title'], 'title', 300, false)];
  if (DOCUMENT_KINDS.has(deliverable.kind)) return [...fields, field(['markdown'], 'markdown', 200_000, true)];
  switch (deliverable.kind) {
    case 'social-posts':
      deliverable.data.posts.forEach((post, index) => fields.push(field(['data', 'posts', index, 'text'], 'text', 5000, true, strings.channels[post.channel])));
      break;
    case 'ad-copy':
      deliverable.data.variants.forEach((variant, index) => {
        const prefix = `${variant.platform || strings.deliverableKinds['ad-copy']} ${index + 1}`;
        fields.push(
          field(['data', 'variants', index, 'headline'], 'headline', 300, false, prefix),
          field(['data', 'variants', index, 'description'], 'description', 1000, true, prefix),
          field(['data', 'variants', index, 'callToAction'], 'callToAction', 100, false, prefix),
        );
      });
      break;
    case 'landing-page':
      fields.push(field(['data', 'headline'], 'headline', 300, false), field(['data', 'html'], 'html', 200_000, true));
      break;
    case 'creative-concepts':
      deliverable.data.concepts.forEach((concept, index) =>
        fields.push(field(['data', 'concepts', index, 'name'], 'name', 200, false, `${index + 1}`), field(['data', 'concepts', index, 'description'], 'description', 2000, true, `${index + 1}`)),
      );
      break;
    case 'measurement-plan':
      deliverable.data.kpis.forEach((kpi, index) =>
        fields.push(
          field(['data', 'kpis', index, 'name'], 'name', 200, false, `KPI ${index + 1}`),
          field(['data', 'kpis', index, 'metric'], 'metric', 500, false, `KPI ${index + 1}`),
          field(['data', 'kpis', index, 'target'], 'target', 200, false, `KPI ${index + 1}`),
        ),
      );
      break;
  }
  return fields;
}

/**
 * The deliverable's new content from the editor's values (by field index). Where a changed data
 * text appears word for word in the Markdown, it changes there too, so the Markdown a person
 * copies, downloads or an agent reads says the same as the card.
 */
export function contentOf(deliverable: Deliverable, fields: readonly EditField[], values: readonly string[]): DeliverableContent {
  const content = structuredClone({ kind: deliverable.kind, title: deliverable.title, markdown: deliverable.markdown, data: deliverable.data }) as DeliverableContent;
  fields.forEach((field, index) => {
    const value = values[index] ?? field.value;
    if (value === field.value) return;
    const parent = field.path.slice(0, -1).reduce<Record<string | number, unknown>>((node, step) => node[step] as Record<string | number, unknown>, content as never);
    parent[field.path.at(-1)!] = value;
    if (field.path[0] === 'data' && field.value.trim().length >= 3) content.markdown = content.markdown.split(field.value).join(value);
  });
  if (content.kind === 'social-posts') {
    for (const post of content.data.posts) post.characterCount = Array.from(post.text).length;
  }
  return content;
}
