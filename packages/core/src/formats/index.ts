export { FormatError } from './format-error.js';
export type { TeamFile } from './team-file.js';
export {
  parseSkillFile,
  skillToFiles,
  SKILL_FRONTMATTER_FIELDS,
  DELIVERABLE_METADATA_KEY,
  REFERENCE_HASH_METADATA_PREFIX,
  REFERENCE_ANALYSIS_MARKER,
} from './skill-file.js';
export { parseAgentFile, agentToFile, AGENT_FRONTMATTER_FIELDS, type AgentFileSource } from './agent-file.js';
export { parseBrandFiles, brandToFiles, BRAND_FILES, BRAND_FRONTMATTER_FIELDS } from './brand-files.js';
export { parseClaudeTeam, exportClaudeTeam, TEAM_SETTINGS_FILE, type ParseClaudeTeamOptions } from './claude-team.js';
export { workspaceToClaudeFiles, parseClaudeWorkspace } from './claude-workspace.js';
export { TEAM_SETTINGS_KEYS } from './_team-folder.js';
