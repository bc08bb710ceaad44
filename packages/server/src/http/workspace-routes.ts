import {
  FormatError,
  ProtocolError,
  TeamDefinitionError,
  analyzeReference,
  WORKSPACE_SECTIONS,
  WorkspaceRoutingTestSchema,
  checkWorkspaceDraft,
  routeWorkspaceRequest,
  WorkspaceIdSchema,
  workspaceIssues,
  type Capability,
  type DraftRequest,
  type ModelProvider,
  type TeamDefinitionIssue,
  type WorkspaceDocument,
  type WorkspaceSection,
} from '@marketing-team/core';
import { z } from 'zod';
import type { RevocationList } from '../auth/revocation-list.js';
import type { TokenIssuer, WorkspaceGrant } from '../auth/token-issuer.js';
import { HTTP_STATUS } from '../transports/_errors.js';
import { readLimited, readLimitedBytes } from '../transports/_read-limited.js';
import { exportWorkspaceZip, importWorkspaceZip, type TeamZipLimits } from '../team-files/team-zip.js';
import { workspaceOpenApi } from '../workspaces/workspace-openapi.js';
import { WorkspaceConflictError, type WorkspaceStore, type WorkspaceVersion } from '../workspaces/workspace-store.js';
import { documentText } from '../workspaces/document-text.js';
import type { RouteHandler } from './create-server.js';

/** Options of {@link createWorkspaceRoutes}. */
export interface WorkspaceRoutesOptions {
  store: WorkspaceStore;
  tokens: TokenIssuer;
  revocations?: RevocationList;
  /** Largest accepted body; defaults to 4 MiB (documents carry skills' reference templates). */
  maxBodyBytes?: number;
  /** Limits of a zip import (entries, bytes per file, bytes in total); the body itself is capped by `maxBodyBytes`. */
  zipLimits?: TeamZipLimits;
  /** Path the routes are mounted at, for the OpenAPI document's server URL (e.g. `/mt/workspaces`). */
  mountPath?: string;
  onError?: (error: unknown) => void;
  /**
   * The model that writes Reference-Based analysis reports (`POST /:id/reference-analysis`);
   * without one that route answers 404.
   */
  analysisProvider?: ModelProvider;
  /**
   * Starts a studio draft (`POST /:id/drafts`) for a verified admin of the workspace; without it
   * that route answers 404. `createMarketingTeamServer` runs drafts in the workspace's studio session.
   */
  submitDraft?: (workspaceId: string, grant: WorkspaceGrant, input: { clientMsgId: string; runId: string; request: DraftRequest }) => Promise<{ session: string; offset: number; duplicate: boolean }>;
  /** Told of every version saved through these routes (after it is stored), to announce it to open editors. */
  onSaved?: (version: WorkspaceVersion) => Promise<void>;
}

/** Default of {@link WorkspaceRoutesOptions.maxBodyBytes}. */
export const DEFAULT_MAX_WORKSPACE_BODY_BYTES = 4 * 1024 * 1024;

/** Parts of a document that are lists of named items, each addressable as `/:collection/:name`. */
const NAMED_COLLECTIONS = ['functions', 'skills', 'agents'] as const;
type NamedCollection = (typeof NAMED_COLLECTIONS)[number];
const ItemNameSchema = z.string().min(1).max(64).regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);

// The same limits core's Reference-Based Method applies to a template (name: a plain file name).
const ReferenceAnalysisBodySchema = z.strictObject({
  template: z.strictObject({
    name: z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" or "-" (a plain file name)'),
    content: z.string().trim().min(1, 'must not be empty').max(200_000),
  }),
});
/** A routing test, against the latest version or against a draft `document`. */
const RouteBodySchema = WorkspaceRoutingTestSchema.extend({ document: z.unknown().optional() });

/** `POST /:id/drafts` as JSON; a brand intake with files comes as multipart/form-data instead. */
const DraftBodySchema = z.strictObject({
  runId: z.string().min(1).max(128).regex(/^[A-Za-z0-9_.:-]+$/).optional(),
  clientMsgId: z.string().min(1).max(128).regex(/^[A-Za-z0-9_.:-]+$/).optional(),
  request: z.unknown(),
});

const RollbackBodySchema = z.strictObject({ version: z.number().int().positive() });
const ListQuerySchema = z.object({
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

/** A failure with an HTTP status of its own (428) or extra members for the body. */
class HttpError extends ProtocolError {
  constructor(
    code: ProtocolError['code'],
    message: string,
    field: string | undefined,
    readonly status: number,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(code, message, field);
  }
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

function quoted(etag: string): string {
  return `"${etag}"`;
}

function versionResponse(version: WorkspaceVersion, status = 200): Response {
  return json(version, status, { etag: quoted(version.etag) });
}

function invalid(issues: TeamDefinitionIssue[]): HttpError {
  const first = issues[0]!;
  return new HttpError('bad_frame', `${first.path || '(root)'}: ${first.message}`, first.path || undefined, 400, { issues });
}

/** `If-Match: "etag"` -> the etag, `*` -> `'*'`; `If-None-Match: *` -> `null` (create). */
function preconditionOf(request: Request): string | null {
  const ifMatch = request.headers.get('if-match')?.trim();
  if (ifMatch) {
    if (ifMatch === '*') return '*';
    const match = /^(?:W\/)?"([^"]{1,200})"$/.exec(ifMatch);
    if (!match) throw new HttpError('bad_frame', 'If-Match: expected a quoted etag or *', 'If-Match', 400);
    return match[1]!;
  }
  if (request.headers.get('if-none-match')?.trim() === '*') return null;
  // Without a precondition a save could silently overwrite another editor's.
  throw new HttpError('bad_frame', 'If-Match: required (the etag you read), or If-None-Match: * to create', 'If-Match', 428);
}

async function bodyOf(request: Request, limit: number): Promise<unknown> {
  const text = await readLimited(request, limit);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProtocolError('bad_frame', 'body: not valid JSON', 'body');
  }
}

/**
 * The workspace API as a route handler mounted at `<base>/workspaces` by `createMarketingTeamServer`
 * (so every adapter serves it). JSON in and out, every body validated with core's schemas; saves
 * need `If-Match` (or `If-None-Match: *` to create) and answer a stale etag with 409.
 *
 * - `GET /openapi.json`: the OpenAPI document of these routes
 * - `GET|PUT /:id`: the latest version / save a whole document
 * - `GET /:id/versions`, `GET /:id/versions/:version`: history
 * - `POST /:id/rollback` `{ "version": n }`: saves version n's content as a new version
 * - `POST /:id/reference-analysis` `{ "template": { name, content } }`: the analysis report of a
 *   branded template (Reference-Based Method, step 1) and its hash, from `analysisProvider`
 * - `POST /:id/drafts`: starts a studio draft (a template's analysis report, or the brand kit from
 *   uploaded documents) that streams into the workspace's studio session; answers `{ session, runId }`
 * - `GET|PUT /:id/{brand,functions,skills,agents,rules,playbook}`: one part of the document
 * - `GET|PUT|DELETE /:id/{functions,skills,agents}/:name`: one named item of a part
 * - `GET /:id/export.zip`: the team as a zipped Claude Code folder (byte-for-byte reproducible)
 * - `POST /:id/import`: a zipped Claude Code folder saved as a new version (If-Match as for PUT)
 * - `POST /:id/check`: every problem of a draft document, located, without saving
 * - `POST /:id/route` `{ "request": "..." }`: which agent and skill would take it and why (no model)
 *
 * Every route but the OpenAPI document needs `Authorization: Bearer <token>` for that workspace:
 * `read` or `admin` to read, `admin` to save or roll back.
 */
export function createWorkspaceRoutes(options: WorkspaceRoutesOptions): RouteHandler {
  const { store, tokens, revocations } = options;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_WORKSPACE_BODY_BYTES;
  const onError = options.onError ?? ((error: unknown) => console.error('[marketing-team]', error));
  let openApi: string | undefined;

  async function authorize(request: Request, workspaceId: string, needs: Capability): Promise<WorkspaceGrant> {
    const header = request.headers.get('authorization') ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!token) throw new ProtocolError('unauthorized', 'token: send Authorization: Bearer <token>', 'token');
    if (!tokens.verifyWorkspace) throw new ProtocolError('unauthorized', 'token: this server cannot verify workspace tokens', 'token');
    const grant = await tokens.verifyWorkspace(token, workspaceId);
    if (revocations && (await revocations.isRevoked(grant))) throw new ProtocolError('unauthorized', 'token: revoked', 'token');
    const allowed = needs === 'admin' ? grant.capabilities.includes('admin') : grant.capabilities.includes('read') || grant.capabilities.includes('admin');
    if (!allowed) throw new ProtocolError('forbidden', `capabilities: editing a workspace needs ${needs}`, 'capabilities');
    return grant;
  }

  async function latest(workspaceId: string): Promise<WorkspaceVersion> {
    const version = await store.get(workspaceId);
    if (!version) throw new ProtocolError('not_found', `workspace ${workspaceId} has no version yet`, 'workspaceId');
    return version;
  }

  /**
   * Saves a document derived from the latest version (a part replaced, an item added or removed):
   * the derivation starts from what is stored now and the save is conditional on `If-Match`, so a
   * stale editor gets 409 rather than undoing someone else's change.
   */
  async function saveDerived(
    request: Request,
    workspaceId: string,
    withBody: boolean,
    derive: (current: WorkspaceDocument | undefined, body: unknown) => unknown,
  ): Promise<Response> {
    const grant = await authorize(request, workspaceId, 'admin');
    const ifMatch = preconditionOf(request);
    const body = withBody ? await bodyOf(request, maxBodyBytes) : undefined;
    const current = ifMatch === null ? undefined : await store.get(workspaceId);
    const document = derive(current?.document, body);
    const issues = workspaceIssues(document);
    if (issues.length > 0) throw invalid(issues);
    const saved = await announce(await store.save(workspaceId, document as WorkspaceDocument, { ifMatch, savedBy: grant.userId }));
    return versionResponse(saved, saved.version === 1 ? 201 : 200);
  }

  /** Tells `onSaved` of a stored version; a failure to announce never fails the save. */
  async function announce(version: WorkspaceVersion): Promise<WorkspaceVersion> {
    await options.onSaved?.(version).catch(onError);
    return version;
  }

  /** The draft a `POST /:id/drafts` asks for: JSON, or a brand intake's files as multipart/form-data. */
  async function draftOf(request: Request): Promise<{ runId: string; clientMsgId: string; request: unknown }> {
    const type = request.headers.get('content-type') ?? '';
    if (!/^multipart\/form-data\b/i.test(type)) {
      const body = DraftBodySchema.safeParse(await bodyOf(request, maxBodyBytes));
      if (!body.success) throw invalid(body.error.issues.map((issue) => ({ path: issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys[0]! : ''), message: issue.message })));
      const runId = body.data.runId ?? `draft-${crypto.randomUUID()}`;
      return { runId, clientMsgId: body.data.clientMsgId ?? runId, request: body.data.request };
    }
    // read under the same cap as JSON before parsing, so a huge upload is refused early
    const form = await new Response(new Uint8Array(await readLimitedBytes(request, maxBodyBytes)), { headers: { 'content-type': type } }).formData();
    const field = (name: string): string | undefined => {
      const value = form.get(name);
      return typeof value === 'string' && value.trim() ? value.trim() : undefined;
    };
    const documents: Array<{ name: string; text: string }> = [];
    let index = 0;
    for (const entry of form.getAll('documents')) {
      const path = `request.documents.${index++}`;
      if (typeof entry === 'string') {
        if (entry.trim()) documents.push({ name: 'Pasted text', text: entry });
        continue;
      }
      const text = (await documentText({ name: entry.name, type: entry.type, bytes: new Uint8Array(await entry.arrayBuffer()) }, path)).trim();
      if (!text) throw new ProtocolError('bad_frame', `${path}: "${entry.name}" holds no text the brand intake can read`, path);
      documents.push({ name: entry.name.slice(0, 200), text });
    }
    const runId = field('runId') ?? `draft-${crypto.randomUUID()}`;
    return { runId, clientMsgId: field('clientMsgId') ?? runId, request: { kind: field('kind') ?? 'brand-intake', documents } };
  }

  async function handle(request: Request, path: string): Promise<Response> {
    const segments = path.split('/').filter(Boolean);
    if (segments.length === 1 && segments[0] === 'openapi.json' && request.method === 'GET') {
      openApi ??= JSON.stringify(workspaceOpenApi({ ...(options.mountPath !== undefined ? { serverUrl: options.mountPath } : {}) }));
      return new Response(openApi, { headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=300' } });
    }
    if (segments.length === 0) return json({ type: 'error', code: 'not_found', message: 'name a workspace: /workspaces/<id>' }, 404);
    let workspaceId = '';
    try {
      workspaceId = decodeURIComponent(segments[0]!);
    } catch {
      // A malformed escape is just another invalid id.
    }
    if (!WorkspaceIdSchema.safeParse(workspaceId).success) throw new ProtocolError('bad_frame', 'workspaceId: invalid id', 'workspaceId');
    const rest = segments.slice(1);
    const method = request.method;

    if (rest.length === 0) {
      if (method === 'GET') {
        await authorize(request, workspaceId, 'read');
        return versionResponse(await latest(workspaceId));
      }
      if (method === 'PUT') {
        const grant = await authorize(request, workspaceId, 'admin');
        const ifMatch = preconditionOf(request);
        const body = await bodyOf(request, maxBodyBytes);
        const issues = workspaceIssues(body);
        if (issues.length > 0) throw invalid(issues);
        const saved = await announce(await store.save(workspaceId, body as WorkspaceDocument, { ifMatch, savedBy: grant.userId }));
        return versionResponse(saved, saved.version === 1 ? 201 : 200);
      }
      return methodNotAllowed('GET, PUT');
    }

    if (rest[0] === 'versions' && rest.length <= 2) {
      if (method !== 'GET') return methodNotAllowed('GET');
      await authorize(request, workspaceId, 'read');
      if (rest.length === 1) {
        const url = new URL(request.url);
        const query = ListQuerySchema.safeParse(Object.fromEntries(url.searchParams));
        if (!query.success) throw invalid(query.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })));
        const versions = await store.listVersions(workspaceId, {
          ...(query.data.before !== undefined ? { before: query.data.before } : {}),
          ...(query.data.limit !== undefined ? { limit: query.data.limit } : {}),
        });
        return json({ workspaceId, versions });
      }
      const number = Number(rest[1]);
      if (!/^[1-9][0-9]{0,15}$/.test(rest[1]!)) throw new ProtocolError('bad_frame', 'version: expected a positive integer', 'version');
      const version = await store.getVersion(workspaceId, number);
      if (!version) throw new ProtocolError('not_found', `workspace ${workspaceId} has no version ${number}`, 'version');
      return versionResponse(version);
    }

    if (rest[0] === 'export.zip' && rest.length === 1) {
      if (method !== 'GET') return methodNotAllowed('GET');
      await authorize(request, workspaceId, 'read');
      const version = await latest(workspaceId);
      const zip = await exportWorkspaceZip(version.document);
      return new Response(zip, {
        headers: {
          'content-type': 'application/zip',
          'content-disposition': `attachment; filename="${workspaceId.replace(/[^A-Za-z0-9_.-]/g, '_')}-team.zip"`,
          'cache-control': 'no-store',
          etag: quoted(version.etag),
          'x-workspace-version': String(version.version),
          'x-workspace-hash': version.hash,
        },
      });
    }

    if (rest[0] === 'import' && rest.length === 1) {
      if (method !== 'POST') return methodNotAllowed('POST');
      const grant = await authorize(request, workspaceId, 'admin');
      const ifMatch = preconditionOf(request);
      const zip = await readLimitedBytes(request, maxBodyBytes);
      // parsing and every document check happen before the save, so a refused zip changes nothing
      const { document, ignored } = await importWorkspaceZip(zip, options.zipLimits);
      const saved = await announce(await store.save(workspaceId, document, { ifMatch, savedBy: grant.userId }));
      return json({ ...saved, ignored }, saved.version === 1 ? 201 : 200, { etag: quoted(saved.etag) });
    }

    if (rest[0] === 'check' && rest.length === 1) {
      if (method !== 'POST') return methodNotAllowed('POST');
      await authorize(request, workspaceId, 'read');
      // a draft's problems are the answer, not a failure of the request: 200 either way
      return json(checkWorkspaceDraft(await bodyOf(request, maxBodyBytes)));
    }

    if (rest[0] === 'route' && rest.length === 1) {
      if (method !== 'POST') return methodNotAllowed('POST');
      await authorize(request, workspaceId, 'read');
      const body = RouteBodySchema.safeParse(await bodyOf(request, maxBodyBytes));
      if (!body.success) throw invalid(body.error.issues.map((issue) => ({ path: issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys[0]! : ''), message: issue.message })));
      const { document, ...test } = body.data;
      // without a draft, the team the workspace runs now; a workspace never saved runs the default team
      const version = document === undefined ? await store.get(workspaceId) : undefined;
      try {
        const result = routeWorkspaceRequest((document ?? version?.document ?? {}) as WorkspaceDocument, test);
        return json({ ...result, ...(version ? { version: version.version } : {}) });
      } catch (error) {
        if (error instanceof TeamDefinitionError) throw invalid(error.issues.map((issue) => ({ ...issue, path: issue.path ? `document.${issue.path}` : 'document' })));
        throw error;
      }
    }

    if (rest[0] === 'rollback' && rest.length === 1) {
      if (method !== 'POST') return methodNotAllowed('POST');
      const grant = await authorize(request, workspaceId, 'admin');
      const ifMatch = preconditionOf(request);
      if (ifMatch === null) throw new HttpError('bad_frame', 'If-Match: a rollback needs the etag of the latest version', 'If-Match', 428);
      const body = RollbackBodySchema.safeParse(await bodyOf(request, 1024));
      if (!body.success) throw invalid(body.error.issues.map((issue) => ({ path: issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys[0]! : ''), message: issue.message })));
      const saved = await announce(await store.rollback(workspaceId, body.data.version, { ifMatch, savedBy: grant.userId }));
      return versionResponse(saved);
    }

    if (rest[0] === 'drafts' && rest.length === 1) {
      if (method !== 'POST') return methodNotAllowed('POST');
      if (!options.submitDraft) return json({ type: 'error', code: 'not_found', message: 'this server has no model for drafts' }, 404);
      // Drafting spends model tokens on the team's behalf, so it takes the editing capability.
      const grant = await authorize(request, workspaceId, 'admin');
      const draft = await draftOf(request);
      const started = await options.submitDraft(workspaceId, grant, draft as { runId: string; clientMsgId: string; request: DraftRequest });
      return json({ session: started.session, runId: draft.runId, offset: started.offset, duplicate: started.duplicate }, started.duplicate ? 200 : 202);
    }

    if (rest[0] === 'reference-analysis' && rest.length === 1) {
      if (method !== 'POST') return methodNotAllowed('POST');
      if (!options.analysisProvider) return json({ type: 'error', code: 'not_found', message: 'this server has no model for reference analysis' }, 404);
      // Analysing spends model tokens on the team's behalf, so it takes the editing capability.
      await authorize(request, workspaceId, 'admin');
      const body = ReferenceAnalysisBodySchema.safeParse(await bodyOf(request, maxBodyBytes));
      if (!body.success) throw invalid(body.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })));
      // Stops the model when the editor goes away (the request's signal aborts on disconnect).
      try {
        const result = await analyzeReference({ template: body.data.template, provider: options.analysisProvider, signal: request.signal });
        return json(result);
      } catch (error) {
        if (error instanceof TeamDefinitionError) throw invalid(error.issues);
        throw error;
      }
    }

    if (rest.length === 1 && (WORKSPACE_SECTIONS as readonly string[]).includes(rest[0]!)) {
      const section = rest[0] as WorkspaceSection;
      if (method === 'GET') {
        await authorize(request, workspaceId, 'read');
        const version = await latest(workspaceId);
        const value = version.document[section];
        if (value === undefined) throw new ProtocolError('not_found', `workspace ${workspaceId} has no ${section} yet`, section);
        return json(value, 200, { etag: quoted(version.etag) });
      }
      if (method === 'PUT') {
        // the part replaces its namesake in the latest version; the whole result is validated
        return saveDerived(request, workspaceId, true, (current, body) => ({ ...(current ?? {}), [section]: body }));
      }
      return methodNotAllowed('GET, PUT');
    }

    if (rest.length === 2 && (NAMED_COLLECTIONS as readonly string[]).includes(rest[0]!)) {
      const collection = rest[0] as NamedCollection;
      let name = '';
      try {
        name = decodeURIComponent(rest[1]!);
      } catch {
        // A malformed escape is just another invalid name.
      }
      if (!ItemNameSchema.safeParse(name).success) throw new ProtocolError('bad_frame', 'name: use lowercase letters, digits and single hyphens', 'name');
      const itemsOf = (document: WorkspaceDocument | undefined): Array<{ name: string }> => [...((document?.[collection] as Array<{ name: string }> | undefined) ?? [])];
      if (method === 'GET') {
        await authorize(request, workspaceId, 'read');
        const version = await latest(workspaceId);
        const item = itemsOf(version.document).find((candidate) => candidate.name === name);
        if (!item) throw new ProtocolError('not_found', `workspace ${workspaceId} has no ${collection} item "${name}"`, 'name');
        return json(item, 200, { etag: quoted(version.etag) });
      }
      if (method === 'PUT') {
        return saveDerived(request, workspaceId, true, (current, body) => {
          if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid([{ path: '', message: 'expected an object' }]);
          const given = (body as { name?: unknown }).name;
          if (given !== undefined && given !== name) throw invalid([{ path: 'name', message: `must match the name in the URL ("${name}")` }]);
          const items = itemsOf(current);
          const index = items.findIndex((candidate) => candidate.name === name);
          const item = { ...(body as object), name };
          if (index === -1) items.push(item);
          else items[index] = item;
          return { ...(current ?? {}), [collection]: items };
        });
      }
      if (method === 'DELETE') {
        return saveDerived(request, workspaceId, false, (current) => {
          const items = itemsOf(current);
          const index = items.findIndex((candidate) => candidate.name === name);
          if (index === -1) throw new ProtocolError('not_found', `workspace ${workspaceId} has no ${collection} item "${name}"`, 'name');
          items.splice(index, 1);
          return { ...(current ?? {}), [collection]: items };
        });
      }
      return methodNotAllowed('GET, PUT, DELETE');
    }
    return json({ type: 'error', code: 'not_found', message: 'no such route' }, 404);
  }

  return async (request, path) => {
    try {
      return await handle(request, path);
    } catch (error) {
      if (error instanceof WorkspaceConflictError) {
        return json(
          { type: 'error', code: 'conflict', message: error.message, field: error.field, currentVersion: error.currentVersion ?? null },
          409,
          error.currentEtag ? { etag: quoted(error.currentEtag) } : {},
        );
      }
      if (error instanceof FormatError) {
        // a refused team file: the file and line say where, as a folder loader would
        return json({ type: 'error', code: 'bad_frame', message: error.message, field: 'body', file: error.path, line: error.line, reason: error.reason }, 400);
      }
      if (error instanceof HttpError) {
        return json({ type: 'error', code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}), ...error.extra }, error.status);
      }
      if (error instanceof ProtocolError) {
        return json({ type: 'error', code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) }, HTTP_STATUS[error.code]);
      }
      onError(error);
      return json({ type: 'error', code: 'internal', message: 'the server failed; nothing was saved' }, 500);
    }
  };
}

function methodNotAllowed(allow: string): Response {
  return json({ type: 'error', code: 'bad_frame', message: 'method not allowed' }, 405, { allow });
}
