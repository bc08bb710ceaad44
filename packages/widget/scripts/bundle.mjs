// The self-contained build of the widget (Lit and core included, minified ES modules), shared by
// the package build and the size benchmark so both measure the same thing.
//
// `marketing-team.js` holds what the element's first paint needs (the shell, the connection
// status, the session client). What it imports dynamically (the brief form, the lanes, run
// controls and task board, the deliverables, the Markdown sanitizer, the SSE transport) is built
// separately into `marketing-team-chunks/` beside it; the element imports those files relative to
// its own URL when it needs them, so a host serves the folder with the file. The chunks take Lit
// from `marketing-team.js` (which re-exports what they use), so the page runs one copy of Lit.
// The studio stays one file.
import { build } from 'esbuild';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));

/** Folder of the element's lazily loaded chunks, beside `marketing-team.js`; a host serves it with the file. */
export const CHUNK_DIRECTORY = 'marketing-team-chunks';

/** The modules the element imports dynamically, each an entry of the chunk build (name: source). */
const LAZY_PARTS = {
  // The brief form, lanes, run progress and controls and the task board, as one chunk.
  _panels: 'src/internal/_panels.ts',
  '_session-client': 'src/internal/_session-client.ts',
  'deliverables-gallery': 'src/deliverables-gallery.ts',
  // The delivery figures `<marketing-team debug>` shows.
  'debug-panel': 'src/debug-panel.ts',
  'sse-socket': '../core/src/session/sse-socket.ts',
  // One socket shared by the tabs, and the local cache with the durable outbox.
  'tab-leader': '../core/src/session/tab-leader.ts',
  'session-cache': '../core/src/session/session-cache.ts',
  // zod's English messages, which core registers lazily (through a module of its own, see it).
  '_english-locale': '../core/src/protocol/_english-locale.ts',
};
const LAZY_IMPORT = new RegExp(`(?:^|/)(${Object.keys(LAZY_PARTS).join('|')})\\.js$`);

const COMMON = {
  absWorkingDir: packageRoot,
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  // Workspace packages from source, so the bundle does not depend on their build order.
  conditions: ['@marketing-team/source'],
  legalComments: 'none',
};

/**
 * esbuild options of `marketing-team.js` (the element's entry; `chunks` maps each lazy part to
 * its file name in the chunk folder, by default its plain name), or with `studio` of
 * `marketing-team-studio.js` (its own file, so the element's size budget does not carry it).
 */
export function bundleOptions({ studio = false, chunks = {} } = {}) {
  if (studio) return { ...COMMON, entryPoints: ['src/studio.ts'], plugins: [minifyCssTemplates] };
  return { ...COMMON, entryPoints: ['src/element-bundle.ts'], plugins: [minifyCssTemplates, lazyPartsAsChunks(chunks)] };
}

/** esbuild options of the chunks: the lazy parts, with what they share in chunks of their own and Lit from the entry. */
export function chunkOptions() {
  return {
    ...COMMON,
    entryPoints: LAZY_PARTS,
    splitting: true,
    entryNames: '[name]-[hash]',
    chunkNames: 'shared-[hash]',
    plugins: [minifyCssTemplates, litFromEntry],
  };
}

// In the entry, a dynamic import of a lazy part stays an import, of its file in the chunk folder.
function lazyPartsAsChunks(chunks) {
  return {
    name: 'lazy-parts-as-chunks',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: LAZY_IMPORT }, (args) => {
        if (args.kind !== 'dynamic-import') return undefined;
        const name = LAZY_IMPORT.exec(args.path)[1];
        return { path: `./${CHUNK_DIRECTORY}/${chunks[name] ?? `${name}.js`}`, external: true };
      });
    },
  };
}

// The names a chunk imports from Lit, all of which `element-bundle.ts` re-exports: from `lit`
// and its `repeat` directive, and the lit-html internals of the `unsafeHTML` directive, which the
// chunks carry themselves (the entry does not use it).
const LIT_MODULES = /^lit(\/directives\/repeat\.js)?$/;
const LIT_HTML_INTERNALS = /^\.\.\/(lit-html|directive)\.js$/;
const litFromEntry = {
  name: 'lit-from-entry',
  setup(pluginBuild) {
    const entry = { path: '../marketing-team.js', external: true };
    pluginBuild.onResolve({ filter: LIT_MODULES }, () => entry);
    pluginBuild.onResolve({ filter: LIT_HTML_INTERNALS }, (args) => (/[\\/]lit-html[\\/]directives[\\/]unsafe-html\.js$/.test(args.importer) ? entry : undefined));
  },
};

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


/** Builds the chunks and then the entry that names them; returns both builds' results (files in memory unless `write`). */
async function buildElement(outdir, { write }) {
  const chunkDir = join(outdir, CHUNK_DIRECTORY);
  const chunkBuild = await build({ ...chunkOptions(), outdir: chunkDir, write, metafile: true });
  const chunks = {};
  for (const [path, output] of Object.entries(chunkBuild.metafile.outputs)) {
    const name = Object.entries(LAZY_PARTS).find(([, source]) => output.entryPoint === source || output.entryPoint?.endsWith(`/node_modules/${source}`))?.[0];
    if (name) chunks[name] = relative(resolve(packageRoot, chunkDir), resolve(packageRoot, path));
  }
  const missing = Object.keys(LAZY_PARTS).filter((name) => !chunks[name]);
  if (missing.length) throw new Error(`no chunk for ${missing.join(', ')}`);
  const entryBuild = await build({ ...bundleOptions({ chunks }), outfile: join(outdir, 'marketing-team.js'), write, metafile: true });
  return { entryBuild, chunkBuild };
}

/**
 * Writes `dist/marketing-team.js` (or another file of that name) and its chunk folder beside it;
 * the folder's earlier files go first (their names carry content hashes, so they would pile up).
 */
export async function writeBundle(outfile = 'dist/marketing-team.js') {
  // The chunks import `../marketing-team.js`: the entry keeps its name.
  if (basename(outfile) !== 'marketing-team.js') throw new Error(`the element is built as marketing-team.js, not ${outfile}`);
  const outdir = resolve(packageRoot, dirname(outfile));
  await rm(join(outdir, CHUNK_DIRECTORY), { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  await buildElement(outdir, { write: true });
}

/** Writes `dist/marketing-team-studio.js` (or another file): `<marketing-team-studio>` on its own. */
export async function writeStudioBundle(outfile = 'dist/marketing-team-studio.js') {
  await build({ ...bundleOptions({ studio: true }), outfile });
}

function sizes(files) {
  return {
    files: files.length,
    minified: files.reduce((sum, file) => sum + file.contents.length, 0),
    // Each file gzipped on its own, as a server sends it.
    gzipped: files.reduce((sum, file) => sum + gzipSync(file.contents, { level: 9 }).length, 0),
  };
}

/**
 * Minified and gzipped sizes (bytes) of the element, in memory: `entry` is `marketing-team.js`,
 * what a page loads before the element can paint; `chunks` is the chunk folder, loaded as the
 * element needs its parts; `sanitizer` the part of it that holds marked and DOMPurify.
 */
export async function measureElement() {
  const { entryBuild, chunkBuild } = await buildElement('out', { write: false });
  const js = (result) => result.outputFiles.filter((file) => file.path.endsWith('.js'));
  const chunkFiles = js(chunkBuild);
  const sanitizerOutputs = Object.entries(chunkBuild.metafile.outputs)
    .filter(([, output]) => Object.keys(output.inputs).some((input) => input.includes('/dompurify/') || input.includes('/marked/')))
    .map(([path]) => path);
  return {
    entry: sizes(js(entryBuild)),
    chunks: sizes(chunkFiles),
    sanitizer: sizes(chunkFiles.filter((file) => sanitizerOutputs.some((path) => file.path.endsWith(path.replace(/^out\//, ''))))),
  };
}

/** Minified and gzipped sizes (bytes) of one build's JavaScript files, in memory. */
export async function measureBundle(options) {
  const result = await build({ ...options, write: false, outdir: 'out' });
  return sizes(result.outputFiles.filter((file) => file.path.endsWith('.js')));
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
