import { defineConfig } from 'tsup';

// ESM for bundlers: Lit, core, marked and DOMPurify stay external (they are dependencies), and
// splitting keeps the lazily imported Markdown sanitizer in its own chunk.
export default defineConfig({
  entry: ['src/index.ts', 'src/studio.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  splitting: true,
  target: 'es2022',
  platform: 'browser',
  external: ['lit', /^lit\//, '@marketing-team/core'],
});
