import { describe, expect, it } from 'vitest';
import { digestText, extendTextDigest, matchesTextDigest, TextDigestSchema } from './text-digest.js';

describe('text digest', () => {
  it('is the same whether computed at once or extended chunk by chunk', () => {
    const text = 'Launch week: “Ship faster” 🚀 — five agents, one brief.\n'.repeat(40);
    let running = digestText('');
    for (let start = 0; start < text.length; start += 37) running = extendTextDigest(running, text.slice(start, start + 37));
    expect(running).toEqual(digestText(text));
    expect(running.length).toBe(text.length);
    expect(TextDigestSchema.safeParse(running).success).toBe(true);
  });

  it('tells apart texts that differ by one character, by order, by a repeated chunk or by a missing one', () => {
    const text = 'The quick brown fox jumps over the lazy dog';
    const variants = [
      'The quick brown fox jumps over the lazy dof',
      'The quick brown fox jumps over the lazy cog',
      'quick The brown fox jumps over the lazy dog',
      'The quick brown fox jumps over the lazy dogdog',
      'The quick brown jumps over the lazy dog',
    ];
    for (const variant of variants) expect(matchesTextDigest(variant, digestText(text))).toBe(false);
    expect(matchesTextDigest(text, digestText(text))).toBe(true);
    // Same length, different text: the hash alone must differ.
    expect(digestText('ab').hash).not.toBe(digestText('ba').hash);
  });

  it('has a fixed value, so every implementation can be checked against it', () => {
    expect(digestText('')).toEqual({ length: 0, hash: '811c9dc52f6b8a1d' });
    expect(digestText('hello')).toEqual({ length: 5, hash: '4f9f2cab94f8b56f' });
  });
});
