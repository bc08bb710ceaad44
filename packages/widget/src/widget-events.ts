import type { Deliverable, RunState, SessionState } from '@marketing-team/core/client';
import type { ConnectionInfo } from './types.js';

/**
 * Detail of `mt-session-loaded`: the session's history is shown, so a host can decide from
 * `state` what to open on (its run, say, when `state.runOrder` is not empty).
 */
export interface SessionLoadedDetail {
  session: string;
  state: SessionState;
}

/** Detail of `mt-run-started`. */
export interface RunStartedDetail {
  runId: string;
  run: RunState;
}

/** Detail of `mt-run-completed`: fired when a run ends, however it ended. */
export interface RunCompletedDetail {
  runId: string;
  status: 'completed' | 'cancelled' | 'failed' | 'interrupted';
  deliverableIds: string[];
  run: RunState;
}

/** Detail of `mt-deliverable`. */
export interface DeliverableDetail {
  deliverable: Deliverable;
}

/** Detail of `mt-connection-change`. */
export type ConnectionChangeDetail = ConnectionInfo;

/** Detail of `mt-error`. */
export interface WidgetErrorDetail {
  /** What the widget was doing: `submit-brief`, `cancel`, `steer`, `approve`, `request-changes`, `connect`. */
  action: string;
  message: string;
  error: unknown;
}

/** The DOM events `<marketing-team>` dispatches to the host page. */
export interface MarketingTeamEventMap {
  'mt-session-loaded': CustomEvent<SessionLoadedDetail>;
  'mt-run-started': CustomEvent<RunStartedDetail>;
  'mt-run-completed': CustomEvent<RunCompletedDetail>;
  'mt-deliverable': CustomEvent<DeliverableDetail>;
  'mt-connection-change': CustomEvent<ConnectionChangeDetail>;
  'mt-error': CustomEvent<WidgetErrorDetail>;
}
