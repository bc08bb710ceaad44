import { createServer } from 'node:http';
import { attachWebSocket, createNodeListener } from '@marketing-team/server/node';
import { mintToken, page, port, server, store, WIDGET_PATH, widgetScript } from './team-server.js';

const teamRoutes = createNodeListener(server);
const http = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  if (WIDGET_PATH.test(url.pathname)) {
    const { status, body } = widgetScript(url.pathname);
    return void res.writeHead(status, { 'content-type': 'text/javascript' }).end(body);
  }
  if (url.pathname === '/api/mt-token') {
    return void mintToken(url.searchParams.get('session')).then(({ status, body }) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
  }
  teamRoutes(req, res);
});
const websocket = attachWebSocket(http, server);
http.listen(port, () => console.log(`node:http example on http://localhost:${port}`));

async function stop() {
  websocket.close();
  await server.close();
  http.closeAllConnections();
  http.close();
  await store.close();
}
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
