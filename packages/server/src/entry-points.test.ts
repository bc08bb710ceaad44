import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = dirname(fileURLToPath(import.meta.url));
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every package a module reaches through its static and literal dynamic imports. */
function packagesReachedFrom(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      if (/^\s*(import|export)\s+type\s/.test(match[0])) continue; // erased at build time: loads nothing
      const specifier = match[1] ?? match[2]!;
      if (specifier.startsWith('.')) visit(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
    }
  };
  visit(entry);
  return packages;
}

/** Packages a host installs only for the entry that needs them (optional peer dependencies). */
const OPTIONAL = ['better-sqlite3', 'ioredis', 'pg', '@anthropic-ai/sdk', 'openai', 'ai', 'ably', 'vitest', 'fast-check'];
const optional = (packages: Set<string>) => [...packages].filter((name) => OPTIONAL.includes(name) || name.startsWith('@ai-sdk/')).sort();

// The root entry must load on a host with none of them (an edge or serverless runtime, a host on
// another database); each subpath entry loads only its own.
describe('entry points', () => {
  it('the root entry reaches no optional dependency', () => {
    const reached = packagesReachedFrom(join(src, 'index.ts'));
    // The walk does reach the packages the root uses, so an empty list below means something.
    expect(reached.has('jose')).toBe(true);
    expect(optional(reached)).toEqual([]);
  });

  it.each([
    ['sqlite.ts', ['better-sqlite3']],
    ['redis.ts', ['ioredis']],
    ['postgres.ts', ['pg']],
    ['anthropic.ts', ['@anthropic-ai/sdk']],
    ['models/openai-compatible-provider.ts', ['openai']],
    ['models/ai-sdk-provider.ts', ['ai']],
    ['durable-streams.ts', []],
    ['ably.ts', []],
    ['ably-client.ts', []],
    ['testing.ts', ['fast-check', 'vitest']],
  ])('%s reaches only %j', (entry, expected) => {
    expect(optional(packagesReachedFrom(join(src, entry)))).toEqual(expected);
  });

  it('the Ably browser client reaches no Node module, so it bundles for the browser', () => {
    const reached = [...packagesReachedFrom(join(src, 'ably-client.ts'))];
    expect(reached.filter((name) => name.startsWith('node:') || ['ws', 'jose', 'sanitize-html'].includes(name))).toEqual([]);
  });
});
