import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MarketingTeamServer } from '../create-server.js';
import { attachWebSocket, toWebRequest, writeWebResponse } from '../node.js';

/** Options of {@link fastifyMarketingTeam}. */
export interface FastifyMarketingTeamOptions {
  /** Handle WebSocket upgrades at `<base>/ws` on `fastify.server`; defaults to true. */
  websocket?: boolean;
}

/**
 * `@marketing-team/server/fastify`: registers the session server's routes under its base path
 * (`await app.register(fastifyMarketingTeam(server))`) and its WebSocket on `fastify.server`.
 * Bodies are read by the server itself (the plugin's own content parser leaves them unread),
 * and a body another parser already produced is reused.
 */
export function fastifyMarketingTeam(server: MarketingTeamServer, options: FastifyMarketingTeamOptions = {}) {
  return async function marketingTeamPlugin(fastify: FastifyInstance): Promise<void> {
    // Encapsulated to this plugin: leave the stream for the server's size-limited reader.
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser('*', (_request: FastifyRequest, _payload: unknown, done: (error: null) => void) => done(null));
    const handle = async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.body !== undefined && request.body !== null) Object.assign(request.raw, { body: request.body });
      reply.hijack();
      await writeWebResponse(await server.fetch(toWebRequest(request.raw, reply.raw)), reply.raw);
    };
    fastify.all(server.basePath || '/', handle);
    fastify.all(`${server.basePath}/*`, handle);
    if (options.websocket !== false) {
      const websocket = attachWebSocket(fastify.server, server);
      fastify.addHook('onClose', async () => websocket.close());
    }
  };
}
