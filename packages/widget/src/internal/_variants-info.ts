import { deliverableVariants, isRunEnded, type VariantsSource } from '@marketing-team/core/client';
import type { VariantsInfo } from './_variants-panel.js';

/** What the variants of a session's deliverables are read from. */
export type VariantsState = VariantsSource;

const computed = new WeakMap<VariantsState, Record<string, VariantsInfo>>();

/**
 * The variants of each deliverable that has some, and how many its variants runs that have not
 * ended still write; computed once per state (every package's gallery asks).
 */
export function variantsByDeliverable(state: VariantsState): Record<string, VariantsInfo> {
  const known = computed.get(state);
  if (known) return known;
  const byDeliverable: Record<string, VariantsInfo> = {};
  for (const runId of state.runOrder) {
    const target = state.runs[runId]?.variantsOf?.deliverableId;
    if (target === undefined || Object.hasOwn(byDeliverable, target)) continue;
    const variants = deliverableVariants(state, target);
    let writing = 0;
    for (const id of state.runOrder) {
      const run = state.runs[id];
      if (run?.variantsOf?.deliverableId !== target || isRunEnded(run)) continue;
      writing += Math.max(0, run.variantsOf.count - variants.filter((variant) => variant.deliverable.runId === id).length);
    }
    byDeliverable[target] = { variants, writing };
  }
  computed.set(state, byDeliverable);
  return byDeliverable;
}
