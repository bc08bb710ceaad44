import { ProtocolError, deliverableVariants, nextVariantIndex, type Deliverable, type SessionEvent, type SessionState } from '@marketing-team/core';
import type { RunContext } from '../runtime/run-launcher.js';

/** Kinds a person can ask variants of: copy that is A/B tested. */
const VARIANT_KINDS: ReadonlySet<Deliverable['kind']> = new Set(['social-posts', 'ad-copy']);

type BriefEvent = Extract<SessionEvent, { type: 'brief.submitted' }>;

/** The task a brief writes again or writes variants of (checked like a regeneration by `continuable`). */
export function rewrittenTaskId(event: BriefEvent): string | undefined {
  return event.regenerate?.taskId ?? event.variants?.taskId;
}

/**
 * A variants brief continues an ended run whose task finished a social post or ad deliverable
 * (`continuable` checks the run and the task), and asks for nothing else.
 */
export function checkVariantsBrief(state: SessionState, event: BriefEvent): void {
  const variants = event.variants;
  if (!variants) return;
  if (event.continues === undefined) throw new ProtocolError('bad_frame', 'event.variants: name the run it continues (event.continues)', 'event.variants');
  if (event.regenerate) throw new ProtocolError('bad_frame', 'event.variants: ask for variants or a regeneration, not both', 'event.variants');
  const deliverable = targetOf(state, event.continues, variants.taskId);
  if (deliverable && !VARIANT_KINDS.has(deliverable.kind)) {
    throw new ProtocolError('bad_frame', `event.variants.taskId: a ${deliverable.kind} has no variants; ask for them on social posts or ad copy`, 'event.variants.taskId');
  }
}

/** What a variants brief hands its run: the deliverable to vary, and no other deliverable to take over. */
export function variantsLaunch(state: SessionState, event: BriefEvent): Pick<RunContext, 'reuse' | 'variants'> {
  const previous = event.variants && event.continues !== undefined ? targetOf(state, event.continues, event.variants.taskId) : undefined;
  if (!previous || !event.variants) return {};
  const { count, instruction } = event.variants;
  const firstIndex = nextVariantIndex(state, previous.id, event.runId);
  return { reuse: [], variants: { skill: previous.skill, count, firstIndex, previous, ...(instruction ? { instruction } : {}) } };
}

/**
 * A choice is stored only when it names a deliverable of that run and task, a variant a variants
 * run wrote of it, and was made on its current version (a choice on an older one would overwrite
 * someone else's edit).
 */
export function checkVariantChoice(state: SessionState, event: Extract<SessionEvent, { type: 'variant.chosen' }>): void {
  const deliverable = Object.hasOwn(state.deliverables, event.deliverableId) ? state.deliverables[event.deliverableId] : undefined;
  if (!deliverable || deliverable.runId !== event.runId || deliverable.taskId !== event.taskId) {
    throw new ProtocolError('not_found', `event.deliverableId: task ${event.taskId} of run ${event.runId} has no deliverable ${event.deliverableId}`, 'event.deliverableId');
  }
  if (!deliverableVariants(state, event.deliverableId).some((variant) => variant.deliverable.id === event.variantId)) {
    throw new ProtocolError('not_found', `event.variantId: ${event.variantId} is not a variant of ${event.deliverableId}`, 'event.variantId');
  }
  const current = Object.hasOwn(state.deliverableVersions, event.deliverableId) ? state.deliverableVersions[event.deliverableId]!.version : 1;
  if (event.baseVersion !== current) {
    throw new ProtocolError('conflict', `event.baseVersion: the choice was made on version ${event.baseVersion}, but the deliverable is at version ${current}; look again and choose`, 'event.baseVersion');
  }
}

function targetOf(state: SessionState, runId: string, taskId: string): Deliverable | undefined {
  const task = Object.hasOwn(state.runs, runId) ? state.runs[runId]?.tasks[taskId] : undefined;
  return task?.deliverableId === undefined ? undefined : state.deliverables[task.deliverableId];
}
