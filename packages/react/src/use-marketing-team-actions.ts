import { useMemo } from 'react';
import { deliverableEditedEvent } from '@marketing-team/core/client';
import type { CampaignBriefInput, DeliverableContent, MessageAck, RunScope, SteerOptions, SubmittedBrief } from '@marketing-team/core/client';
import { useRegistry, useSessionId } from './internal/_context.js';
import type { SessionHookOptions } from './use-session-selector.js';

/**
 * What a person can do in a session. Every action resolves once the server acknowledged it
 * (stored it in the log) and rejects with a `SessionClientError` when the server refused it
 * (`forbidden` without the capability, `conflict` for an ended run, `invalid_argument` naming a
 * bad field). Sent while offline, an action is queued and sent on reconnect.
 */
export interface MarketingTeamActions {
  /** Submits a campaign brief as a new run; resolves with the minted run id and the stored offset. */
  submitBrief(brief: CampaignBriefInput): Promise<SubmittedBrief>;
  /**
   * Continues a run that ended badly (interrupted, failed or cancelled) as a new run of the same
   * brief: its finished tasks are taken over, only the rest runs again (needs `write`).
   */
  continueRun(runId: string): Promise<SubmittedBrief>;
  /** Cancels a run, or one task or agent of it (needs `control`). Cancelling an ended run is acknowledged and does nothing. */
  cancel(runId: string, scope?: RunScope, reason?: string): Promise<MessageAck>;
  /** Sends guidance to a running run, or one task or agent of it (needs `control`). */
  steer(runId: string, instruction: string, options?: SteerOptions): Promise<MessageAck>;
  /** Approves a task waiting in review (needs `control`). */
  approve(runId: string, taskId: string, comment?: string): Promise<MessageAck>;
  /** Sends a task in review back to its agent with a comment (needs `control`). */
  requestChanges(runId: string, taskId: string, comment: string): Promise<MessageAck>;
  /**
   * Replaces a deliverable's content with a person's edit (needs `write`), made on its current
   * version unless `baseVersion` names another; a stale edit is refused with `conflict`.
   */
  editDeliverable(deliverableId: string, content: DeliverableContent, baseVersion?: number): Promise<MessageAck>;
  /** Publishes any client event (`card.created`, `card.updated`, `card.commented`, ...). */
  publish(event: Record<string, unknown>): Promise<MessageAck>;
}

/**
 * The actions of a session, as one object that keeps its identity while the session and
 * provider stay the same (safe in effect and `useCallback` dependencies). Calling an action
 * never happens during render, so the client is created (if needed) only when one is used.
 */
export function useMarketingTeamActions(options: SessionHookOptions = {}): MarketingTeamActions {
  const registry = useRegistry();
  const session = useSessionId(options.session);
  return useMemo<MarketingTeamActions>(
    () => ({
      submitBrief: (brief) => registry.withHandle(session, (handle) => handle.submitBrief(brief)),
      continueRun: (runId) => registry.withHandle(session, (handle) => handle.continueRun(runId)),
      cancel: (runId, scope, reason) => registry.withHandle(session, (handle) => handle.cancel(runId, scope, reason)),
      steer: (runId, instruction, steerOptions) => registry.withHandle(session, (handle) => handle.steer(runId, instruction, steerOptions)),
      approve: (runId, taskId, comment) => registry.withHandle(session, (handle) => handle.approve(runId, taskId, comment)),
      requestChanges: (runId, taskId, comment) => registry.withHandle(session, (handle) => handle.requestChanges(runId, taskId, comment)),
      editDeliverable: (deliverableId, content, baseVersion) =>
        registry.withHandle(session, async (handle) => handle.publish(deliverableEditedEvent(handle.getState(), deliverableId, content, baseVersion))),
      publish: (event) => registry.withHandle(session, (handle) => handle.publish(event)),
    }),
    [registry, session],
  );
}
