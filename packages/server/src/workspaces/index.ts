export type {
  ListVersionsOptions,
  RollbackWorkspaceOptions,
  SaveWorkspaceOptions,
  WorkspaceStore,
  WorkspaceVersion,
  WorkspaceVersionSummary,
} from './workspace-store.js';
export { WorkspaceConflictError, WorkspaceNotFoundError } from './workspace-store.js';
export { MemoryWorkspaceStore } from './memory-workspace-store.js';
export type { MemoryWorkspaceStoreOptions, WorkspaceStoreMetrics } from './memory-workspace-store.js';
export { workspaceOpenApi } from './workspace-openapi.js';
export type { WorkspaceOpenApiOptions } from './workspace-openapi.js';
