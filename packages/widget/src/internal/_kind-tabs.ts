import type { Deliverable, DeliverableKind } from '@marketing-team/core/client';

/** The deliverables of one kind in a run's package: one tab. */
export interface KindGroup {
  kind: DeliverableKind;
  deliverables: Deliverable[];
  /** What the tab counts: the posts, ads or concepts inside, else the deliverables. */
  count: number;
}

/** Groups a package's deliverables by kind, kinds in the order their first deliverable arrived. */
export function groupByKind(deliverables: readonly Deliverable[]): KindGroup[] {
  const groups = new Map<DeliverableKind, KindGroup>();
  for (const deliverable of deliverables) {
    let group = groups.get(deliverable.kind);
    if (!group) groups.set(deliverable.kind, (group = { kind: deliverable.kind, deliverables: [], count: 0 }));
    group.deliverables.push(deliverable);
    group.count += itemCount(deliverable);
  }
  return [...groups.values()];
}

/** A marketer counts posts and ads, not the deliverable holding them. */
function itemCount(deliverable: Deliverable): number {
  switch (deliverable.kind) {
    case 'social-posts':
      return Math.max(1, deliverable.data.posts.length);
    case 'ad-copy':
      return Math.max(1, deliverable.data.variants.length);
    case 'creative-concepts':
      return Math.max(1, deliverable.data.concepts.length);
    default:
      return 1;
  }
}

/**
 * The index of the tab a key moves to in a tablist of `length` tabs (WAI-ARIA tabs pattern:
 * arrows wrap, Home and End jump to the ends), or `undefined` for any other key.
 */
export function tabIndexAfterKey(key: string, current: number, length: number): number | undefined {
  switch (key) {
    case 'ArrowRight':
      return (current + 1) % length;
    case 'ArrowLeft':
      return (current - 1 + length) % length;
    case 'Home':
      return 0;
    case 'End':
      return length - 1;
    default:
      return undefined;
  }
}
