import { defineConfig } from 'tsup';

// ESM for bundlers, like the widget it wraps: React, Lit and the workspace packages stay external
// (React and React DOM are peer dependencies; one copy of each belongs to the app). One file per
// module, not bundled: an app using only the hooks then drops the `MarketingTeam` component, whose
// top-level `createComponent` call would otherwise keep the whole widget in its bundle.
export default defineConfig({
  entry: ['src/**/*.ts', '!src/**/*.test.ts'],
  bundle: false,
  format: ['esm'],
  dts: { entry: ['src/index.ts', 'src/studio.ts'] },
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'browser',
  // Hooks and the element wrapper run only on the client: React Server Components must not import them as server code.
  banner: { js: "'use client';" },
  external: ['react', 'react-dom', /^react\//, /^react-dom\//, 'lit', /^lit\//, '@lit/react', /^@marketing-team\//, 'use-sync-external-store', /^use-sync-external-store\//, 'zod'],
});
