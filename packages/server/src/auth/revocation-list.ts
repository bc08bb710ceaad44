import type { RedisClientLike, RedisSubscriberLike } from '../_redis-client-like.js';
import type { SessionGrant } from './token-issuer.js';

/** A revocation as every node hears it: one token (by `jti`), or every token of a subject issued until `before`. */
export type Revocation = { tokenId: string } | { subject: string; before: number };

/**
 * Revoked tokens, checked when a connection subscribes, refreshes and writes. Revoking tells
 * every node (through {@link onRevoked}), so connections holding the token are closed at once.
 */
export interface RevocationList {
  /** Revokes one token by its `jti`, until its `exp` (seconds since the epoch), after which it is dead anyway. */
  revokeToken(tokenId: string, expiresAt: number): Promise<void>;
  /** Revokes every token of `subject` (a user id) issued up to now; tokens minted later are not affected. */
  revokeSubject(subject: string): Promise<void>;
  /** True when the grant's token is revoked. */
  isRevoked(grant: SessionGrant): Promise<boolean>;
  /** Calls `listener` for each revocation made on any node; returns the unsubscribe. */
  onRevoked(listener: (revocation: Revocation) => void): () => void;
  close(): Promise<void>;
}

/** True when `revocation` covers `grant`. */
export function revokes(revocation: Revocation, grant: SessionGrant): boolean {
  if ('tokenId' in revocation) return grant.tokenId === revocation.tokenId;
  return grant.userId === revocation.subject && (grant.issuedAt ?? 0) <= revocation.before;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Revocations held in this process, for a single node. */
export class MemoryRevocationList implements RevocationList {
  readonly #tokens = new Map<string, number>();
  readonly #subjects = new Map<string, number>();
  readonly #listeners = new Set<(revocation: Revocation) => void>();
  readonly #keepSeconds: number;

  /** `keepSeconds`: how long a subject's revocation is kept; the longest a token may live (maxTokenAgeSeconds). */
  constructor(keepSeconds = 24 * 3600) {
    this.#keepSeconds = keepSeconds;
  }

  async revokeToken(tokenId: string, expiresAt: number): Promise<void> {
    this.#prune();
    this.#tokens.set(tokenId, expiresAt);
    this.#emit({ tokenId });
  }

  async revokeSubject(subject: string): Promise<void> {
    this.#prune();
    const before = nowSeconds();
    this.#subjects.set(subject, before);
    this.#emit({ subject, before });
  }

  async isRevoked(grant: SessionGrant): Promise<boolean> {
    if (grant.tokenId !== undefined && this.#tokens.has(grant.tokenId)) return true;
    const before = this.#subjects.get(grant.userId);
    return before !== undefined && (grant.issuedAt ?? 0) <= before;
  }

  onRevoked(listener: (revocation: Revocation) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }

  #emit(revocation: Revocation): void {
    for (const listener of this.#listeners) listener(revocation);
  }

  #prune(): void {
    const now = nowSeconds();
    for (const [id, expiresAt] of this.#tokens) if (expiresAt < now) this.#tokens.delete(id);
    for (const [subject, before] of this.#subjects) if (before + this.#keepSeconds < now) this.#subjects.delete(subject);
  }
}

/** Options of {@link RedisRevocationList}. */
export interface RedisRevocationListOptions {
  /** The client for keys; a second connection is opened from it (`duplicate()`) to hear other nodes. */
  redis: RedisClientLike;
  /** Defaults to `mt:revoked:`. */
  keyPrefix?: string;
  /** How long a subject's revocation is kept: the longest a token may live. Defaults to 86 400. */
  keepSeconds?: number;
  onError?: (error: unknown) => void;
}

/** Revocations shared by every node on one Redis: keys that expire with the tokens, and pub/sub to tell the nodes. */
export class RedisRevocationList implements RevocationList {
  readonly #redis: RedisClientLike;
  readonly #subscriber: RedisSubscriberLike;
  readonly #prefix: string;
  readonly #keepSeconds: number;
  readonly #listeners = new Set<(revocation: Revocation) => void>();
  readonly #ready: Promise<unknown>;
  readonly #onError: (error: unknown) => void;

  constructor(options: RedisRevocationListOptions) {
    this.#redis = options.redis;
    this.#prefix = options.keyPrefix ?? 'mt:revoked:';
    this.#keepSeconds = options.keepSeconds ?? 24 * 3600;
    this.#onError = options.onError ?? ((error) => console.error('[marketing-team] revocations:', error));
    this.#subscriber = options.redis.duplicate();
    this.#subscriber.on('error', this.#onError);
    this.#subscriber.on('message', (_channel: string, message: string) => {
      let revocation: Revocation;
      try {
        revocation = JSON.parse(message) as Revocation;
      } catch (error) {
        return this.#onError(error);
      }
      for (const listener of this.#listeners) listener(revocation);
    });
    this.#ready = this.#subscriber.subscribe(this.#channel).catch(this.#onError);
  }

  get #channel(): string {
    return `${this.#prefix}events`;
  }

  /** Resolves once this node hears revocations from the others. */
  ready(): Promise<unknown> {
    return this.#ready;
  }

  async revokeToken(tokenId: string, expiresAt: number): Promise<void> {
    const seconds = Math.max(1, expiresAt - nowSeconds() + 60);
    await this.#redis.set(`${this.#prefix}jti:${tokenId}`, '1', 'EX', seconds);
    await this.#redis.publish(this.#channel, JSON.stringify({ tokenId } satisfies Revocation));
  }

  async revokeSubject(subject: string): Promise<void> {
    const before = nowSeconds();
    await this.#redis.set(`${this.#prefix}sub:${subject}`, String(before), 'EX', this.#keepSeconds + 60);
    await this.#redis.publish(this.#channel, JSON.stringify({ subject, before } satisfies Revocation));
  }

  async isRevoked(grant: SessionGrant): Promise<boolean> {
    const [token, before] = await this.#redis.mget(
      grant.tokenId !== undefined ? `${this.#prefix}jti:${grant.tokenId}` : `${this.#prefix}jti:`,
      `${this.#prefix}sub:${grant.userId}`,
    );
    if (grant.tokenId !== undefined && token !== null) return true;
    return before !== null && (grant.issuedAt ?? 0) <= Number(before);
  }

  onRevoked(listener: (revocation: Revocation) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    this.#subscriber.disconnect();
  }
}
