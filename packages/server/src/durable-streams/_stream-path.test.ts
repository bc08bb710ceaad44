import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { normalizeStreamPath } from './_stream-path.js';

describe('stream paths', () => {
  test('refuses empty, `.` and `..` segments and control characters; keeps the rest as given', () => {
    for (const path of ['/', '//', '/a/', '/a//b', '/.', '/..', '/a/.', '/a/../b', '/a\u0000', '/a\nb', '/\u007f', 'a', '', `/${'x'.repeat(1024)}`]) {
      expect(normalizeStreamPath(path), JSON.stringify(path)).toBeUndefined();
    }
    for (const path of ['/a', '/v1/stream/x', '/a/.b', '/a/..b', '/...', '/a/b.', '/%2e%2e', '/é ✓']) {
      expect(normalizeStreamPath(path)).toBe(path);
    }
  });

  test('accepts exactly the paths whose segments are all non-empty, not `.` or `..`, free of control characters', () => {
    const segment = fc.string({ unit: fc.constantFrom('a', '.', '%', ' ', 'é', '\u0000', '\u001f', '\u007f', '\n'), maxLength: 4 });
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), (segments) => {
        const path = `/${segments.join('/')}`;
        const valid = segments.every((s) => s !== '' && s !== '.' && s !== '..' && !/[\u0000-\u001f\u007f]/.test(s));
        expect(normalizeStreamPath(path)).toBe(valid ? path : undefined);
      }),
    );
  });
});
