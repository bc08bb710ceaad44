// The public API of @marketing-team/server's root entry, named one by one: the Web-standard handler,
// the memory stores and everything without a heavy dependency. Databases, model SDKs, Ably, the
// Durable Streams handler and framework adapters are subpath entries. `scripts/public-api.txt`
// pins the list, so a change to it is a deliberate diff.

// The handler, and Node's http server bridge.
export {
  createMarketingTeamServer,
  type MarketingTeamServer,
  type MarketingTeamServerOptions,
  type RouteHandler,
  type TokenGrant,
  attachWebSocket,
  createNodeListener,
  toWebRequest,
  writeWebResponse,
  type AttachedWebSocket,
} from './http/index.js';

// The durable session log: the store contract, its errors, and the in-memory store.
export {
  DEFAULT_CLIENT_MESSAGE_WINDOW,
  DEFAULT_FENCE_WINDOW,
  FencedError,
  StoreClosedError,
  MemoryStore,
  type MemoryStoreOptions,
  type SessionStore,
  type AppendOptions,
  type AppendResult,
  type OpenRun,
  type RecordListener,
  type RetentionPolicy,
  type SessionHead,
  type StoredClientMessage,
  type StoredSnapshot,
  type StoreLimits,
  type SubscribeOptions,
  type Subscription,
} from './stores/index.js';

// Workspaces: each customer's versioned brand and team.
export {
  WorkspaceConflictError,
  WorkspaceNotFoundError,
  MemoryWorkspaceStore,
  workspaceOpenApi,
  type MemoryWorkspaceStoreOptions,
  type WorkspaceStoreMetrics,
  type WorkspaceOpenApiOptions,
  type WorkspaceStore,
  type WorkspaceVersion,
  type WorkspaceVersionSummary,
  type ListVersionsOptions,
  type RollbackWorkspaceOptions,
  type SaveWorkspaceOptions,
} from './workspaces/index.js';

// The session hub behind every transport.
export { SessionHub, type SessionHubOptions } from './sessions/index.js';

// Session tokens and their revocation.
export {
  createTokenIssuer,
  revokes,
  MemoryRevocationList,
  RedisRevocationList,
  type TokenIssuer,
  type TokenIssuerOptions,
  type MintTokenOptions,
  type SessionGrant,
  type WorkspaceGrant,
  type RevocationList,
  type Revocation,
  type RedisRevocationListOptions,
} from './auth/index.js';

// Transports for hosts that wire them themselves (the handler wires both).
export {
  createWebSocketHooks,
  createSseTransport,
  type WebSocketHooks,
  type WebSocketHooksOptions,
  type WebSocketPeer,
  type RateLimitOptions,
  type SseTransport,
  type SseTransportOptions,
  type TelemetrySink,
  type OriginPolicy,
} from './transports/index.js';

// Running a team: the runtime, the scripted producer, usage and the run export.
export {
  createTeamRuntime,
  TeamRuntimeOptionsError,
  createDraftRuntime,
  createScriptedProducer,
  summarizeUsage,
  exportRun,
  exportRunZip,
  ExportRunError,
  criticalPath,
  taskTimingsFromRecords,
  type TeamRuntimeOptions,
  type DraftRuntimeOptions,
  type RunBaseContext,
  type DraftRunContext,
  type RunContext,
  type RunControl,
  type RunLauncher,
  type ScriptedProducerOptions,
  type UsageSummary,
  type ExportedRun,
  type ExportRunOptions,
  type CriticalPath,
  type TaskTiming,
} from './runtime/index.js';

// Models: the offline model (no key needed), model errors and prices.
export {
  createOfflineProvider,
  ModelError,
  costOfUsage,
  findModelPrice,
  ANTHROPIC_PRICES,
  type OfflineProviderOptions,
  type ModelErrorCode,
  type ModelErrorReason,
  type ModelPrice,
} from './models/index.js';

// Claude Code team folders on disk and workspace zips.
export {
  loadClaudeTeam,
  writeClaudeTeam,
  loadClaudeWorkspace,
  importTeamFolder,
  exportWorkspaceZip,
  importWorkspaceZip,
  type TeamZipLimits,
  type ImportedWorkspaceZip,
} from './team-files/index.js';

// Run leases across nodes (the Redis and PostgreSQL leases are in their subpath entries).
export { RunLeaseLostError, type ClusterViewers, type RunLease, type RunLeases, type RunLeaseMetrics, type RunLeaseTimingOptions } from './cluster/index.js';

// Quotas.
export { type LimitsOptions, type LimitEvent, type LimitName, type LimitScope, type ResolvedLimits, type Limiter } from './limits/index.js';
