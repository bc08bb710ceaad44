import type { DeliverableKind } from '@marketing-team/core/client';

/** The studio's steps, in the order a marketer follows them. */
export const STUDIO_STEPS = ['brand', 'functions', 'skills', 'agents', 'team', 'try'] as const;
/** One step of the studio. */
export type StudioStep = (typeof STUDIO_STEPS)[number];

/**
 * Every piece of text `<marketing-team-studio>` shows. Replace any of them through the element's
 * `strings` property (a partial object is merged over the defaults).
 */
export interface StudioStrings {
  title: string;
  stepsLabel: string;
  steps: Record<StudioStep, string>;
  stepHints: Record<StudioStep, string>;
  loading: string;
  loadFailed: (message: string) => string;
  retry: string;
  sampleBadge: string;
  sampleNotice: string;
  /** Fields of the brand that still hold the sample's text once the brand is the marketer's own. */
  sampleLeft: (fields: string) => string;
  sampleField: string;
  unsaved: string;
  savedVersion: (version: number) => string;
  notSavedYet: string;
  save: string;
  saving: string;
  saved: (version: number) => string;
  problems: (count: number) => string;
  /** A named item in a problem's location: `Skill "launch-thread"`. */
  issueItem: (kind: string, name: string) => string;
  /** A routing rule in a problem's location, numbered from 1. */
  issueRule: (number: number) => string;
  fixBeforeSaving: string;
  conflictTitle: string;
  conflictBody: (version: number | undefined) => string;
  reloadTheirs: string;
  overwrite: string;
  history: string;
  historyHeading: string;
  versionLine: (version: number, savedAt: Date, savedBy: string | undefined) => string;
  current: string;
  restore: (version: number) => string;
  restored: (from: number, to: number) => string;
  close: string;
  next: (step: string) => string;
  back: string;
  remove: string;
  dismiss: string;
  // brand
  brandName: string;
  voiceGuide: string;
  voiceGuideHint: string;
  styleGuide: string;
  styleGuideHint: string;
  strategy: string;
  audience: string;
  products: string;
  productsHint: string;
  bannedTerms: string;
  bannedTermsHint: string;
  disclaimers: string;
  disclaimersHint: string;
  palette: string;
  paletteHint: string;
  website: string;
  // functions
  addFunction: string;
  functionTitle: string;
  functionDescription: string;
  functionSkills: string;
  newFunctionTitle: string;
  // skills
  addSkill: string;
  skillsListLabel: string;
  skillName: string;
  skillDescription: string;
  skillOutput: string;
  skillInstructions: string;
  newSkillDescription: string;
  newSkillInstructions: string;
  draftSkill: string;
  referenceHeading: string;
  referenceHint: string;
  templateName: string;
  templateContent: string;
  analyse: string;
  analysing: string;
  cancelAnalysis: string;
  reportHeading: string;
  report: string;
  writeSkill: string;
  skillWritten: (name: string) => string;
  stale: string;
  staleHint: string;
  analysisFailed: (message: string) => string;
  reanalyse: string;
  analysisStreaming: string;
  analysisCancelled: string;
  // brand intake
  intakeHeading: string;
  intakeHint: string;
  intakeFiles: string;
  intakeFilesHint: string;
  intakePaste: string;
  intakeStart: string;
  intakeReading: (documents: number) => string;
  intakeFailed: (message: string) => string;
  intakeReviewHeading: (sources: string) => string;
  intakeNothing: string;
  intakeApply: string;
  intakeDiscard: string;
  intakeApplied: (fields: number) => string;
  // other editors
  remoteSaved: (version: number, by: string) => string;
  remoteLoad: string;
  remoteKeep: string;
  remoteLoaded: (version: number, by: string) => string;
  someoneElse: string;
  sessionFailed: (message: string) => string;
  deliverableKinds: Record<DeliverableKind, string>;
  // agents
  addAgent: string;
  agentTitle: string;
  agentName: string;
  agentDescription: string;
  agentPrompt: string;
  agentSkills: string;
  newAgentTitle: string;
  newAgentDescription: string;
  newAgentPrompt: string;
  ownedBy: (agent: string) => string;
  overlap: (skill: string, others: string) => string;
  kindOverlap: (kind: string, others: string) => string;
  // team and routing
  rulesHeading: string;
  addRule: string;
  ruleAgent: string;
  ruleSkill: string;
  ruleAnySkill: string;
  ruleKeywords: string;
  ruleKeywordsHint: string;
  ruleDescription: string;
  defaultRulesNote: string;
  tryRoutingHeading: string;
  tryRoutingLabel: string;
  tryRoutingPlaceholder: string;
  route: string;
  routedTo: (agent: string, skill: string) => string;
  routingFixFirst: string;
  teamSummary: (agents: number, skills: number, rules: number) => string;
  // try
  tryHeading: string;
  tryIntro: string;
  tryButton: string;
  trySaveFirst: string;
}

/** The studio's default (English) strings. */
export const defaultStudioStrings: StudioStrings = {
  title: 'Team studio',
  stepsLabel: 'Steps',
  steps: { brand: 'Brand', functions: 'Functions', skills: 'Skills', agents: 'Agents', team: 'Team & routing', try: 'Try a brief' },
  stepHints: {
    brand: 'Everything the team writes starts from your brand. Paste what you have: voice guide, style rules, audience, products.',
    functions: 'Map your marketing functions and the repeatable tasks (skills) that serve each one.',
    skills: 'Turn each repeatable task into a skill. Paste a branded template, analyse it, and write the skill from the report.',
    agents: 'Group skills into focused agents. Each skill belongs to exactly one agent.',
    team: 'Routing rules send each request to the right agent. Try a request to see where it goes and why.',
    try: 'Run a campaign brief with the team you just built.',
  },
  loading: 'Loading your team…',
  loadFailed: (message) => `Could not load the workspace: ${message}`,
  retry: 'Try again',
  sampleBadge: 'Sample',
  sampleNotice: 'This is a sample brand. Replace it with yours: everything the team writes follows these fields.',
  sampleLeft: (fields) => `Still the sample's text: ${fields}. Replace it with yours before saving, or the team will write it.`,
  sampleField: "Still the sample's text",
  unsaved: 'Unsaved changes',
  savedVersion: (version) => `Version ${version}`,
  notSavedYet: 'Not saved yet',
  save: 'Save',
  saving: 'Saving…',
  saved: (version) => `Saved as version ${version}`,
  problems: (count) => (count === 1 ? '1 problem to fix' : `${count} problems to fix`),
  issueItem: (kind, name) => `${kind} "${name}"`,
  issueRule: (number) => `Routing rule ${number}`,
  fixBeforeSaving: 'Fix these before saving:',
  conflictTitle: 'Someone else saved',
  conflictBody: (version) =>
    `Another editor saved ${version === undefined ? 'a new version' : `version ${version}`} while you were editing. Your changes are not saved.`,
  reloadTheirs: 'Reload their version',
  overwrite: 'Overwrite with mine',
  history: 'History',
  historyHeading: 'Version history',
  versionLine: (version, savedAt, savedBy) => `Version ${version} · ${savedAt.toLocaleString()}${savedBy ? ` · ${savedBy}` : ''}`,
  current: 'Current',
  restore: (version) => `Restore version ${version}`,
  restored: (from, to) => `Version ${from} restored as version ${to}`,
  close: 'Close',
  next: (step) => `Next: ${step}`,
  back: 'Back',
  remove: 'Remove',
  dismiss: 'Dismiss',
  brandName: 'Brand name',
  voiceGuide: 'Voice guide',
  voiceGuideHint: 'How the brand sounds: personality, do and don’t, example phrases.',
  styleGuide: 'Style rules',
  styleGuideHint: 'Spelling, casing, formatting, emoji, imagery.',
  strategy: 'Strategy',
  audience: 'Audience',
  products: 'Products',
  productsHint: 'One per line: Name: what it does',
  bannedTerms: 'Banned terms',
  bannedTermsHint: 'One per line. Deliverables using them are flagged.',
  disclaimers: 'Disclaimers',
  disclaimersHint: 'One per line. Added to every public deliverable.',
  palette: 'Palette',
  paletteHint: 'Colours as #rrggbb separated by spaces, primary first.',
  website: 'Website',
  addFunction: 'Add a function',
  functionTitle: 'Function',
  functionDescription: 'What it is for',
  functionSkills: 'Skills that serve it',
  newFunctionTitle: 'New function',
  addSkill: 'New skill',
  skillsListLabel: 'Skills',
  skillName: 'Name',
  skillDescription: 'When to use it',
  skillOutput: 'Produces',
  skillInstructions: 'Instructions',
  newSkillDescription: 'Describe the task and when to use this skill.',
  newSkillInstructions: 'Write how to do the task well, or build it from a template below.',
  draftSkill: 'Draft: no agent owns it',
  referenceHeading: 'Build from a branded template',
  referenceHint: 'Paste a real piece that shows what good looks like for your brand. The analysis describes its structure, tone, length and formatting; the skill is written from the report.',
  templateName: 'Template file name',
  templateContent: 'Template',
  analyse: 'Analyse template',
  analysing: 'Analysing…',
  cancelAnalysis: 'Cancel',
  reportHeading: 'Analysis report',
  report: 'Report (edit it before writing the skill)',
  writeSkill: 'Write the skill from the report',
  skillWritten: (name) => `Skill "${name}" written from the report`,
  stale: 'Template changed',
  staleHint: 'The template changed since it was analysed: analyse it again.',
  analysisFailed: (message) => `The analysis failed: ${message}`,
  reanalyse: 'Analyse again',
  analysisStreaming: 'The report as it is written',
  analysisCancelled: 'The analysis was cancelled.',
  intakeHeading: 'Start from what you already have',
  intakeHint: 'Upload or paste your brand book, style guide, strategy or product sheets. A draft of every field below is written from them for you to check; nothing changes until you apply it and save.',
  intakeFiles: 'Documents',
  intakeFilesHint: 'Markdown, plain text, PDF or Word (.docx), up to 10 files.',
  intakePaste: 'Or paste text',
  intakeStart: 'Draft my brand kit',
  intakeReading: (documents) => `Reading ${documents === 1 ? 'your document' : `${documents} documents`}…`,
  intakeFailed: (message) => `The brand kit could not be drafted: ${message}`,
  intakeReviewHeading: (sources) => `Drafted from ${sources}: check each field`,
  intakeNothing: 'Nothing in these documents could be mapped to the brand kit. Try a document with headings such as Voice, Audience or Products.',
  intakeApply: 'Apply the ticked fields',
  intakeDiscard: 'Discard the draft',
  intakeApplied: (fields) => `${fields} field${fields === 1 ? '' : 's'} applied. Review them and save.`,
  remoteSaved: (version, by) => `${by} saved version ${version} while you were editing.`,
  remoteLoad: 'Load their version',
  remoteKeep: 'Keep editing mine',
  remoteLoaded: (version, by) => `${by} saved version ${version}; it is shown now.`,
  someoneElse: 'Another editor',
  sessionFailed: (message) => `Live updates are unavailable: ${message}`,
  deliverableKinds: {
    'research-brief': 'Research brief',
    'competitor-snapshot': 'Competitor snapshot',
    'campaign-strategy': 'Campaign strategy',
    'social-posts': 'Social posts',
    'ad-copy': 'Ad copy',
    'landing-page': 'Landing page',
    'creative-concepts': 'Creative concepts',
    'measurement-plan': 'Measurement plan',
  },
  addAgent: 'Add an agent',
  agentTitle: 'Agent',
  agentName: 'Name',
  agentDescription: 'What to hand it',
  agentPrompt: 'Role and behaviour',
  agentSkills: 'Skills it owns',
  newAgentTitle: 'New agent',
  newAgentDescription: 'Describe what this agent is for.',
  newAgentPrompt: 'You are a focused member of the marketing team. Stay inside your role.',
  ownedBy: (agent) => `also ${agent}`,
  overlap: (skill, others) => `"${skill}" is also owned by ${others}. A skill belongs to exactly one agent.`,
  kindOverlap: (kind, others) => `${kind} are also produced by ${others}. Each deliverable belongs to exactly one agent.`,
  rulesHeading: 'Routing rules',
  addRule: 'Add a rule',
  ruleAgent: 'Send to',
  ruleSkill: 'Skill',
  ruleAnySkill: 'Best matching skill',
  ruleKeywords: 'When the request mentions',
  ruleKeywordsHint: 'Words or phrases, separated by commas.',
  ruleDescription: 'Why',
  defaultRulesNote: 'No rules yet: requests are routed by the deliverable they ask for.',
  tryRoutingHeading: 'Try routing',
  tryRoutingLabel: 'A request',
  tryRoutingPlaceholder: 'e.g. Write three LinkedIn posts for the launch',
  route: 'Route it',
  routedTo: (agent, skill) => `${agent} · ${skill}`,
  routingFixFirst: 'Fix the problems above to try routing.',
  teamSummary: (agents, skills, rules) => `${agents} agents · ${skills} skills · ${rules} rules`,
  tryHeading: 'Try a brief',
  tryIntro: 'Your team is saved. Write a brief: every deliverable uses this version of your brand and skills.',
  tryButton: 'Start a session with this team',
  trySaveFirst: 'Save your changes first: a brief runs the saved team.',
};

/** The default strings with `overrides` merged over them (one level deep for the grouped ones). */
export function resolveStudioStrings(overrides: Partial<StudioStrings> | undefined): StudioStrings {
  if (!overrides) return defaultStudioStrings;
  return {
    ...defaultStudioStrings,
    ...overrides,
    steps: { ...defaultStudioStrings.steps, ...overrides.steps },
    stepHints: { ...defaultStudioStrings.stepHints, ...overrides.stepHints },
    deliverableKinds: { ...defaultStudioStrings.deliverableKinds, ...overrides.deliverableKinds },
  };
}

/** The brand kit's fields the brand form shows, in its order. */
export const BRAND_FIELDS = ['name', 'website', 'voiceGuide', 'styleGuide', 'strategy', 'audience', 'products', 'bannedTerms', 'requiredDisclaimers', 'palette'] as const;
export type BrandField = (typeof BRAND_FIELDS)[number];

/** A brand field under the label the brand form gives it (for problems, drafts and notices alike). */
export function brandFieldLabel(s: StudioStrings, field: BrandField): string {
  const labels: Record<BrandField, string> = {
    name: s.brandName,
    website: s.website,
    voiceGuide: s.voiceGuide,
    styleGuide: s.styleGuide,
    strategy: s.strategy,
    audience: s.audience,
    products: s.products,
    bannedTerms: s.bannedTerms,
    requiredDisclaimers: s.disclaimers,
    palette: s.palette,
  };
  return labels[field];
}
