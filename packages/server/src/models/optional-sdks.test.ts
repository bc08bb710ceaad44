import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every package a module reaches through its static and literal dynamic imports. */
function packagesReachedFrom(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2]!;
      if (specifier.startsWith('.')) visit(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
    }
  };
  visit(entry);
  return packages;
}

const optional = (packages: Set<string>) => [...packages].filter((name) => name === 'openai' || name === 'ai' || name.startsWith('@ai-sdk/'));

// Hosts install `openai` or `ai` only if they use them, so only their own subpath entries may load them.
describe('optional model SDKs', () => {
  it('are not reached from the root entry of the server', () => {
    const reached = packagesReachedFrom(join(src, 'index.ts'));
    // The walk does reach the SDKs the root does use, so an empty list below means something.
    expect(reached.has('@anthropic-ai/sdk')).toBe(true);
    expect(optional(reached)).toEqual([]);
  });

  it('each load only their own SDK from their subpath entry', () => {
    expect(optional(packagesReachedFrom(join(src, 'models/openai-compatible-provider.ts')))).toEqual(['openai']);
    expect(optional(packagesReachedFrom(join(src, 'models/ai-sdk-provider.ts')))).toEqual(['ai']);
    expect(packagesReachedFrom(join(src, 'models/openai-compatible-provider.ts')).has('@anthropic-ai/sdk')).toBe(false);
  });
});
