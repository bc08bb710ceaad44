import { defineConfig } from 'tsup';
import { minifyCssTemplates } from './scripts/bundle.mjs';

// ESM for bundlers: Lit, core, marked and DOMPurify stay external (they are dependencies), and
// splitting keeps the lazily imported Markdown sanitizer in its own chunk.
export default defineConfig({
  entry: ['src/index.ts', 'src/element.ts', 'src/studio.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  splitting: true,
  target: 'es2022',
  platform: 'browser',
  external: ['lit', /^lit\//, '@marketing-team/core'],
  // The `css` templates ship squeezed, as in the self-contained bundle: esbuild leaves them as written.
  esbuildPlugins: [minifyCssTemplates],
});
