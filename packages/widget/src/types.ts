import type { Capability, CampaignBriefInput, DeliveryTelemetry, RunScope, SessionState, SessionViewer } from '@marketing-team/core';

/** How the widget's connection to the server stands right now. */
export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting' | 'unreachable' | 'offline';

/** The connection facts the widget shows, as reported by core's `SessionClient`. */
export interface ConnectionInfo {
  status: ConnectionStatus;
  /** Reconnect attempts since the connection was last live. */
  attempt: number;
  /** The last resume: how many events were caught up and when (ms since epoch). */
  lastResume?: { caughtUp: number; at: number } | null;
  /** Client messages waiting for the connection to come back. */
  queued: number;
  /** While not live: when the connection was lost (ms since epoch). */
  downSince?: number;
  /** The transport in use (`sse` after an `auto` client fell back); absent from clients that do not say. */
  transport?: 'websocket' | 'sse';
}

/** How a session handle authenticates: a fixed token or a callback that fetches fresh ones. */
export type SessionAuth = { token: string } | { getToken: (session: string) => string | Promise<string> };

/**
 * The parts of core's session handle the widget uses. Kept structural so the widget binds to
 * any `SessionClient` that honours the contract, and so tests can drive it from fixture state.
 */
export interface WidgetSessionHandle {
  getState(): SessionState;
  /** Calls `listener` after every applied batch; returns an unsubscribe function. */
  subscribe(listener: (...args: never[]) => void): () => void;
  /**
   * True once the state holds the history the server had when the page subscribed; what
   * changes after that happened while the page watched. Absent: the first state is the history.
   */
  readonly caughtUp?: boolean;
  /** The state at the history head: changes after it are news, even when they came in one batch with it. */
  readonly historyState?: SessionState | undefined;
  /** What the token allows, once the server has said so. */
  readonly capabilities: readonly Capability[];
  /** Who watches, with each device's attention (with the `presence` capability); routes review requests. */
  readonly viewers?: readonly SessionViewer[];
  /** Why the session cannot be followed right now (the token was refused, say); absent while all is well. */
  readonly error?: { code: string; message: string } | undefined;
  submitBrief(brief: CampaignBriefInput): Promise<unknown>;
  /** Continues a run that ended badly; its finished tasks are taken over. */
  continueRun(runId: string): Promise<unknown>;
  /** Writes one deliverable of an ended run again with an instruction, in a new run that keeps the rest. */
  regenerate?(runId: string, taskId: string, instruction: string): Promise<unknown>;
  /** Writes 2 or 3 A/B variants of a social post or ad deliverable of an ended run, in a new run. */
  requestVariants?(runId: string, taskId: string, count: 2 | 3, instruction?: string): Promise<unknown>;
  cancel(runId: string, scope?: RunScope, reason?: string): Promise<unknown>;
  steer(runId: string, instruction: string, options?: { scope?: RunScope }): Promise<unknown>;
  approve(runId: string, taskId: string, comment?: string): Promise<unknown>;
  requestChanges(runId: string, taskId: string, comment: string): Promise<unknown>;
  /** Publishes a client event (the cards' inline edits, `deliverable.edited`); without it the cards offer no Edit. */
  publish?(event: Record<string, unknown>): Promise<unknown>;
  /** Drops the handle; the client unsubscribes when the last handle of a session is released. */
  release?(): void;
}

/** The parts of core's `SessionClient` the widget uses. */
export interface WidgetClient {
  session(id: string, auth: SessionAuth): WidgetSessionHandle;
  getConnection(): ConnectionInfo;
  subscribeConnection(listener: (...args: never[]) => void): () => void;
  close?(): void;
  /** The id presence shows this device under (core's `SessionClient.presenceId`). */
  readonly presenceId?: string;
  /** How sessions reach this device (core's `SessionClient.telemetry`), for the `debug` panel. */
  readonly telemetry?: DeliveryTelemetry;
  /** Calls `listener` whenever the telemetry changes; returns the unsubscribe function. */
  onTelemetry?(listener: (telemetry: DeliveryTelemetry) => void): () => void;
}
