// `@marketing-team/server/testing`: the suites and doubles this package proves itself with, for
// anyone proving their own store, transport or model setup against the same contract. The suites
// register vitest tests (`vitest` and `fast-check` are optional peer dependencies, needed only here).

// Session stores: the log's contract (ordering, epochs, fences, idempotent client messages, snapshots).
export { describeSessionStoreConformance, emptySessionState, textDelta } from './stores/store-conformance.js';
export type { SessionStoreFactory, SessionStoreFixture } from './stores/store-conformance.js';
// Workspace stores: immutable versions, optimistic concurrency, rollback.
export { describeWorkspaceStoreConformance, testBrand, testDocument } from './workspaces/workspace-store-conformance.js';
export type { WorkspaceStoreFactory, WorkspaceStoreFixture } from './workspaces/workspace-store-conformance.js';
// Run leases: one holder per run, loss, orphaned runs interrupted once.
export { describeRunLeasesConformance } from './cluster/run-leases-conformance.js';
export type { CommonRunLeasesOptions, RunLeasesHarness } from './cluster/run-leases-conformance.js';
// Sessions as a client sees them through one transport: resume, the cancel fence, steer receipts,
// idempotent writes, late joins, presence and convergence.
export { describeSessionConformance } from './transports/session-conformance.js';
export type { SessionConformanceEndpoint, SessionConformanceFactory, SessionConformanceServerOptions } from './transports/session-conformance.js';
// Delivery over Ably, and a local stand-in for Ably's service.
export { runAblyDeliverySuite } from './transports/ably/ably-delivery-suite.js';
export type { AblyHarness, HarnessBrowserClient } from './transports/ably/ably-delivery-suite.js';
export { AblyStandIn, StandInChannel, StandInClient, StandInErrorInfo } from './transports/ably/ably-stand-in.js';
export type { AblyStandInOptions, StandInAuthCallback } from './transports/ably/ably-stand-in.js';
// Model doubles: local HTTP servers speaking the Messages API and Chat Completions streaming formats.
export { startChatCompletionsDouble, startMessagesApiDouble } from './models/testing/index.js';
export type {
  ChatCompletionsDouble,
  MessagesApiDouble,
  RecordedChatRequest,
  RecordedRequest,
  ScriptedChatResponse,
  ScriptedChatUsage,
  ScriptedResponse,
  ScriptedUsage,
} from './models/testing/index.js';
// A provider the test drives token by token, and a run context over a real store.
export { createControlledProvider, createStoreRunHarness } from './runtime/testing/index.js';
export type { ControlledCall, ControlledProvider, StoreRunHarness } from './runtime/testing/index.js';
