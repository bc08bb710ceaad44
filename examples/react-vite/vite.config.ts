import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

const backend = `http://localhost:${process.env.BACKEND_PORT ?? 3001}`;

export default defineConfig({
  plugins: [react()],
  // In this repository the workspace packages are used from source; an app using the
  // published packages needs none of this.
  resolve: { conditions: ['@marketing-team/source', ...defaultClientConditions] },
  // `vite` dev server: the session routes and the token route live in the backend (server.ts).
  server: { proxy: { '/mt': { target: backend, ws: true }, '/api': backend } },
});
