import type { BuildOptions } from 'esbuild';

/** Sizes (bytes) of a set of built files: how many, minified, and gzipped each on its own. */
export interface BundleSizes {
  files: number;
  minified: number;
  gzipped: number;
}

/** Folder of the element's lazily loaded chunks, beside `marketing-team.js`. */
export const CHUNK_DIRECTORY: string;
/**
 * esbuild options of `dist/marketing-team.js`, the element's entry (`chunks`: file names of the
 * lazy parts in the chunk folder), or with `studio` of `dist/marketing-team-studio.js`.
 */
export function bundleOptions(options?: { studio?: boolean; chunks?: Record<string, string> }): BuildOptions;
/** esbuild options of the element's lazily loaded chunks. */
export function chunkOptions(): BuildOptions;
/** Writes `dist/marketing-team.js` (or `outfile`, relative to the package, named `marketing-team.js`) and its chunk folder beside it. */
export function writeBundle(outfile?: string): Promise<void>;
/** Writes `dist/marketing-team-studio.js` (or `outfile`, relative to the package). */
export function writeStudioBundle(outfile?: string): Promise<void>;
/** Sizes of the element in memory: its entry, all its chunks, and the chunks holding the sanitizer. */
export function measureElement(): Promise<{ entry: BundleSizes; chunks: BundleSizes; sanitizer: BundleSizes }>;
/** Minified and gzipped sizes (bytes) of one build's JavaScript files, in memory. */
export function measureBundle(options: BuildOptions): Promise<BundleSizes>;
/** esbuild options that bundle Lit alone (the baseline). */
export function litOptions(): BuildOptions;
/** The body of a `css` template with comments and insignificant whitespace removed; undefined when it cannot be read safely. */
export function minifyCssBody(body: string): string | undefined;
/** Input files of a build with the bytes each left in the output, largest first. */
export function bundleInputs(options: BuildOptions): Promise<{ path: string; bytes: number }[]>;
