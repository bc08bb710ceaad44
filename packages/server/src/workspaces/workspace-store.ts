import { ProtocolError, type WorkspaceDocument, type WorkspaceDocumentInput } from '@marketing-team/core';

/** What every stored version says about itself, without the document. */
export interface WorkspaceVersionSummary {
  workspaceId: string;
  /** 1, 2, 3, ... per workspace, with no gaps; each save makes the next one. */
  version: number;
  /** Opaque validator of this version: pass it back as `ifMatch` (and as HTTP `If-Match`). */
  etag: string;
  /** SHA-256 (hex) of the document's canonical JSON (`workspaceDocumentHash`). */
  hash: string;
  /** Milliseconds since the Unix epoch. */
  savedAt: number;
  /** Who saved it (a user id from a verified token), when known. */
  savedBy?: string;
  /** Set when the version was made by `rollback`: the version whose content it restored. */
  rolledBackFrom?: number;
}

/** One immutable version of a workspace. */
export interface WorkspaceVersion extends WorkspaceVersionSummary {
  document: WorkspaceDocument;
}

/** Options of `WorkspaceStore.save`. */
export interface SaveWorkspaceOptions {
  /**
   * The etag of the version the editor started from; `null` to create a workspace that must not
   * exist yet; `'*'` to save whatever the latest version is (for trusted backends only: it can
   * overwrite another editor's save). A stale value fails with `WorkspaceConflictError`.
   */
  ifMatch: string | null;
  savedBy?: string;
}

/** Options of `WorkspaceStore.rollback`. */
export interface RollbackWorkspaceOptions {
  /** As in `save`; without it, the rollback applies on top of whatever the latest version is. */
  ifMatch?: string;
  savedBy?: string;
}

/** Options of `WorkspaceStore.listVersions`. */
export interface ListVersionsOptions {
  /** Only versions older than this one (for paging backwards). */
  before?: number;
  /** Most versions returned, newest first; default 50, at most 500. */
  limit?: number;
}

/**
 * Versioned storage of workspace documents, beside the session store in the same database.
 *
 * Contract (checked by the shared suite in `workspace-store-conformance.ts`):
 * - every `save` validates the document with core's schemas and stores it as a new immutable
 *   version `latest + 1`; stored versions never change;
 * - `save` is a compare-and-set on the latest etag: of two saves from the same `ifMatch`, exactly
 *   one wins and the other fails with `WorkspaceConflictError` naming the current version;
 * - `rollback` is a save of an old version's content as a new version;
 * - each call touches only the named workspace's rows or keys: its cost does not grow with the
 *   number of workspaces.
 */
export interface WorkspaceStore {
  /** The latest version, or `undefined` when the workspace was never saved. */
  get(workspaceId: string): Promise<WorkspaceVersion | undefined>;
  /** One stored version, or `undefined`. */
  getVersion(workspaceId: string, version: number): Promise<WorkspaceVersion | undefined>;
  /** Summaries of the stored versions, newest first. */
  listVersions(workspaceId: string, options?: ListVersionsOptions): Promise<WorkspaceVersionSummary[]>;
  /** Stores `document` as the next version. Rejects with `WorkspaceConflictError` or a `ProtocolError` naming the bad field. */
  save(workspaceId: string, document: WorkspaceDocumentInput, options: SaveWorkspaceOptions): Promise<WorkspaceVersion>;
  /** Saves the content of `version` as a new version. Rejects with `WorkspaceNotFoundError` when there is no such version. */
  rollback(workspaceId: string, version: number, options?: RollbackWorkspaceOptions): Promise<WorkspaceVersion>;
  /**
   * Binds a session to a workspace the first time it is seen and returns the workspace the session
   * belongs to (the first binding wins), so a token of another workspace can be refused.
   */
  bindSession(session: string, workspaceId: string): Promise<string>;
  /** The workspace a session is bound to, if any. */
  sessionWorkspace(session: string): Promise<string | undefined>;
  close(): Promise<void>;
}

/** A save or rollback started from a version that is no longer the latest. */
export class WorkspaceConflictError extends ProtocolError {
  constructor(
    readonly workspaceId: string,
    /** The latest version now, or `undefined` when the workspace does not exist. */
    readonly currentVersion: number | undefined,
    /** Its etag, to re-read and merge from. */
    readonly currentEtag: string | undefined,
  ) {
    super(
      'conflict',
      currentVersion === undefined
        ? `workspace ${workspaceId} does not exist yet; create it with ifMatch null`
        : `workspace ${workspaceId} is at version ${currentVersion} (etag ${currentEtag}); re-read it and save again`,
      'ifMatch',
    );
  }
}

/** A workspace or version that does not exist. */
export class WorkspaceNotFoundError extends ProtocolError {
  constructor(
    readonly workspaceId: string,
    readonly version?: number,
  ) {
    super('not_found', version === undefined ? `workspace ${workspaceId} has no version` : `workspace ${workspaceId} has no version ${version}`, version === undefined ? 'workspaceId' : 'version');
  }
}
