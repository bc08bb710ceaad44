// Every package we publish promises Node >= 20, so every package it installs must run there too.
// (sanitize-html 2.18 asked for Node 22.12, which plain npm reports as EBADENGINE on Node 20.)
import { readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const packagesDir = fileURLToPath(new URL('../..', import.meta.url));
const published = ['core', 'server', 'widget', 'react'];

interface Manifest {
  name: string;
  version: string;
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const readManifest = (file: string): Manifest => JSON.parse(readFileSync(file, 'utf8')) as Manifest;

/** The manifest of `name` as Node resolves it from `fromDir`, or undefined when it is not installed there. */
function resolveManifest(name: string, fromDir: string): { file: string; manifest: Manifest } | undefined {
  const require = createRequire(join(fromDir, 'package.json'));
  for (const base of require.resolve.paths(name) ?? []) {
    const file = join(base, name, 'package.json');
    try {
      // The real path: a dependency's own dependencies resolve from where it is stored (pnpm links it).
      return { file: realpathSync(file), manifest: readManifest(file) };
    } catch {
      // not in this node_modules folder; try the next one up
    }
  }
  return undefined;
}

/** Every package that installing `root` brings in (production and optional dependencies), by name@version. */
function installedTree(root: string): Map<string, Manifest> {
  const seen = new Map<string, Manifest>();
  const queue: string[] = [join(root, 'package.json')];
  while (queue.length > 0) {
    const file = queue.pop()!;
    const manifest = readManifest(file);
    const dependencies = { ...manifest.dependencies, ...manifest.optionalDependencies };
    for (const name of Object.keys(dependencies)) {
      const found = resolveManifest(name, dirname(file));
      if (!found) continue; // an optional dependency for another platform
      const key = `${found.manifest.name}@${found.manifest.version}`;
      if (seen.has(key)) continue;
      seen.set(key, found.manifest);
      queue.push(found.file);
    }
  }
  return seen;
}

describe.each(published)('@marketing-team/%s', (name) => {
  it('installs only packages whose engines accept its own minimum Node version', () => {
    const root = join(packagesDir, name);
    const ours = readManifest(join(root, 'package.json')).engines?.node;
    expect(ours, 'engines.node of the package').toBeDefined();
    const minimum = semver.minVersion(ours!)!.version;
    const refused = [...installedTree(root)]
      .filter(([, manifest]) => manifest.engines?.node && !semver.satisfies(minimum, manifest.engines.node))
      .map(([key, manifest]) => `${key} needs node ${manifest.engines!.node}`);
    expect(refused).toEqual([]);
  });
});
