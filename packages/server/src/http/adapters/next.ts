import type { MarketingTeamServer } from '../create-server.js';

/** A Next.js App Router route handler: a Web `Request` in, a Web `Response` out. */
export type NextRouteHandler = (request: Request) => Promise<Response>;

/**
 * `@marketing-team/server/next`: App Router route handlers for a catch-all route whose folder
 * matches the server's base path (`app/mt/[...path]/route.ts` with `basePath: '/mt'`):
 *
 * ```ts
 * export const { GET, POST, PUT, DELETE, OPTIONS } = toNextRouteHandlers(server);
 * export const runtime = 'nodejs';
 * export const dynamic = 'force-dynamic';
 * ```
 *
 * Next route handlers cannot upgrade WebSockets, so clients use the SSE + POST fallback. `PUT`
 * and `DELETE` serve the workspace API's edits.
 */
export function toNextRouteHandlers(server: Pick<MarketingTeamServer, 'fetch'>): {
  GET: NextRouteHandler;
  POST: NextRouteHandler;
  PUT: NextRouteHandler;
  DELETE: NextRouteHandler;
  OPTIONS: NextRouteHandler;
} {
  const handler: NextRouteHandler = (request) => server.fetch(request);
  return { GET: handler, POST: handler, PUT: handler, DELETE: handler, OPTIONS: handler };
}
