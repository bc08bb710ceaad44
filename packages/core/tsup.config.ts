import { defineConfig } from 'tsup';

const sources = ['src/**/*.ts', '!src/**/*.test.ts', '!src/**/testing/**'];

export default defineConfig([
  // ESM one file per module (not bundled): a bundler that imports `SessionClient` keeps the session
  // and protocol modules and drops the team and format modules, which `sideEffects: false` allows.
  {
    entry: sources,
    format: ['esm'],
    bundle: false,
    dts: { entry: ['src/index.ts', 'src/client.ts'] },
    sourcemap: true,
    target: 'node20',
  },
  // CommonJS stays one file: Node's `require` has no tree shaking to gain from modules.
  {
    // zod's locale files are ESM only (no `require` condition resolves them to CommonJS), so the
    // English one is bundled into the CommonJS file for Node versions without require(esm).
    noExternal: [/^zod\/v4\/locales\/en\.js$/],
    entry: ['src/index.ts', 'src/client.ts'],
    format: ['cjs'],
    dts: true,
    sourcemap: true,
    target: 'node20',
  },
]);
