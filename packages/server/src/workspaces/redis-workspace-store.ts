import type { WorkspaceDocumentInput } from '@marketing-team/core';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { StoreClosedError } from '../stores/session-store.js';
import { parseOptions } from '../stores/_validate.js';
import type { WorkspaceStoreMetrics } from './memory-workspace-store.js';
import {
  DEFAULT_MAX_DOCUMENT_BYTES,
  assertSession,
  assertVersion,
  assertWorkspaceId,
  etagOf,
  parseListOptions,
  parseSaveOptions,
  prepareDocument,
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
import { redisConnectionShape } from '../_redis-connection-shape.js';

/** Options of `RedisWorkspaceStore`. */
export interface RedisWorkspaceStoreOptions {
  /** A connected ioredis client to use (the store never closes it), e.g. the one of the `RedisStore`. */
  redis?: Redis;
  /** Connection URL when no client is given (default `redis://127.0.0.1:6379`). */
  url?: string;
  /** Prefix of every key (default `mt:`, as `RedisStore`). */
  keyPrefix?: string;
  /** Largest document, as UTF-8 JSON bytes (default 8 MiB). */
  maxDocumentBytes?: number;
}

const OptionsSchema = z.object({
  ...redisConnectionShape('{workspace}'),
  maxDocumentBytes: z.number().int().positive().default(DEFAULT_MAX_DOCUMENT_BYTES),
});

// KEYS: head (hash: version, etag), documents (hash: version -> JSON), summaries (hash: version -> JSON)
// ARGV: mode (create | etag | any), ifMatch, hash prefix for the etag, document JSON, summary JSON
// The compare and the write run as one script, so two saves from one etag cannot both win.
const saveScript = `
local head = redis.call('HMGET', KEYS[1], 'version', 'etag')
local current = tonumber(head[1])
local mode = ARGV[1]
if (mode == 'create' and current) or (mode == 'etag' and ((not current) or head[2] ~= ARGV[2])) then
  return {'conflict', current or 0, head[2] or ''}
end
local version = (current or 0) + 1
local etag = string.format('%d', version) .. '-' .. ARGV[3]
redis.call('HSET', KEYS[2], version, ARGV[4])
redis.call('HSET', KEYS[3], version, ARGV[5])
redis.call('HSET', KEYS[1], 'version', version, 'etag', etag)
return {'ok', version, etag}
`;

// KEYS: head, documents, summaries. Reads the latest version in one round trip.
const latestScript = `
local version = redis.call('HGET', KEYS[1], 'version')
if not version then return false end
return {version, redis.call('HGET', KEYS[2], version), redis.call('HGET', KEYS[3], version)}
`;

interface StoredSummary {
  hash: string;
  savedAt: number;
  savedBy?: string;
  rolledBackFrom?: number;
}

type ScriptCall = (...args: (string | number)[]) => Promise<unknown>;

/**
 * A `WorkspaceStore` on Redis, beside `RedisStore`'s sessions: per workspace one hash for the
 * head (latest version and etag), one for the documents and one for the version summaries, all
 * under the hash tag `{workspaceId}` so they share a cluster slot. A save is one Lua script
 * (compare the etag, write the version, move the head); every call names its keys, none scans.
 * Needs Redis 7 or newer (session binding uses `SET ... NX GET`).
 */
export class RedisWorkspaceStore implements WorkspaceStore {
  private readonly redis: Redis;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  private readonly maxDocumentBytes: number;
  private readonly scripts: { save: ScriptCall; latest: ScriptCall };
  private closed = false;
  /** Live counters (round trips to Redis); read them, do not write them. */
  readonly metrics: WorkspaceStoreMetrics = { operations: 0 };

  constructor(options: RedisWorkspaceStoreOptions = {}) {
    const parsed = parseOptions(OptionsSchema, options, 'options');
    this.prefix = parsed.keyPrefix;
    this.maxDocumentBytes = parsed.maxDocumentBytes;
    this.ownsClient = !parsed.redis;
    this.redis = parsed.redis ?? new Redis(parsed.url ?? 'redis://127.0.0.1:6379', { enableAutoPipelining: true });
    if (this.ownsClient) this.redis.on('error', () => {});
    this.redis.defineCommand('marketingTeam_workspaceSave', { lua: saveScript, numberOfKeys: 3 });
    this.redis.defineCommand('marketingTeam_workspaceLatest', { lua: latestScript, numberOfKeys: 3 });
    const commands = this.redis as unknown as Record<string, ScriptCall>;
    this.scripts = {
      save: commands.marketingTeam_workspaceSave!.bind(this.redis),
      latest: commands.marketingTeam_workspaceLatest!.bind(this.redis),
    };
  }

  async get(workspaceId: string): Promise<WorkspaceVersion | undefined> {
    this.assertOpen();
    assertWorkspaceId(workspaceId);
    this.metrics.operations++;
    const found = (await this.scripts.latest(...this.keysOf(workspaceId))) as [string, string, string] | null;
    return found ? this.toVersion(workspaceId, Number(found[0]), found[1], found[2]) : undefined;
  }

  async getVersion(workspaceId: string, version: number): Promise<WorkspaceVersion | undefined> {
    this.assertOpen();
    assertWorkspaceId(workspaceId);
    assertVersion(version);
    const [, documents, summaries] = this.keysOf(workspaceId);
    // stored versions never change, so the two reads need no transaction between them
    this.metrics.operations++;
    const [document, summary] = await Promise.all([this.redis.hget(documents, String(version)), this.redis.hget(summaries, String(version))]);
    return document && summary ? this.toVersion(workspaceId, version, document, summary) : undefined;
  }

  async listVersions(workspaceId: string, options?: ListVersionsOptions): Promise<WorkspaceVersionSummary[]> {
    this.assertOpen();
    assertWorkspaceId(workspaceId);
    const { before, limit } = parseListOptions(options);
    const [head, , summaries] = this.keysOf(workspaceId);
    this.metrics.operations++;
    const latest = Number((await this.redis.hget(head, 'version')) ?? 0);
    const newest = Math.min(latest, before === undefined ? latest : before - 1);
    const wanted = Array.from({ length: Math.max(0, Math.min(limit, newest)) }, (_, index) => String(newest - index));
    if (wanted.length === 0) return [];
    this.metrics.operations++;
    const rows = await this.redis.hmget(summaries, ...wanted);
    return rows.flatMap((row, index) => (row ? [this.toSummary(workspaceId, Number(wanted[index]), row)] : []));
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
    this.metrics.operations++;
    const old = await this.redis.hget(this.keysOf(workspaceId)[1], String(version));
    if (!old) throw new WorkspaceNotFoundError(workspaceId, version);
    return this.write(workspaceId, JSON.parse(old), ifMatch, savedBy, version);
  }

  async bindSession(session: string, workspaceId: string): Promise<string> {
    this.assertOpen();
    assertSession(session);
    assertWorkspaceId(workspaceId);
    const key = this.sessionKey(session);
    this.metrics.operations++;
    // SET NX GET: binds if unbound, and answers the existing binding otherwise, in one atomic command
    const previous = (await this.redis.call('SET', key, workspaceId, 'NX', 'GET')) as string | null;
    return previous ?? workspaceId;
  }

  async sessionWorkspace(session: string): Promise<string | undefined> {
    this.assertOpen();
    assertSession(session);
    this.metrics.operations++;
    return (await this.redis.get(this.sessionKey(session))) ?? undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private async write(workspaceId: string, input: unknown, ifMatch: string | null, savedBy: string | undefined, rolledBackFrom: number | undefined): Promise<WorkspaceVersion> {
    const prepared = prepareDocument(input, this.maxDocumentBytes);
    const stored: StoredSummary = {
      hash: prepared.hash,
      savedAt: Date.now(),
      ...(savedBy !== undefined ? { savedBy } : {}),
      ...(rolledBackFrom !== undefined ? { rolledBackFrom } : {}),
    };
    const mode = ifMatch === null ? 'create' : ifMatch === '*' ? 'any' : 'etag';
    this.metrics.operations++;
    const [status, version, etag] = (await this.scripts.save(
      ...this.keysOf(workspaceId),
      mode,
      ifMatch ?? '',
      etagOf(0, prepared.hash).slice(2),
      prepared.json,
      JSON.stringify(stored),
    )) as [string, number, string];
    if (status === 'conflict') throw new WorkspaceConflictError(workspaceId, version === 0 ? undefined : Number(version), etag || undefined);
    return { workspaceId, version: Number(version), etag, ...stored, document: prepared.document };
  }

  private toSummary(workspaceId: string, version: number, summary: string): WorkspaceVersionSummary {
    const stored = JSON.parse(summary) as StoredSummary;
    return { workspaceId, version, etag: etagOf(version, stored.hash), ...stored };
  }

  private toVersion(workspaceId: string, version: number, document: string, summary: string): WorkspaceVersion {
    return { ...this.toSummary(workspaceId, version, summary), document: JSON.parse(document) as WorkspaceVersion['document'] };
  }

  private keysOf(workspaceId: string): [head: string, documents: string, summaries: string] {
    const base = `${this.prefix}ws:{${workspaceId}}`;
    return [`${base}:head`, `${base}:documents`, `${base}:summaries`];
  }

  private sessionKey(session: string): string {
    return `${this.prefix}ws-session:{${session}}`;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }
}
