export type {
  ModelMessage,
  ModelProvider,
  ModelPurpose,
  ModelPurposeBrand,
  ModelRequest,
  ModelStreamEvent,
  ModelUsage,
  SystemBlock,
} from './model-provider.js';
export { TeamDefinitionError, type TeamDefinitionIssue } from './team-definition-error.js';
export { RoutingError, type RoutingErrorCode } from './routing-error.js';
export {
  BrandSchema,
  BrandProductSchema,
  BrandDocumentSchema,
  defineBrand,
  renderBrandContext,
  type Brand,
  type BrandInput,
  type BrandProduct,
  type BrandDocument,
} from './brand.js';
export {
  SkillSchema,
  SkillNameSchema,
  SkillReferenceSchema,
  ReferenceNameSchema,
  defineSkill,
  type Skill,
  type SkillInput,
  type SkillReference,
  type SkillReferenceInput,
} from './skill.js';
export { AgentSchema, defineAgent, type Agent, type AgentInput } from './agent.js';
export {
  RoutingRuleSchema,
  RoutingRequestSchema,
  RoutingViaSchema,
  ModelRouterOptionsSchema,
  type RoutingRule,
  type RoutingRuleInput,
  type RoutingRequest,
  type RoutingVia,
  type RoutingDecision,
  type ModelRouterOptions,
  type ModelRouterOptionsInput,
} from './routing-rule.js';
export { buildRoutingRequest, parseRoutingAnswer } from './model-router.js';
export {
  PlaybookSchema,
  PlaybookStepSchema,
  CAMPAIGN_PLAYBOOK,
  playbookIssues,
  selectPlaybookSteps,
  type Playbook,
  type PlaybookInput,
  type PlaybookStep,
} from './playbook.js';
export { defineTeam, type Team, type TeamInput, type PlanCampaignOptions } from './team.js';
export { decisionForTask } from './plan-decision.js';
export { REVIEW_FEEDBACK_HEADING, STEERING_HEADING, buildSkillRequest, brandFacts, type BuildSkillRequestInput } from './skill-request.js';
export { variantGuidance, variantRequest, readVariantRequest, VARIANT_ANGLES } from './variant-instruction.js';
export type { VariantAngle, VariantRequest } from './variant-instruction.js';
export {
  analyzeReference,
  buildReferenceAnalysisRequest,
  skillFromReference,
  isSkillStale,
  staleReferences,
  templateHash,
  type ReferenceTemplate,
} from './reference-method.js';
export { buildBrandIntakeRequest, parseBrandDraft, type IntakeDocument } from './brand-intake.js';
export { sampleBrand } from './sample-brand.js';
export {
  researchBriefSkill,
  competitorSnapshotSkill,
  campaignStrategySkill,
  messagingFrameworkSkill,
  socialPostsSkill,
  adCopySkill,
  landingPageSkill,
  creativeConceptsSkill,
  adVisualsSkill,
  measurementPlanSkill,
  kpiReviewSkill,
} from './default-skills.js';
export { DEFAULT_AGENTS, DEFAULT_RULES, createDefaultTeam, defaultTeam } from './default-team.js';
export { teamContentHash } from './team-hash.js';
export {
  MarketingFunctionSchema,
  WorkspaceSkillSchema,
  WorkspaceAgentSchema,
  WorkspaceDocumentSchema,
  WorkspaceSectionSchemas,
  WORKSPACE_SECTIONS,
  parseWorkspaceDocument,
  workspaceIssues,
  teamFromWorkspace,
  workspaceFromTeam,
  workspaceDocumentHash,
  type MarketingFunction,
  type WorkspaceSkill,
  type WorkspaceAgent,
  type WorkspaceDocument,
  type WorkspaceDocumentInput,
  type WorkspaceSection,
} from './workspace.js';
export {
  checkWorkspaceDraft,
  routeWorkspaceRequest,
  WorkspaceRoutingTestSchema,
  type WorkspaceCheck,
  type WorkspaceRoutingTest,
  type WorkspaceRoutingResult,
} from './workspace-checks.js';
