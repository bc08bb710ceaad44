import { canonicalJson } from './_canonical-json.js';
import { sha256Hex } from './_hash.js';
import type { Team } from './team.js';

/**
 * The content hash of a team: SHA-256 (hex) of the canonical JSON of everything that shapes its
 * output (brand, agents with their skills, rules, playbook, model router options). Two teams with
 * the same text have the same hash however they were built (code, Claude Code files, a workspace),
 * so a run's `run.started` can name exactly the team that wrote its deliverables. A skill's zod
 * `inputSchema` has no JSON form and is not part of the hash.
 */
export function teamContentHash(team: Team): string {
  return sha256Hex(
    canonicalJson({
      brand: team.brand,
      agents: team.agents.map((agent) => ({
        ...agent,
        skills: agent.skills.map((skill) => ({ ...skill, inputSchema: undefined })),
      })),
      rules: team.rules,
      playbook: team.playbook,
      modelRouter: team.modelRouter,
    }),
  );
}
