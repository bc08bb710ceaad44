export {
  loadClaudeTeam,
  writeClaudeTeam,
  readTeamFiles,
  loadClaudeWorkspace,
  importTeamFolder,
  isTeamFilePath,
  MAX_TEAM_FILE_BYTES,
} from './team-folder.js';
export {
  teamFilesToZip,
  teamFilesFromZip,
  exportWorkspaceZip,
  importWorkspaceZip,
  DEFAULT_TEAM_ZIP_LIMITS,
  ARCHIVE_PATH,
  type TeamZipLimits,
  type TeamZipContents,
  type ImportedWorkspaceZip,
} from './team-zip.js';
