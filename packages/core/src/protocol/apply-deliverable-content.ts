import type { Deliverable, DeliverableContent } from './deliverables.js';

/**
 * The deliverable with a person's edit applied: title, Markdown and data replaced, everything
 * else kept (key order too, so a state built here serialises like one parsed from a snapshot).
 * Returns `undefined` when the edit is of another kind.
 */
export function applyDeliverableContent(deliverable: Deliverable, content: DeliverableContent): Deliverable | undefined {
  if (deliverable.kind !== content.kind) return undefined;
  return { ...deliverable, title: content.title, markdown: content.markdown, data: content.data } as Deliverable;
}
