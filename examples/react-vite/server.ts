// Serves the built app (`vite build` -> dist/), the token route and the session server.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { attachWebSocket, createNodeListener } from '@marketing-team/server/node';
import { mintToken, port, server, store } from './team-server.js';

const dist = fileURLToPath(new URL('./dist/', import.meta.url));
const types: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
const teamRoutes = createNodeListener(server);

const http = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname.startsWith('/mt/') || url.pathname === '/mt') return teamRoutes(req, res);
  if (url.pathname === '/api/mt-token') {
    return void mintToken(url.searchParams.get('session')).then(({ status, body }) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
  }
  // Static files; normalize() keeps the path inside dist/.
  const file = join(dist, normalize(url.pathname === '/' ? '/index.html' : url.pathname));
  if (!file.startsWith(dist)) return void res.writeHead(404).end();
  readFile(file).then(
    (body) => res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body),
    () => res.writeHead(404).end('not found'),
  );
});
const websocket = attachWebSocket(http, server);
http.listen(port, () => console.log(`React + Vite example on http://localhost:${port}`));

async function stop() {
  websocket.close();
  await server.close();
  http.closeAllConnections();
  http.close();
  await store.close();
}
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
