// The self-contained build of the widget (Lit and core included, minified, one ES module),
// shared by the package build and the size benchmark so both measure the same thing.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * esbuild options of `dist/marketing-team.js`, or with `studio` of `dist/marketing-team-studio.js`
 * (the studio is its own file, so the element's size budget does not carry it).
 */
export function bundleOptions({ withoutSanitizer = false, studio = false } = {}) {
  return {
    absWorkingDir: packageRoot,
    entryPoints: [studio ? 'src/studio.ts' : 'src/index.ts'],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    // Workspace packages from source, so the bundle does not depend on their build order.
    conditions: ['@marketing-team/source'],
    legalComments: 'none',
    plugins: withoutSanitizer ? [minifyCssTemplates, externalSanitizer] : [minifyCssTemplates],
  };
}

// esbuild minifies code but leaves template literals as written, so the widget's `css` blocks
// would ship with their indentation. This squeezes the static CSS of each `css` template in the
// widget's own sources: comments out, whitespace runs collapsed, none around `{ } ; , >`. Quoted
// strings and `${...}` interpolations are kept as they are; a template it cannot read safely
// (nested braces in an interpolation, escaped backticks) is left untouched.
const CSS_TEMPLATE = /\bcss`([^`\\]*)`/g;
/** The esbuild plugin that squeezes the widget's `css` templates (the package build uses it too). */
export const minifyCssTemplates = {
  name: 'minify-css-templates',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /packages\/widget\/src\/.*\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      return { contents: source.replace(CSS_TEMPLATE, (template, body) => `css\`${minifyCssBody(body) ?? body}\``), loader: 'ts' };
    });
  },
};

/** The minified body of one `css` template, or undefined when it is not safe to touch. */
export function minifyCssBody(body) {
  const parts = body.split(/(\$\{[^{}]*\})/);
  if (parts.some((part, index) => index % 2 === 0 && part.includes('${'))) return undefined;
  return parts
    .map((part, index) => (index % 2 === 1 ? part : minifyCssText(part)))
    .join('')
    .trim();
}

function minifyCssText(text) {
  return text
    .split(/('[^'\n]*'|"[^"\n]*")/)
    .map((piece, index) =>
      index % 2 === 1
        ? piece
        : piece
            .replace(/\/\*[\s\S]*?\*\//g, '')
            .replace(/\s+/g, ' ')
            .replace(/ ?([{};,>]) ?/g, '$1')
            .replace(/;}/g, '}'),
    )
    .join('');
}

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

/** Writes `dist/marketing-team-studio.js` (or another file): `<marketing-team-studio>` on its own. */
export async function writeStudioBundle(outfile = 'dist/marketing-team-studio.js') {
  await build({ ...bundleOptions({ studio: true }), outfile });
}

/** Minified and gzipped sizes (bytes) of a build, in memory. */
export async function measureBundle(options) {
  const result = await build({ ...options, write: false, outdir: 'out' });
  const code = result.outputFiles.filter((file) => file.path.endsWith('.js')).map((file) => file.contents);
  const joined = Buffer.concat(code.map((bytes) => Buffer.from(bytes)));
  return { minified: joined.length, gzipped: gzipSync(joined, { level: 9 }).length };
}

/** Input files of a build with the bytes each left in the output, largest first (what lands in the bundle). */
export async function bundleInputs(options) {
  const result = await build({ ...options, write: false, outdir: 'out', metafile: true });
  const weights = new Map();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      if (bytesInOutput > 0) weights.set(input, (weights.get(input) ?? 0) + bytesInOutput);
    }
  }
  return [...weights].map(([path, bytes]) => ({ path, bytes })).sort((left, right) => right.bytes - left.bytes);
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
  await writeStudioBundle();
}
