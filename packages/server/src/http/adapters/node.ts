/**
 * `@marketing-team/server/node`: the adapter for Node's `http`/`https` servers.
 *
 * ```ts
 * const http = createServer(createNodeListener(server));
 * attachWebSocket(http, server);
 * ```
 */
export { attachWebSocket, createNodeListener, toWebRequest, writeWebResponse } from '../node.js';
export type { AttachedWebSocket } from '../node.js';
