import {
  ProtocolError,
  SessionIdSchema,
  TeamDefinitionError,
  WorkspaceIdSchema,
  parseWorkspaceDocument,
  protocolErrorFromZod,
  workspaceDocumentHash,
  type WorkspaceDocument,
} from '@marketing-team/core';
import { z } from 'zod';
import type { ListVersionsOptions, SaveWorkspaceOptions, WorkspaceVersion, WorkspaceVersionSummary } from './workspace-store.js';

/** Largest stored document by default, as UTF-8 JSON bytes: room for many skills with templates. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 8 * 1024 * 1024;

/** Throws a `ProtocolError` naming `field` unless `id` is a valid workspace id. */
export function assertWorkspaceId(id: unknown, field = 'workspaceId'): asserts id is string {
  const parsed = WorkspaceIdSchema.safeParse(id);
  if (!parsed.success) throw protocolErrorFromZod(parsed.error, field);
}

/** Throws a `ProtocolError` unless `session` is a valid session id. */
export function assertSession(session: unknown): asserts session is string {
  const parsed = SessionIdSchema.safeParse(session);
  if (!parsed.success) throw protocolErrorFromZod(parsed.error, 'session');
}

/** Throws unless `version` is a positive integer. */
export function assertVersion(version: unknown): asserts version is number {
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    throw new ProtocolError('bad_frame', 'version: expected a positive integer', 'version');
  }
}

const SaveOptionsSchema = z.object({
  ifMatch: z.union([z.string().min(1).max(200), z.null()], { error: 'expected an etag, null (create) or "*"' }),
  savedBy: z.string().min(1).max(200).optional(),
});

const ListOptionsSchema = z
  .object({
    before: z.number().int().positive().optional(),
    limit: z.number().int().min(1).max(500).default(50),
  })
  .default({ limit: 50 });

/** Validated `listVersions` options with the default limit. */
export function parseListOptions(options: ListVersionsOptions | undefined): { before?: number; limit: number } {
  const parsed = ListOptionsSchema.safeParse(options);
  if (!parsed.success) throw protocolErrorFromZod(parsed.error, 'options');
  return parsed.data;
}

/** Validated save options. */
export function parseSaveOptions(options: SaveWorkspaceOptions): SaveWorkspaceOptions {
  const parsed = SaveOptionsSchema.safeParse(options);
  if (!parsed.success) throw protocolErrorFromZod(parsed.error, 'options');
  return parsed.data;
}

/** A document ready to store: validated once, hashed once, serialised once. */
export interface PreparedDocument {
  document: WorkspaceDocument;
  hash: string;
  json: string;
}

/** Validates a document with core's schemas; a problem becomes a `ProtocolError` naming the field. */
export function prepareDocument(input: unknown, maxBytes: number): PreparedDocument {
  let document: WorkspaceDocument;
  try {
    document = parseWorkspaceDocument(input);
  } catch (error) {
    if (!(error instanceof TeamDefinitionError)) throw error;
    const issue = error.issues[0]!;
    throw new ProtocolError('bad_frame', `document.${issue.path}: ${issue.message}`, issue.path ? `document.${issue.path}` : 'document');
  }
  const json = JSON.stringify(document);
  if (Buffer.byteLength(json, 'utf8') > maxBytes) {
    throw new ProtocolError('frame_too_large', `document: larger than ${maxBytes} bytes`, 'document');
  }
  return { document, hash: workspaceDocumentHash(document), json };
}

/** The etag of a version: its number and a prefix of its hash, so a recreated store never reuses one. */
export function etagOf(version: number, hash: string): string {
  return `${version}-${hash.slice(0, 16)}`;
}

/** A version's summary as stored (the same text in every store). */
export function summaryOf(record: WorkspaceVersion | WorkspaceVersionSummary): WorkspaceVersionSummary {
  const summary: WorkspaceVersionSummary = {
    workspaceId: record.workspaceId,
    version: record.version,
    etag: record.etag,
    hash: record.hash,
    savedAt: record.savedAt,
  };
  if (record.savedBy !== undefined) summary.savedBy = record.savedBy;
  if (record.rolledBackFrom !== undefined) summary.rolledBackFrom = record.rolledBackFrom;
  return summary;
}

/**
 * Whether `ifMatch` allows a save over `currentEtag` (undefined: the workspace does not exist).
 * `null` only creates, `'*'` accepts anything, an etag must equal the current one.
 */
export function ifMatchAllows(ifMatch: string | null, currentEtag: string | undefined): boolean {
  if (ifMatch === '*') return true;
  if (ifMatch === null) return currentEtag === undefined;
  return ifMatch === currentEtag;
}
