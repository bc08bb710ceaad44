export { createMarketingTeamServer } from './create-server.js';
export type { MarketingTeamServer, MarketingTeamServerOptions, RouteHandler, TokenGrant } from './create-server.js';
export { attachWebSocket, createNodeListener, toWebRequest, writeWebResponse } from './node.js';
export type { AttachedWebSocket } from './node.js';
export { createWorkspaceRoutes, DEFAULT_MAX_WORKSPACE_BODY_BYTES } from './workspace-routes.js';
export type { WorkspaceRoutesOptions } from './workspace-routes.js';
