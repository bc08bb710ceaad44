// `@marketing-team/core/client`: the session client and what a page showing a session needs, for
// browser bundles. Its first load is the client, its reducer and zod's core; the frame and event
// schemas it validates with come in a chunk of their own once a client is made. Everything here
// is also exported from `@marketing-team/core`, whose root reaches those schemas at once.

// The session client (any runtime with WebSocket or fetch) and the reducer behind its state.
export { SessionClient, type SessionClientOptions, type SessionAuth, type TransportOption } from './session/session-client.js';
export { SessionClientError, type SessionClientErrorCode } from './session/client-errors.js';
export { SessionHandle, type SessionViewer, type SteerOptions, type SubmittedBrief, type MessageAck, type PendingMessage } from './session/session-handle.js';
export { applyRecord, applyRecords, createSessionState } from './session/reducer.js';
export { deliverableEditedEvent } from './session/deliverable-edit.js';
export { deliverableVariants, nextVariantIndex, variantChosenEvent, variantLetter, type DeliverableVariant, type VariantsSource } from './session/deliverable-variants.js';
export { deviceInUse } from './session/device-in-use.js';
export { SseSocket, type FetchLike, type SseSocketOptions } from './session/sse-socket.js';
export { clearSessionCache } from './session/clear-session-cache.js';
export type { ConnectionState, ConnectionStatus, ResumeReport } from './session/connection-state.js';
export type { BackoffOptions } from './session/backoff.js';
export type { WebSocketLike, WebSocketConstructor } from './session/websocket-like.js';
export type { SessionCacheOptions } from './session/session-cache.js';

// Reading the state a client holds.
export { findMessage, listMessages } from './protocol/messages.js';
export { isRunEnded } from './protocol/run-ended.js';
export { PROTOCOL_VERSION, STATE_VERSION } from './protocol/version.js';
export type {
  SessionState,
  RunState,
  TaskState,
  TaskStatus,
  HumanStep,
  Stalled,
  AgentState,
  CardState,
  MessageState,
  SteerState,
  UsageTotals,
  SessionEvent,
  SessionEventInput,
  SessionEventType,
  EventOf,
  SessionRecord,
  CampaignBrief,
  CampaignBriefInput,
  Capability,
  Deliverable,
  DeliverableKind,
  DeliverableContent,
  DeliverableVersions,
  Actor,
  Assignee,
  RunScope,
  ErrorCode,
  DraftResult,
} from './protocol/index.js';

// Not for applications: the id checks @marketing-team/react validates its props with.
export { IdSchema, SessionIdSchema, AgentNameSchema } from './protocol/limits.js';
export { protocolErrorFromZod } from './protocol/errors.js';
