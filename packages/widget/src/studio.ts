// The studio's own entry (`@marketing-team/widget/studio`, `marketing-team-studio.js`): kept apart
// from the main entry so pages that only run briefs never load the studio's code.
export {
  MarketingTeamStudioElement,
  type StudioConflictDetail,
  type StudioErrorDetail,
  type StudioSavedDetail,
  type TryBriefDetail,
} from './marketing-team-studio.js';
export { STUDIO_STEPS, defaultStudioStrings, resolveStudioStrings, type StudioStep, type StudioStrings } from './studio/studio-strings.js';
export { WorkspaceApi, WorkspaceApiError, type ReferenceAnalysis, type StudioVersionSummary, type StudioWorkspaceVersion } from './studio/workspace-api.js';
export { sampleWorkspace } from './studio/sample-workspace.js';
