import { defineConfig } from 'tsup';

export default defineConfig({
  entry: [
    'src/index.ts',
    // The `marketing-team` command (`marketing-team dev`).
    'src/cli.ts',
    // Framework adapters: one subpath export each (`@marketing-team/server/express`, ...).
    'src/http/adapters/node.ts',
    'src/http/adapters/express.ts',
    'src/http/adapters/fastify.ts',
    'src/http/adapters/hono.ts',
    'src/http/adapters/next.ts',
    // Model providers over SDKs a host may not have: `@marketing-team/server/openai`, `/ai-sdk`.
    'src/models/openai-compatible-provider.ts',
    'src/models/ai-sdk-provider.ts',
  ],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
