import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GrowingTextJson } from './_growing-text-json.js';

describe('GrowingTextJson', () => {
  it('is JSON.stringify of every text, however texts grow, shrink or change under one key', () => {
    // Pieces with what JSON escapes, and surrogate halves that a split can separate.
    const piece = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.constantFrom('"', '\\', '\n', '\u2028', '\ud83d', '\ude80', '🚀', 'x'.repeat(3000)),
    );
    const step = fc.tuple(fc.constantFrom('extend', 'extend', 'extend', 'replace', 'cut'), fc.array(piece, { maxLength: 6 }), fc.constantFrom('m1', 'm2'));
    fc.assert(
      fc.property(fc.array(step, { maxLength: 20 }), (steps) => {
        const texts = new GrowingTextJson();
        const current: Record<string, string> = { m1: 'a'.repeat(5000), m2: 'b'.repeat(5000) };
        for (const [change, pieces, key] of steps) {
          const added = pieces.join('');
          if (change === 'extend') current[key] += added;
          else if (change === 'replace') current[key] = added + 'c'.repeat(4096);
          else current[key] = current[key]!.slice(0, Math.max(0, current[key]!.length - added.length - 1));
          expect(texts.json(key, current[key]!)).toBe(JSON.stringify(current[key]));
        }
      }),
      { numRuns: Number(process.env.MT_FUZZ_RUNS ?? 300) },
    );
  });

  it('keeps a high surrogate at the end of a kept text from being joined to a low one escaped', () => {
    const texts = new GrowingTextJson();
    const start = `${'x'.repeat(5000)}\ud83d`;
    expect(texts.json('m', start)).toBe(JSON.stringify(start));
    expect(texts.json('m', `${start}\ude80`)).toBe(JSON.stringify(`${start}\ude80`));
  });
});
