// A tiny Node server: the page (with a token minted here, in the backend, for each visit),
// the widget's one-file build, and the session server under /mt.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { attachWebSocket, createNodeListener } from '@marketing-team/server/node';
import { mintToken, port, server, store, WIDGET_PATH, widgetScript } from './team-server.js';

const template = readFileSync(new URL('./index.html', import.meta.url), 'utf8');
const teamRoutes = createNodeListener(server);

const http = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/' || url.pathname === '/index.html') {
    void mintToken('plain-html-demo').then(({ body }) => {
      // A token is base64url and dots only; nothing in it needs escaping, but the page must not trust that.
      const token = 'token' in body ? body.token.replace(/[^A-Za-z0-9._-]/g, '') : '';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(template.replace('{{TOKEN}}', token));
    });
    return;
  }
  if (WIDGET_PATH.test(url.pathname)) {
    const { status, body } = widgetScript(url.pathname);
    return void res.writeHead(status, { 'content-type': 'text/javascript' }).end(body);
  }
  teamRoutes(req, res);
});
const websocket = attachWebSocket(http, server);
http.listen(port, () => console.log(`plain HTML example on http://localhost:${port}`));

async function stop() {
  websocket.close();
  await server.close();
  http.closeAllConnections();
  http.close();
  await store.close();
}
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
