export { MarketingTeamElement, createDefaultClient, type ClientFactory } from './marketing-team-element.js';
export { AgentLaneElement, type StopAgentDetail } from './agent-lane.js';
export { BriefFormElement } from './brief-form.js';
export { ConnectionStatusElement } from './connection-status.js';
export { DeliverableCardElement } from './deliverable-card.js';
export { DebugPanelElement, debugPanelStrings, type DebugPanelStrings } from './debug-panel.js';
export { DeliverablesGalleryElement } from './deliverables-gallery.js';
export { MarkdownViewElement } from './markdown-view.js';
export { RunControlsElement, type RunActionDetail, type StopRunDetail, type SteerDetail } from './run-controls.js';
export { RunProgressElement } from './run-progress.js';
export { TaskBoardElement, type ApproveDetail, type RequestChangesDetail } from './task-board.js';
export { SessionController, type SessionBinding } from './session-controller.js';
export { defaultStrings, resolveStrings, agentDisplayName, type WidgetStrings } from './strings.js';
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
