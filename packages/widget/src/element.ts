// `@marketing-team/widget/element`: `<marketing-team>` alone, for apps that bundle it. Its parts
// (brief form, lanes, board, deliverables, the Markdown sanitizer) and core's session client are
// dynamic imports, so an app's bundler puts them in chunks loaded after the element's shell paints.
// The package root (`@marketing-team/widget`) also defines and exports every part up front.
export { MarketingTeamElement, createDefaultClient, type ClientFactory } from './marketing-team-element.js';
export type { ConnectionInfo, ConnectionStatus, SessionAuth, WidgetClient, WidgetSessionHandle } from './types.js';
export type {
  ConnectionChangeDetail,
  DeliverableDetail,
  MarketingTeamEventMap,
  RunCompletedDetail,
  RunStartedDetail,
  SessionLoadedDetail,
  WidgetErrorDetail,
} from './widget-events.js';
