// The self-contained build of the widget (Lit and core included, minified, one ES module),
// shared by the package build and the size benchmark so both measure the same thing.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));

/** esbuild options of `dist/marketing-team.js`. */
export function bundleOptions({ withoutSanitizer = false } = {}) {
  return {
    absWorkingDir: packageRoot,
    entryPoints: ['src/index.ts'],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    // Workspace packages from source, so the bundle does not depend on their build order.
    conditions: ['@marketing-team/source'],
    legalComments: 'none',
    plugins: withoutSanitizer ? [zodNamespace, externalSanitizer] : [zodNamespace],
  };
}

// `import { z } from 'zod'` pulls in all of zod (about 450 KB minified), because the `z` export
// is one namespace object; `import * as z from 'zod'` is the same API and lets esbuild keep only
// what is used (zod's documentation recommends it). Applied to the workspace sources we bundle.
const zodNamespace = {
  name: 'zod-namespace-import',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /packages\/core\/src\/.*\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      return { contents: source.replace(/import \{ z \} from 'zod';/g, "import * as z from 'zod';"), loader: 'ts' };
    });
  },
};

// Leaves the lazily imported Markdown sanitizer (marked + DOMPurify) out, to measure the element alone.
const externalSanitizer = {
  name: 'external-sanitizer',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /render-markdown\.js$/ }, (args) => ({ path: args.path, external: true }));
  },
};

/** Writes `dist/marketing-team.js` (or another file). */
export async function writeBundle(outfile = 'dist/marketing-team.js') {
  await build({ ...bundleOptions(), outfile });
}

/** Minified and gzipped sizes (bytes) of a build, in memory. */
export async function measureBundle(options) {
  const result = await build({ ...options, write: false, outdir: 'out' });
  const code = result.outputFiles.filter((file) => file.path.endsWith('.js')).map((file) => file.contents);
  const joined = Buffer.concat(code.map((bytes) => Buffer.from(bytes)));
  return { minified: joined.length, gzipped: gzipSync(joined, { level: 9 }).length };
}

/** The same measure of Lit alone: the baseline. */
export function litOptions() {
  return {
    absWorkingDir: packageRoot,
    stdin: { contents: "export * from 'lit';", resolveDir: packageRoot, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    legalComments: 'none',
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeBundle();
}
