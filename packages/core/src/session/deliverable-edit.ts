import type { DeliverableContent, SessionState } from '../protocol/index.js';
import { SessionClientError } from './client-errors.js';

/**
 * The `deliverable.edited` event for a person's edit of a deliverable of `state`, ready for
 * `SessionHandle.publish` (which needs `write`). It names the version the edit was made on: the
 * current one unless `baseVersion` is given; the server refuses the edit with `conflict` (field
 * `event.baseVersion`) when someone stored a newer version since. Kept apart from the handle, so a
 * client that never edits does not carry it.
 */
export function deliverableEditedEvent(state: SessionState, deliverableId: string, content: DeliverableContent, baseVersion?: number): Record<string, unknown> {
  const deliverable = Object.hasOwn(state.deliverables, deliverableId) ? state.deliverables[deliverableId] : undefined;
  if (!deliverable) throw new SessionClientError('invalid_argument', `deliverableId: no deliverable ${deliverableId} in this session`, { field: 'deliverableId' });
  const current = Object.hasOwn(state.deliverableVersions, deliverableId) ? state.deliverableVersions[deliverableId]!.version : 1;
  return { type: 'deliverable.edited', runId: deliverable.runId, taskId: deliverable.taskId, deliverableId, baseVersion: baseVersion ?? current, content };
}
