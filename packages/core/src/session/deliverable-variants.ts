import type { Deliverable, SessionState } from '../protocol/index.js';
import { SessionClientError } from './client-errors.js';

/** The letter of the `index`th variant of a deliverable (`A` for the first). */
export function variantLetter(index: number): string {
  return String.fromCharCode(65 + (index % 26));
}

/** The parts of a session's state the variants of a deliverable are read from. */
export type VariantsSource = Pick<SessionState, 'runs' | 'runOrder' | 'deliverables' | 'deliverableOrder' | 'deliverableVersions'>;

/** One variant of a deliverable, as a card shows it. */
export interface DeliverableVariant {
  /** `A`, `B`, `C`, … in the order the variants were written. */
  letter: string;
  deliverable: Deliverable;
  /** True while the deliverable's current version is this variant, as a person chose it. */
  inUse: boolean;
}

/**
 * The variants written of a deliverable (by runs that asked for variants of it), and which one is
 * in use: the last version of the deliverable, when a person chose a variant. They are lettered in
 * the order they were asked for (run by run, each run's tasks in plan order), not the order their
 * generations happened to finish in, so a letter names the same variant on every device.
 */
export function deliverableVariants(state: VariantsSource, deliverableId: string): DeliverableVariant[] {
  return lettered(state, deliverableId).variants;
}

/**
 * The index of the first variant a variants run writes of a deliverable (its letter is
 * `variantLetter` of it): how many earlier runs asked for. Without `runId`, the next one's.
 */
export function nextVariantIndex(state: VariantsSource, deliverableId: string, runId?: string): number {
  return lettered(state, deliverableId, runId).asked;
}

function lettered(state: VariantsSource, deliverableId: string, untilRun?: string): { variants: DeliverableVariant[]; asked: number } {
  const history = Object.hasOwn(state.deliverableVersions, deliverableId) ? state.deliverableVersions[deliverableId]!.history : [];
  const inUse = history[history.length - 1]?.variantId;
  const variants: DeliverableVariant[] = [];
  let asked = 0;
  for (const runId of state.runOrder) {
    if (runId === untilRun) break;
    const run = state.runs[runId];
    if (run?.variantsOf?.deliverableId !== deliverableId) continue;
    const written = state.deliverableOrder.map((id) => state.deliverables[id]).filter((deliverable) => deliverable?.runId === runId);
    for (const [index, taskId] of run.taskOrder.entries()) {
      const deliverable = written.find((candidate) => candidate?.taskId === taskId);
      if (deliverable) variants.push({ letter: variantLetter(asked + index), deliverable, inUse: deliverable.id === inUse });
    }
    asked += Math.max(run.taskOrder.length, run.variantsOf.count);
  }
  return { variants, asked };
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
