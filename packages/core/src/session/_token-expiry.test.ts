import { describe, expect, it } from 'vitest';
import { tokenExpiry } from './_token-expiry.js';

const base64url = (value: unknown) => btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

describe('tokenExpiry', () => {
  it('reads exp from a JWT payload without verifying it', () => {
    expect(tokenExpiry(`${base64url({ alg: 'HS256' })}.${base64url({ exp: 1_900_000_000, sid: 's?>' })}.sig`)).toBe(1_900_000_000);
  });

  it('returns undefined for opaque tokens and payloads without a numeric exp', () => {
    expect(tokenExpiry('opaque-token')).toBeUndefined();
    expect(tokenExpiry('a.!!!.c')).toBeUndefined();
    expect(tokenExpiry(`x.${base64url({ exp: 'soon' })}.y`)).toBeUndefined();
  });
});
