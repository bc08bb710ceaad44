import { randomUUID } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { z } from 'zod';
import {
  CapabilitySchema,
  ProtocolError,
  SessionIdSchema,
  protocolErrorFromZod,
  type Capability,
} from '@marketing-team/core';
import { weakSecretReason } from './_secret-strength.js';

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
}

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
  session: string;
  userId: string;
  userName?: string;
  capabilities: Capability[];
  ttlSeconds: number;
}

/** Mints and verifies signed, scoped, expiring session tokens (compact JWS, HS256). */
export interface TokenIssuer {
  /** Returns a compact JWT for one session; only the host's backend should call it. */
  mint(options: MintTokenOptions): Promise<string>;
  /**
   * Verifies a token for `session`. Rejects with a `ProtocolError` coded `unauthorized` when the
   * token is malformed, badly signed, expired or longer-lived than `maxTokenAgeSeconds`, and
   * `forbidden` when it names another session.
   */
  verify(token: string, session: string): Promise<SessionGrant>;
}

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
  session: SessionIdSchema,
  userId: z.string().min(1).max(200),
  userName: z.string().max(200).optional(),
  capabilities: z.array(CapabilitySchema).min(1).max(4),
  ttlSeconds: z.number().int().positive().max(7 * 24 * 3600),
});

const ClaimsSchema = z.object({
  sub: z.string().min(1).max(200),
  sid: SessionIdSchema,
  cap: z.array(CapabilitySchema).max(4),
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

  return {
    async mint(input) {
      const mint = MintSchema.safeParse(input);
      if (!mint.success) throw protocolErrorFromZod(mint.error);
      const { session, userId, userName, capabilities, ttlSeconds } = mint.data;
      if (ttlSeconds > maxTokenAgeSeconds) {
        throw new ProtocolError('bad_frame', `ttlSeconds: at most ${maxTokenAgeSeconds} (maxTokenAgeSeconds)`, 'ttlSeconds');
      }
      const now = Math.floor(Date.now() / 1000);
      const claims: Record<string, unknown> = { sid: session, cap: [...new Set(capabilities)] };
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
      if (typeof token !== 'string' || token.length === 0 || token.length > 4096) {
        throw new ProtocolError('unauthorized', 'token: missing or malformed', 'token');
      }
      let payload: unknown;
      try {
        ({ payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          issuer,
          audience,
          clockTolerance: clockToleranceSeconds,
          requiredClaims: ['exp', 'iat', 'sub', 'sid'],
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
      if (claims.data.sid !== session) {
        throw new ProtocolError('forbidden', 'token: issued for another session', 'session');
      }
      const grant: SessionGrant = {
        userId: claims.data.sub,
        capabilities: claims.data.cap,
        expiresAt: claims.data.exp,
        issuedAt: claims.data.iat,
      };
      if (claims.data.jti !== undefined) grant.tokenId = claims.data.jti;
      if (claims.data.name !== undefined) grant.userName = claims.data.name;
      return grant;
    },
  };
}
