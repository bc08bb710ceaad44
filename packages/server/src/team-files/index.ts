export { loadClaudeTeam, writeClaudeTeam, readTeamFiles } from './team-folder.js';
