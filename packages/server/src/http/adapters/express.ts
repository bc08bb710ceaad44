import type { NextFunction, Request as ExpressRequest, RequestHandler, Response as ExpressResponse } from 'express';
import type { MarketingTeamServer } from '../create-server.js';
import { toWebRequest, writeWebResponse } from '../node.js';
import { isUnderBasePath } from './_mounted.js';

export { attachWebSocket } from '../node.js';
export type { AttachedWebSocket } from '../node.js';

/**
 * `@marketing-team/server/express`: Express middleware serving the session server's routes.
 * Mount it anywhere (`app.use(handler)` or `app.use('/mt', handler)`); requests outside the
 * server's base path go on to the next handler, and a body that `express.json()` already
 * parsed is reused. WebSockets: `attachWebSocket(app.listen(port), server)`.
 */
export function expressHandler(server: Pick<MarketingTeamServer, 'fetch' | 'basePath'>): RequestHandler {
  return (req: ExpressRequest, res: ExpressResponse, next: NextFunction) => {
    // Express rewrites `req.url` below a mount point; the server routes on the full path.
    const url = req.originalUrl || req.url;
    if (!isUnderBasePath(url.split('?')[0] ?? '/', server.basePath)) {
      next();
      return;
    }
    const mounted = toWebRequest(req, res);
    const request = mounted.url.endsWith(url) ? mounted : new Request(new URL(url, mounted.url), mounted);
    server
      .fetch(request)
      .then((response) => writeWebResponse(response, res))
      .catch(next);
  };
}
