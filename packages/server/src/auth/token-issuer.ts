import { randomUUID } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { z } from 'zod';
import {
  CapabilitySchema,
  DEFAULT_WORKSPACE_ID,
  ProtocolError,
  SessionIdSchema,
  WorkspaceIdSchema,
  protocolErrorFromZod,
  type Capability,
} from '@marketing-team/core';
import { weakSecretReason } from './_secret-strength.js';
import { VerifiedTokens } from './_verified-tokens.js';

/** What a verified session token grants: who the holder is, what it may do, until when. */
export interface SessionGrant {
  userId: string;
  userName?: string;
  capabilities: Capability[];
  /** Seconds since the Unix epoch. */
  expiresAt: number;
  /** Seconds since the Unix epoch at which the token was minted (`iat`). */
  issuedAt?: number;
  /** The token's unique id (`jti`), by which it can be revoked. */
  tokenId?: string;
  /** The workspace the token belongs to (`wid`); absent, or a token minted without one, means `default`. */
  workspaceId?: string;
}

/** What a verified token grants on its workspace's API: a `SessionGrant` not tied to a session. */
export type WorkspaceGrant = SessionGrant;

/** Options of {@link createTokenIssuer}. */
export interface TokenIssuerOptions {
  /**
   * HMAC secret: at least 32 bytes from a random source (`openssl rand -hex 32`). Placeholders
   * from samples and repetitive strings are refused. It stays in the host's backend; it never
   * reaches a browser.
   */
  secret: string | Uint8Array;
  /** `iss` claim written and required; defaults to `marketing-team`. */
  issuer?: string;
  /** `aud` claim written and required; defaults to `marketing-team-session`. */
  audience?: string;
  /** Seconds of clock skew tolerated when checking `exp` and `iat`; defaults to 5. */
  clockToleranceSeconds?: number;
  /**
   * Longest lifetime a token may have, from its `iat`: longer-lived tokens are refused when
   * minted and when verified, however far away their `exp`. Defaults to 86 400 (24 hours).
   */
  maxTokenAgeSeconds?: number;
}

/** What {@link TokenIssuer.mint} needs. */
export interface MintTokenOptions {
  /** The one session the token opens; optional for tokens that only edit a workspace. */
  session?: string;
  /** The workspace (customer) the token belongs to; defaults to `default`. */
  workspace?: string;
  userId: string;
  userName?: string;
  capabilities: Capability[];
  ttlSeconds: number;
}

/** Mints and verifies signed, scoped, expiring session tokens (compact JWS, HS256). */
export interface TokenIssuer {
  /** Returns a compact JWT for one session (and one workspace); only the host's backend should call it. */
  mint(options: MintTokenOptions): Promise<string>;
  /**
   * Verifies a token for `session`. Rejects with a `ProtocolError` coded `unauthorized` when the
   * token is malformed, badly signed, expired or longer-lived than `maxTokenAgeSeconds`, and
   * `forbidden` when it names another session.
   */
  verify(token: string, session: string): Promise<SessionGrant>;
  /**
   * Verifies a token for the API of `workspace`, whatever session it names. Rejects like `verify`,
   * with `forbidden` when it belongs to another workspace (no claim means the `default` workspace).
   * Optional for a host's own issuers: without it the workspace API refuses every token.
   */
  verifyWorkspace?(token: string, workspace: string): Promise<WorkspaceGrant>;
}

/** Verified tokens remembered per issuer (a few MB at most: a token is at most 4 KiB). */
const VERIFIED_TOKENS_KEPT = 1000;

/** Default of {@link TokenIssuerOptions.maxTokenAgeSeconds}: one day. */
export const DEFAULT_MAX_TOKEN_AGE_SECONDS = 24 * 3600;

const OptionsSchema = z.object({
  secret: z.union([z.string().min(32, 'use a secret of at least 32 characters'), z.instanceof(Uint8Array)]),
  issuer: z.string().min(1).max(200).default('marketing-team'),
  audience: z.string().min(1).max(200).default('marketing-team-session'),
  clockToleranceSeconds: z.number().int().nonnegative().max(300).default(5),
  maxTokenAgeSeconds: z.number().int().positive().max(30 * 24 * 3600).default(DEFAULT_MAX_TOKEN_AGE_SECONDS),
});

const MintSchema = z.object({
  session: z.optional(SessionIdSchema),
  workspace: z.optional(WorkspaceIdSchema),
  userId: z.string().min(1).max(200),
  userName: z.string().max(200).optional(),
  capabilities: z.array(CapabilitySchema).min(1).max(5),
  ttlSeconds: z.number().int().positive().max(7 * 24 * 3600),
});

const ClaimsSchema = z.object({
  sub: z.string().min(1).max(200),
  sid: z.optional(SessionIdSchema),
  wid: z.optional(WorkspaceIdSchema),
  cap: z.array(CapabilitySchema).max(5),
  exp: z.number().int(),
  iat: z.number().int(),
  name: z.string().max(200).optional(),
  jti: z.string().max(128).optional(),
});

/** Creates a {@link TokenIssuer} over an HMAC secret. */
export function createTokenIssuer(options: TokenIssuerOptions): TokenIssuer {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) throw protocolErrorFromZod(parsed.error, 'options');
  const { issuer, audience, clockToleranceSeconds, maxTokenAgeSeconds } = parsed.data;
  const key = typeof parsed.data.secret === 'string' ? new TextEncoder().encode(parsed.data.secret) : parsed.data.secret;
  if (key.byteLength < 32) throw new ProtocolError('bad_frame', 'options.secret: use at least 32 bytes', 'options.secret');
  const weakness = weakSecretReason(parsed.data.secret);
  if (weakness) throw new ProtocolError('bad_frame', `options.secret: ${weakness}`, 'options.secret');
  const verified = new VerifiedTokens<z.output<typeof ClaimsSchema>>(VERIFIED_TOKENS_KEPT);

  return {
    async mint(input) {
      const mint = MintSchema.safeParse(input);
      if (!mint.success) throw protocolErrorFromZod(mint.error);
      const { session, workspace, userId, userName, capabilities, ttlSeconds } = mint.data;
      if (session === undefined && !capabilities.includes('admin')) {
        // a token that opens no session and edits nothing would be good for nothing
        throw new ProtocolError('bad_frame', 'session: required unless the token carries the admin capability', 'session');
      }
      if (ttlSeconds > maxTokenAgeSeconds) {
        throw new ProtocolError('bad_frame', `ttlSeconds: at most ${maxTokenAgeSeconds} (maxTokenAgeSeconds)`, 'ttlSeconds');
      }
      const now = Math.floor(Date.now() / 1000);
      const claims: Record<string, unknown> = { cap: [...new Set(capabilities)] };
      if (session !== undefined) claims.sid = session;
      // no claim keeps tokens of hosts without workspaces exactly as they were
      if (workspace !== undefined && workspace !== DEFAULT_WORKSPACE_ID) claims.wid = workspace;
      if (userName !== undefined) claims.name = userName;
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(userId)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt(now)
        .setExpirationTime(now + ttlSeconds)
        .setJti(randomUUID())
        .sign(key);
    },

    async verify(token, session) {
      const claims = await checkedClaims(token);
      if (claims.sid !== session) {
        throw new ProtocolError('forbidden', 'token: issued for another session', 'session');
      }
      return grantOf(claims);
    },

    async verifyWorkspace(token, workspace) {
      const claims = await checkedClaims(token);
      if ((claims.wid ?? DEFAULT_WORKSPACE_ID) !== workspace) {
        throw new ProtocolError('forbidden', 'token: issued for another workspace', 'workspace');
      }
      return grantOf(claims);
    },
  };

  async function checkedClaims(token: string): Promise<z.output<typeof ClaimsSchema>> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) {
      throw new ProtocolError('unauthorized', 'token: missing or malformed', 'token');
    }
    // Seconds, as jose counts them, so a remembered token expires exactly when a fresh check would refuse it.
    const known = verified.get(token, Math.floor(Date.now() / 1000));
    if (known) return known;
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: ['HS256'],
        issuer,
        audience,
        clockTolerance: clockToleranceSeconds,
        requiredClaims: ['exp', 'iat', 'sub'],
        // Checks that `iat` is no older than the limit; `exp - iat` is checked below.
        maxTokenAge: maxTokenAgeSeconds,
      }));
    } catch (error) {
      const reason =
        error instanceof joseErrors.JWTExpired
          ? 'expired'
          : error instanceof joseErrors.JWSSignatureVerificationFailed
            ? 'bad signature'
            : 'invalid';
      throw new ProtocolError('unauthorized', `token: ${reason}`, 'token');
    }
    const claims = ClaimsSchema.safeParse(payload);
    if (!claims.success) throw new ProtocolError('unauthorized', 'token: unexpected claims', 'token');
    // A token signed to live for years is refused even while it is young: a leaked one would stay usable.
    if (claims.data.exp - claims.data.iat > maxTokenAgeSeconds) {
      throw new ProtocolError('unauthorized', `token: lives longer than ${maxTokenAgeSeconds} seconds`, 'token');
    }
    // jose accepts while `exp > now - tolerance` and `now - iat - tolerance <= maxTokenAge`.
    const { exp, iat } = claims.data;
    verified.set(token, claims.data, Math.min(exp + clockToleranceSeconds - 1, iat + maxTokenAgeSeconds + clockToleranceSeconds));
    return claims.data;
  }
}

function grantOf(claims: z.output<typeof ClaimsSchema>): SessionGrant {
  const grant: SessionGrant = {
    userId: claims.sub,
    capabilities: [...claims.cap],
    expiresAt: claims.exp,
    issuedAt: claims.iat,
    workspaceId: claims.wid ?? DEFAULT_WORKSPACE_ID,
  };
  if (claims.jti !== undefined) grant.tokenId = claims.jti;
  if (claims.name !== undefined) grant.userName = claims.name;
  return grant;
}
