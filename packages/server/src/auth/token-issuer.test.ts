import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '@marketing-team/core';
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
    expect(grant).toEqual({ userId: 'u-1', userName: 'Ada', capabilities: ['read', 'control'], expiresAt: claims.exp });
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
    await expect(issuer.mint({ session: 's', userId: 'u', capabilities: ['admin' as 'read'], ttlSeconds: 60 })).rejects.toMatchObject({ code: 'bad_frame' });
    await expect(issuer.mint({ session: 's', userId: 'u', capabilities: ['read'], ttlSeconds: 0 })).rejects.toMatchObject({ field: 'ttlSeconds' });
  });
});
