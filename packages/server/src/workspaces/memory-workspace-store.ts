import type { WorkspaceDocumentInput } from '@marketing-team/core';
import { StoreClosedError } from '../stores/session-store.js';
import {
  DEFAULT_MAX_DOCUMENT_BYTES,
  assertSession,
  assertVersion,
  assertWorkspaceId,
  etagOf,
  ifMatchAllows,
  parseListOptions,
  parseSaveOptions,
  prepareDocument,
  summaryOf,
} from './_workspace-records.js';
import {
  WorkspaceConflictError,
  WorkspaceNotFoundError,
  type ListVersionsOptions,
  type RollbackWorkspaceOptions,
  type SaveWorkspaceOptions,
  type WorkspaceStore,
  type WorkspaceVersion,
  type WorkspaceVersionSummary,
} from './workspace-store.js';

/** Options of `MemoryWorkspaceStore`. */
export interface MemoryWorkspaceStoreOptions {
  /** Largest document, as UTF-8 JSON bytes (default 8 MiB). */
  maxDocumentBytes?: number;
}

/** Counters of a workspace store, for benchmarks and the conformance suite's cost check. */
export interface WorkspaceStoreMetrics {
  /** Storage operations issued (map lookups, SQL statements or Redis round trips). */
  operations: number;
}

/**
 * A `WorkspaceStore` in process memory, for tests and single-process demos: versions are lost
 * when the process ends. Versions are deep-frozen, so no caller can change a stored one.
 */
export class MemoryWorkspaceStore implements WorkspaceStore {
  private readonly workspaces = new Map<string, WorkspaceVersion[]>();
  private readonly sessions = new Map<string, string>();
  private readonly maxDocumentBytes: number;
  private closed = false;
  /** Live counters; read them, do not write them. */
  readonly metrics: WorkspaceStoreMetrics = { operations: 0 };

  constructor(options: MemoryWorkspaceStoreOptions = {}) {
    this.maxDocumentBytes = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  }

  async get(workspaceId: string): Promise<WorkspaceVersion | undefined> {
    this.assertOpen();
    assertWorkspaceId(workspaceId);
    return this.versionsOf(workspaceId)?.at(-1);
  }

  async getVersion(workspaceId: string, version: number): Promise<WorkspaceVersion | undefined> {
    this.assertOpen();
    assertWorkspaceId(workspaceId);
    assertVersion(version);
    return this.versionsOf(workspaceId)?.[version - 1];
  }

  async listVersions(workspaceId: string, options?: ListVersionsOptions): Promise<WorkspaceVersionSummary[]> {
    this.assertOpen();
    assertWorkspaceId(workspaceId);
    const { before, limit } = parseListOptions(options);
    const versions = this.versionsOf(workspaceId) ?? [];
    const end = Math.min(versions.length, before === undefined ? versions.length : before - 1);
    return versions.slice(Math.max(0, end - limit), end).reverse().map(summaryOf);
  }

  async save(workspaceId: string, document: WorkspaceDocumentInput, options: SaveWorkspaceOptions): Promise<WorkspaceVersion> {
    this.assertOpen();
    assertWorkspaceId(workspaceId);
    const { ifMatch, savedBy } = parseSaveOptions(options);
    return this.write(workspaceId, document, ifMatch, savedBy, undefined);
  }

  async rollback(workspaceId: string, version: number, options: RollbackWorkspaceOptions = {}): Promise<WorkspaceVersion> {
    this.assertOpen();
    assertWorkspaceId(workspaceId);
    assertVersion(version);
    const { ifMatch, savedBy } = parseSaveOptions({ ifMatch: options.ifMatch ?? '*', ...(options.savedBy ? { savedBy: options.savedBy } : {}) });
    const old = this.versionsOf(workspaceId)?.[version - 1];
    if (!old) throw new WorkspaceNotFoundError(workspaceId, version);
    return this.write(workspaceId, old.document, ifMatch, savedBy, version);
  }

  async bindSession(session: string, workspaceId: string): Promise<string> {
    this.assertOpen();
    assertSession(session);
    assertWorkspaceId(workspaceId);
    this.metrics.operations++;
    const bound = this.sessions.get(session);
    if (bound !== undefined) return bound;
    this.sessions.set(session, workspaceId);
    return workspaceId;
  }

  async sessionWorkspace(session: string): Promise<string | undefined> {
    this.assertOpen();
    assertSession(session);
    this.metrics.operations++;
    return this.sessions.get(session);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  // Synchronous from the check to the insert, so two saves can never both pass the same ifMatch.
  private write(workspaceId: string, input: unknown, ifMatch: string | null, savedBy: string | undefined, rolledBackFrom: number | undefined): WorkspaceVersion {
    const prepared = prepareDocument(input, this.maxDocumentBytes);
    let versions = this.versionsOf(workspaceId);
    if (!versions) {
      versions = [];
      if (ifMatchAllows(ifMatch, undefined)) this.workspaces.set(workspaceId, versions);
    }
    const latest = versions.at(-1);
    if (!ifMatchAllows(ifMatch, latest?.etag)) throw new WorkspaceConflictError(workspaceId, latest?.version, latest?.etag);
    const version = versions.length + 1;
    const record: WorkspaceVersion = {
      workspaceId,
      version,
      etag: etagOf(version, prepared.hash),
      hash: prepared.hash,
      savedAt: Date.now(),
      ...(savedBy !== undefined ? { savedBy } : {}),
      ...(rolledBackFrom !== undefined ? { rolledBackFrom } : {}),
      // a private copy: the caller's object stays theirs
      document: JSON.parse(prepared.json) as WorkspaceVersion['document'],
    };
    deepFreeze(record);
    this.metrics.operations++;
    versions.push(record);
    return record;
  }

  private versionsOf(workspaceId: string): WorkspaceVersion[] | undefined {
    this.metrics.operations++;
    return this.workspaces.get(workspaceId);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }
}

function deepFreeze(value: unknown): void {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
}
