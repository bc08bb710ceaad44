import type { BuildOptions } from 'esbuild';

/** esbuild options of `dist/marketing-team.js` (`studio`: of `dist/marketing-team-studio.js`); `withoutSanitizer` leaves the Markdown sanitizer out. */
export function bundleOptions(options?: { withoutSanitizer?: boolean; studio?: boolean }): BuildOptions;
/** Writes `dist/marketing-team.js` (or `outfile`, relative to the package). */
export function writeBundle(outfile?: string): Promise<void>;
/** Writes `dist/marketing-team-studio.js` (or `outfile`, relative to the package). */
export function writeStudioBundle(outfile?: string): Promise<void>;
/** Minified and gzipped sizes (bytes) of a build, in memory. */
export function measureBundle(options: BuildOptions): Promise<{ minified: number; gzipped: number }>;
/** esbuild options that bundle Lit alone (the baseline). */
export function litOptions(): BuildOptions;
/** The body of a `css` template with comments and insignificant whitespace removed; undefined when it cannot be read safely. */
export function minifyCssBody(body: string): string | undefined;
/** Input files of a build with the bytes each left in the output, largest first. */
export function bundleInputs(options: BuildOptions): Promise<{ path: string; bytes: number }[]>;
