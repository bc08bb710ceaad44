import type { Deliverable, SessionState } from '../protocol/index.js';
import { SessionClientError } from './client-errors.js';

/** The letter of the `index`th variant of a deliverable (`A` for the first). */
export function variantLetter(index: number): string {
  return String.fromCharCode(65 + (index % 26));
}

/** The parts of a session's state the variants of a deliverable are read from. */
export type VariantsSource = Pick<SessionState, 'runs' | 'deliverables' | 'deliverableOrder' | 'deliverableVersions'>;

/** One variant of a deliverable, as a card shows it. */
export interface DeliverableVariant {
  /** `A`, `B`, `C`, … in the order the variants were written. */
  letter: string;
  deliverable: Deliverable;
  /** True while the deliverable's current version is this variant, as a person chose it. */
  inUse: boolean;
}

/**
 * The variants written of a deliverable (by runs that asked for variants of it), oldest first,
 * and which one is in use: the last version of the deliverable, when a person chose a variant.
 */
export function deliverableVariants(state: VariantsSource, deliverableId: string): DeliverableVariant[] {
  const history = Object.hasOwn(state.deliverableVersions, deliverableId) ? state.deliverableVersions[deliverableId]!.history : [];
  const inUse = history[history.length - 1]?.variantId;
  const variants: DeliverableVariant[] = [];
  for (const id of state.deliverableOrder) {
    const deliverable = state.deliverables[id];
    if (!deliverable || state.runs[deliverable.runId]?.variantsOf?.deliverableId !== deliverableId) continue;
    variants.push({ letter: variantLetter(variants.length), deliverable, inUse: id === inUse });
  }
  return variants;
}

/**
 * The `variant.chosen` event that makes a variant the current version of its deliverable, ready
 * for `SessionHandle.publish` (which needs `write`), made on the current version; the server
 * refuses it with `conflict` when someone stored a newer version since.
 */
export function variantChosenEvent(state: SessionState, deliverableId: string, variantId: string): Record<string, unknown> {
  const deliverable = Object.hasOwn(state.deliverables, deliverableId) ? state.deliverables[deliverableId] : undefined;
  if (!deliverable) throw new SessionClientError('invalid_argument', `deliverableId: no deliverable ${deliverableId} in this session`, { field: 'deliverableId' });
  if (!deliverableVariants(state, deliverableId).some((variant) => variant.deliverable.id === variantId)) {
    throw new SessionClientError('invalid_argument', `variantId: ${variantId} is not a variant of ${deliverableId}`, { field: 'variantId' });
  }
  const baseVersion = Object.hasOwn(state.deliverableVersions, deliverableId) ? state.deliverableVersions[deliverableId]!.version : 1;
  return { type: 'variant.chosen', runId: deliverable.runId, taskId: deliverable.taskId, deliverableId, variantId, baseVersion };
}
