import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createNodeWebSocket } from '@hono/node-ws';
import { Hono, type Context } from 'hono';
import { honoHandler, honoWebSocket } from '@marketing-team/server/hono';
import { mintToken, page, port, server, store, widgetScript } from './team-server.js';

const app = new Hono();
const { injectWebSocket, upgradeWebSocket } = createNodeWebSocket({ app });
app.get('/', (c) => c.html(page));
const sendWidget = (c: Context) => {
  const { status, body } = widgetScript(c.req.path);
  return c.body(body, status === 200 ? 200 : 404, { 'content-type': 'text/javascript' });
};
app.get('/marketing-team.js', sendWidget);
app.get('/marketing-team-chunks/:file', sendWidget);
app.get('/api/mt-token', async (c) => {
  const { status, body } = await mintToken(c.req.query('session'));
  return c.json(body, status === 200 ? 200 : 400);
});
app.get('/mt/ws', honoWebSocket(server, upgradeWebSocket));
app.all('/mt/*', honoHandler(server));
const http = serve({ fetch: app.fetch, port }, () => console.log(`Hono example on http://localhost:${port}`)) as Server;
injectWebSocket(http);

async function stop() {
  await server.close();
  http.closeAllConnections();
  http.close();
  await store.close();
}
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
