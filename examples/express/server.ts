import express from 'express';
import { attachWebSocket, expressHandler } from '@marketing-team/server/express';
import { mintToken, page, port, server, store, WIDGET_PATH, widgetScript } from './team-server.js';

const app = express();
app.use(express.json()); // the adapter reuses bodies this parser already read
app.get('/', (_req, res) => void res.type('html').send(page));
app.get(WIDGET_PATH, (req, res) => {
  const { status, body } = widgetScript(req.path);
  res.status(status).type('text/javascript').send(body);
});
app.get('/api/mt-token', async (req, res) => {
  const { status, body } = await mintToken(req.query.session);
  res.status(status).json(body);
});
app.use(expressHandler(server)); // everything under /mt
const http = app.listen(port, () => console.log(`Express example on http://localhost:${port}`));
const websocket = attachWebSocket(http, server);

async function stop() {
  websocket.close();
  await server.close();
  http.closeAllConnections();
  http.close();
  await store.close();
}
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
