// The packages' public surface is a deliberate choice: every exported name of every entry point
// is listed in `scripts/public-api.txt`, and a change to what an entry exports fails here until
// that list is written anew (`node --import tsx scripts/public-api.ts > scripts/public-api.txt`)
// and the diff is part of the change.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { publicSurface, publishedEntries, renderSurface } from './public-api.js';

const pinned = readFileSync(fileURLToPath(new URL('public-api.txt', import.meta.url)), 'utf8');

describe('public API', () => {
  const surface = publicSurface();

  it('every entry point exports exactly the names in scripts/public-api.txt', () => {
    expect(renderSurface(surface)).toBe(pinned);
  });

  it('covers every entry point of every published package', () => {
    expect([...surface.keys()]).toEqual(publishedEntries().map(({ entry }) => entry));
    expect(surface.get('@marketing-team/core')).toContain('SessionClient');
  });

  it('no entry point re-exports a whole module with export *', () => {
    const starred = publishedEntries().filter(({ file }) => /^\s*export\s+\*/m.test(readFileSync(file, 'utf8')));
    expect(starred.map(({ entry }) => entry)).toEqual([]);
  });
});
