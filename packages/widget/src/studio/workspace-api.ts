import type { DraftRequest, WorkspaceDocument } from '@marketing-team/core';

/** One stored version of a workspace, as `GET <endpoint>/workspaces/:id` answers it. */
export interface StudioWorkspaceVersion {
  workspaceId: string;
  version: number;
  etag: string;
  hash: string;
  /** Milliseconds since the Unix epoch. */
  savedAt: number;
  savedBy?: string;
  document: WorkspaceDocument;
}

/** A line of the version history. */
export type StudioVersionSummary = Omit<StudioWorkspaceVersion, 'document'>;

/** What the server wrote about a branded template (Reference-Based Method, step 1). */
export interface ReferenceAnalysis {
  report: string;
  templateHash: string;
}

/** A refused request, with the server's error code and the field it names. */
export class WorkspaceApiError extends Error {
  override readonly name = 'WorkspaceApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** On a conflict (409): the latest version now, and its etag. */
    readonly currentVersion?: number,
    readonly currentEtag?: string,
  ) {
    super(message);
  }
}

/**
 * The studio's client of the workspace API (`<endpoint>/workspaces`): plain `fetch` with a bearer
 * token, saves conditional on the etag read (so a concurrent save comes back as a 409 rather than
 * being overwritten).
 */
export class WorkspaceApi {
  constructor(
    private readonly endpoint: string,
    private readonly workspace: string,
    private readonly token: () => Promise<string>,
  ) {}

  private url(path = ''): string {
    return `${this.endpoint.replace(/\/+$/, '')}/workspaces/${encodeURIComponent(this.workspace)}${path}`;
  }

  private async request<T>(method: string, path: string, init: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${await this.token()}`, ...init.headers };
    // FormData sets its own multipart content type (with the boundary)
    const form = init.body instanceof FormData;
    if (init.body !== undefined && !form) headers['content-type'] = 'application/json';
    const response = await fetch(this.url(path), {
      method,
      headers,
      ...(init.body !== undefined ? { body: form ? (init.body as FormData) : JSON.stringify(init.body) } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
    });
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // A proxy's HTML error page: reported by status below.
    }
    if (!response.ok) {
      const etag = /"([^"]+)"/.exec(response.headers.get('etag') ?? '')?.[1];
      throw new WorkspaceApiError(
        response.status,
        typeof body.code === 'string' ? body.code : 'http_error',
        typeof body.message === 'string' ? body.message : `the server answered ${response.status}`,
        typeof body.field === 'string' ? body.field : undefined,
        typeof body.currentVersion === 'number' ? body.currentVersion : undefined,
        etag,
      );
    }
    return body as T;
  }

  /** The latest version, or `undefined` when nothing was saved yet. */
  async latest(): Promise<StudioWorkspaceVersion | undefined> {
    try {
      return await this.request<StudioWorkspaceVersion>('GET', '');
    } catch (error) {
      if (error instanceof WorkspaceApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** Saves a whole document on top of `etag` (or creates the workspace when `etag` is null). */
  save(document: WorkspaceDocument, etag: string | null): Promise<StudioWorkspaceVersion> {
    return this.request('PUT', '', { body: document, headers: etag === null ? { 'if-none-match': '*' } : { 'if-match': `"${etag}"` } });
  }

  /** Version summaries, newest first. */
  async versions(limit = 50): Promise<StudioVersionSummary[]> {
    return (await this.request<{ versions: StudioVersionSummary[] }>('GET', `/versions?limit=${limit}`)).versions;
  }

  /** Saves version `version`'s content as a new version, on top of `etag`. */
  rollback(version: number, etag: string): Promise<StudioWorkspaceVersion> {
    return this.request('POST', '/rollback', { body: { version }, headers: { 'if-match': `"${etag}"` } });
  }

  /**
   * Starts a studio draft that streams into the workspace's studio session: a template's analysis
   * (JSON) or a brand intake with files (`FormData` with `runId` and `documents`). Retrying with
   * the same `runId` is acknowledged, never run twice.
   */
  startDraft(body: { runId: string; request: DraftRequest } | FormData): Promise<{ session: string; runId: string; offset: number; duplicate: boolean }> {
    return this.request('POST', '/drafts', { body });
  }

  /** Asks the server's model for the analysis report of a branded template. */
  analyse(template: { name: string; content: string }, signal?: AbortSignal): Promise<ReferenceAnalysis> {
    return this.request('POST', '/reference-analysis', { body: { template }, ...(signal ? { signal } : {}) });
  }
}
