import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: [
      'src/index.ts',
      // Framework adapters: one subpath export each (`@marketing-team/server/express`, ...).
      'src/http/adapters/node.ts',
      'src/http/adapters/express.ts',
      'src/http/adapters/fastify.ts',
      'src/http/adapters/hono.ts',
      'src/http/adapters/next.ts',
      // Model providers over SDKs a host may not have: `@marketing-team/server/openai`, `/ai-sdk`.
      'src/models/openai-compatible-provider.ts',
      'src/models/ai-sdk-provider.ts',
      // Stores, transports and providers whose dependencies are optional peers, each its own subpath.
      'src/sqlite.ts',
      'src/redis.ts',
      'src/postgres.ts',
      'src/anthropic.ts',
      'src/ably.ts',
      'src/ably-client.ts',
      'src/durable-streams.ts',
      // Conformance suites and doubles for third-party stores, transports and providers.
      'src/testing.ts',
    ],
    format: ['esm', 'cjs'],
    dts: true,
    // The CLI build below writes beside these files at the same time: leave its output alone.
    clean: ['!cli.js', '!cli.js.map'],
    sourcemap: true,
    target: 'node20',
  },
  {
    // The `marketing-team` command (`marketing-team dev`): a bin, run as ESM only, so no CommonJS copy.
    entry: ['src/cli.ts'],
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
  },
]);
