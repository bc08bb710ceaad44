import { useCallback } from 'react';
import type { Deliverable, SessionState } from '@marketing-team/core/client';
import { sameItems } from './internal/_equality.js';
import { own } from './internal/_own.js';
import { RunIdArgumentSchema, parseArgument } from './internal/_validate.js';
import { useSessionSelector, type SessionHookOptions } from './use-session-selector.js';

/** Options of {@link useDeliverables}. */
export interface DeliverablesOptions extends SessionHookOptions {
  /** Only the deliverables of this run. */
  runId?: string;
}

/**
 * The session's deliverables in the order they were created (optionally of one run). The same
 * array until a deliverable is added or changed, so streaming text does not re-render a gallery.
 * Deliverable text is model output: sanitize `markdown` before rendering it as HTML.
 */
export function useDeliverables(options: DeliverablesOptions = {}): readonly Deliverable[] {
  const runId = parseArgument(RunIdArgumentSchema, options.runId, 'options.runId');
  const select = useCallback(
    (state: SessionState): readonly Deliverable[] => {
      const list: Deliverable[] = [];
      for (const id of state.deliverableOrder) {
        const deliverable = own(state.deliverables, id);
        if (deliverable && (runId === undefined || deliverable.runId === runId)) list.push(deliverable);
      }
      return list;
    },
    [runId],
  );
  return useSessionSelector(select, { ...(options.session !== undefined ? { session: options.session } : {}), isEqual: sameItems });
}
