import Fastify, { type FastifyReply } from 'fastify';
import { fastifyMarketingTeam } from '@marketing-team/server/fastify';
import { mintToken, page, port, server, store, widgetScript } from './team-server.js';

const app = Fastify();
app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
const sendWidget = async (request: { url: string }, reply: FastifyReply) => {
  const { status, body } = widgetScript(new URL(request.url, 'http://localhost').pathname);
  return reply.status(status).type('text/javascript').send(body);
};
app.get('/marketing-team.js', sendWidget);
app.get('/marketing-team-chunks/:file', sendWidget);
app.get<{ Querystring: { session?: string } }>('/api/mt-token', async (request, reply) => {
  const { status, body } = await mintToken(request.query.session);
  return reply.status(status).send(body);
});
await app.register(fastifyMarketingTeam(server)); // routes under /mt and the WebSocket at /mt/ws
await app.listen({ port, host: '0.0.0.0' });
console.log(`Fastify example on http://localhost:${port}`);

async function stop() {
  await server.close();
  app.server.closeAllConnections();
  await app.close();
  await store.close();
}
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
