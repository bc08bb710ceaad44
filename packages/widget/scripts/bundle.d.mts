import type { BuildOptions } from 'esbuild';

/** esbuild options of `dist/marketing-team.js`; `withoutSanitizer` leaves the Markdown sanitizer out. */
export function bundleOptions(options?: { withoutSanitizer?: boolean }): BuildOptions;
/** Writes `dist/marketing-team.js` (or `outfile`, relative to the package). */
export function writeBundle(outfile?: string): Promise<void>;
/** Minified and gzipped sizes (bytes) of a build, in memory. */
export function measureBundle(options: BuildOptions): Promise<{ minified: number; gzipped: number }>;
/** esbuild options that bundle Lit alone (the baseline). */
export function litOptions(): BuildOptions;
