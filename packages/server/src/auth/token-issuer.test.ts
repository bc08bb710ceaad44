import { SignJWT, decodeJwt } from 'jose';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProtocolError } from '@marketing-team/core';
import { VerifiedTokens } from './_verified-tokens.js';
import { createTokenIssuer } from './token-issuer.js';

const secret = 'a-secret-that-is-long-enough-0123456789';

describe('createTokenIssuer', () => {
  it('mints a compact HS256 JWT with the scoped claims and verifies it', async () => {
    const issuer = createTokenIssuer({ secret });
    const token = await issuer.mint({ session: 's-1', userId: 'u-1', userName: 'Ada', capabilities: ['read', 'control'], ttlSeconds: 60 });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ sub: 'u-1', sid: 's-1', cap: ['read', 'control'], iss: 'marketing-team', aud: 'marketing-team-session' });
    expect(typeof claims.jti).toBe('string');
    expect(claims.exp! - claims.iat!).toBe(60);
    const grant = await issuer.verify(token, 's-1');
    expect(grant).toEqual({
      userId: 'u-1',
      userName: 'Ada',
      capabilities: ['read', 'control'],
      expiresAt: claims.exp,
      issuedAt: claims.iat,
      tokenId: claims.jti,
      workspaceId: 'default',
    });
    // without a workspace the token carries no workspace claim: the same token as before workspaces
    expect(claims).not.toHaveProperty('wid');
  });

  it('binds a token to its workspace: verifyWorkspace refuses another one, and no claim means default', async () => {
    const issuer = createTokenIssuer({ secret });
    const acme = await issuer.mint({ session: 's-1', workspace: 'acme', userId: 'u-1', capabilities: ['read'], ttlSeconds: 60 });
    expect(decodeJwt(acme)).toMatchObject({ wid: 'acme', sid: 's-1' });
    expect(await issuer.verify(acme, 's-1')).toMatchObject({ workspaceId: 'acme' });
    expect(await issuer.verifyWorkspace!(acme, 'acme')).toMatchObject({ workspaceId: 'acme', capabilities: ['read'] });
    await expect(issuer.verifyWorkspace!(acme, 'globex')).rejects.toMatchObject({ code: 'forbidden', field: 'workspace' });
    const legacy = await issuer.mint({ session: 's-1', userId: 'u-1', capabilities: ['read'], ttlSeconds: 60 });
    expect(await issuer.verifyWorkspace!(legacy, 'default')).toMatchObject({ workspaceId: 'default' });
    await expect(issuer.verifyWorkspace!(legacy, 'acme')).rejects.toMatchObject({ code: 'forbidden' });
    // an editing token need not open a session; it then opens none
    const editor = await issuer.mint({ workspace: 'acme', userId: 'u-2', capabilities: ['admin'], ttlSeconds: 60 });
    expect(decodeJwt(editor)).not.toHaveProperty('sid');
    expect(await issuer.verifyWorkspace!(editor, 'acme')).toMatchObject({ capabilities: ['admin'] });
    await expect(issuer.verify(editor, 's-1')).rejects.toMatchObject({ code: 'forbidden', field: 'session' });
    await expect(issuer.mint({ workspace: 'acme', userId: 'u', capabilities: ['read'], ttlSeconds: 60 })).rejects.toMatchObject({ field: 'session' });
    await expect(issuer.mint({ session: 's', workspace: 'bad id', userId: 'u', capabilities: ['read'], ttlSeconds: 60 })).rejects.toMatchObject({ field: 'workspace' });
  });

  it('refuses another session with forbidden, and tampering or another secret with unauthorized', async () => {
    const issuer = createTokenIssuer({ secret });
    const token = await issuer.mint({ session: 's-1', userId: 'u-1', capabilities: ['read'], ttlSeconds: 60 });
    await expect(issuer.verify(token, 's-2')).rejects.toMatchObject({ code: 'forbidden', field: 'session' });
    const [header, payload, signature] = token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...decodeJwt(token), cap: ['read', 'write', 'control'] })).toString('base64url');
    await expect(issuer.verify(`${header}.${forgedPayload}.${signature}`, 's-1')).rejects.toMatchObject({ code: 'unauthorized' });
    const other = createTokenIssuer({ secret: `${secret}-other` });
    await expect(other.verify(token, 's-1')).rejects.toMatchObject({ code: 'unauthorized', message: 'token: bad signature' });
    await expect(issuer.verify('', 's-1')).rejects.toBeInstanceOf(ProtocolError);
    const otherAudience = createTokenIssuer({ secret, audience: 'elsewhere' });
    await expect(otherAudience.verify(token, 's-1')).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('validates its arguments and names the field', async () => {
    expect(() => createTokenIssuer({ secret: 'short' })).toThrow(/options\.secret/);
    const issuer = createTokenIssuer({ secret });
    await expect(issuer.mint({ session: 'bad session', userId: 'u', capabilities: ['read'], ttlSeconds: 60 })).rejects.toMatchObject({ field: 'session' });
    await expect(issuer.mint({ session: 's', userId: 'u', capabilities: [], ttlSeconds: 60 })).rejects.toMatchObject({ field: 'capabilities' });
    await expect(issuer.mint({ session: 's', userId: 'u', capabilities: ['owner' as 'read'], ttlSeconds: 60 })).rejects.toMatchObject({ code: 'bad_frame' });
    await expect(issuer.mint({ session: 's', userId: 'u', capabilities: ['read'], ttlSeconds: 0 })).rejects.toMatchObject({ field: 'ttlSeconds' });
  });

  it('refuses placeholder and low-entropy secrets, however long', () => {
    // The fallback a sample once shipped: long enough, and known to everyone who read it.
    expect(() => createTokenIssuer({ secret: 'replace-me-with-32-random-bytes-or-more' })).toThrow(/options\.secret: looks like a placeholder/);
    expect(() => createTokenIssuer({ secret: 'changeme-changeme-changeme-changeme-42' })).toThrow(/placeholder/);
    expect(() => createTokenIssuer({ secret: 'a'.repeat(64) })).toThrow(/options\.secret/);
    expect(() => createTokenIssuer({ secret: 'abcdef'.repeat(8) })).toThrow(/distinct symbols/);
    expect(() => createTokenIssuer({ secret: new Uint8Array(32) })).toThrow(/options\.secret/);
    expect(() => createTokenIssuer({ secret: randomBytes(32).toString('hex') })).not.toThrow();
    expect(() => createTokenIssuer({ secret: new Uint8Array(randomBytes(32)) })).not.toThrow();
  });

  it('refuses tokens that live longer than maxTokenAgeSeconds, when minted and when verified', async () => {
    const issuer = createTokenIssuer({ secret });
    await expect(issuer.mint({ session: 's', userId: 'u', capabilities: ['read'], ttlSeconds: 2 * 24 * 3600 })).rejects.toMatchObject({ field: 'ttlSeconds' });
    const key = new TextEncoder().encode(secret);
    const now = Math.floor(Date.now() / 1000);
    const forge = (iat: number, exp: number) =>
      new SignJWT({ sid: 's', cap: ['read'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('u')
        .setIssuer('marketing-team')
        .setAudience('marketing-team-session')
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(key);
    // Correctly signed by the host, yet valid for ten years: refused.
    await expect(issuer.verify(await forge(now, now + 10 * 365 * 24 * 3600), 's')).rejects.toMatchObject({ code: 'unauthorized', field: 'token' });
    // Issued two days ago, still before its exp: older than a day, refused.
    await expect(issuer.verify(await forge(now - 2 * 24 * 3600, now + 3600), 's')).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(issuer.verify(await forge(now, now + 3600), 's')).resolves.toMatchObject({ userId: 'u' });
    expect(() => createTokenIssuer({ secret, maxTokenAgeSeconds: 0 })).toThrow(/maxTokenAgeSeconds/);
  });

  describe('remembers verified tokens', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('accepts a remembered token exactly as long as a fresh check would, and only for its session', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      const start = Date.UTC(2026, 0, 1, 12, 0, 0);
      vi.setSystemTime(start);
      const issuer = createTokenIssuer({ secret });
      const token = await issuer.mint({ session: 's-1', userId: 'u-1', capabilities: ['read'], ttlSeconds: 60 });
      const grant = await issuer.verify(token, 's-1');
      // A caller changing its grant changes nothing for the next one.
      grant.capabilities.push('write');
      expect((await issuer.verify(token, 's-1')).capabilities).toEqual(['read']);
      await expect(issuer.verify(token, 's-2')).rejects.toMatchObject({ code: 'forbidden', field: 'session' });
      // exp is 60 s on, with 5 s of tolerance: the last second accepted is 64 s on.
      const fresh = () => createTokenIssuer({ secret }).verify(token, 's-1');
      vi.setSystemTime(start + 64_999);
      await expect(fresh()).resolves.toMatchObject({ userId: 'u-1' });
      await expect(issuer.verify(token, 's-1')).resolves.toMatchObject({ userId: 'u-1' });
      vi.setSystemTime(start + 65_000);
      await expect(fresh()).rejects.toMatchObject({ code: 'unauthorized', message: 'token: expired' });
      await expect(issuer.verify(token, 's-1')).rejects.toMatchObject({ code: 'unauthorized', message: 'token: expired' });
    });

    it('never remembers a refused token', async () => {
      const issuer = createTokenIssuer({ secret });
      const token = await issuer.mint({ session: 's-1', userId: 'u-1', capabilities: ['read'], ttlSeconds: 60 });
      const [header, payload] = token.split('.');
      const forged = `${header}.${payload}.${'A'.repeat(43)}`;
      await expect(issuer.verify(forged, 's-1')).rejects.toMatchObject({ code: 'unauthorized' });
      await expect(issuer.verify(forged, 's-1')).rejects.toMatchObject({ code: 'unauthorized' });
    });

    it('keeps at most its capacity, dropping the least recently used', () => {
      const tokens = new VerifiedTokens<number>(2);
      tokens.set('a', 1, 100);
      tokens.set('b', 2, 100);
      expect(tokens.get('a', 50)).toBe(1);
      tokens.set('c', 3, 100);
      expect(tokens.size).toBe(2);
      expect(tokens.get('b', 50)).toBeUndefined();
      expect(tokens.get('a', 50)).toBe(1);
      expect(tokens.get('c', 101)).toBeUndefined();
      expect(tokens.size).toBe(1);
    });
  });
});
