import { z } from 'zod';
import { DeliverableKindSchema, type DeliverableKind } from '../protocol/deliverables.js';
import { RoutingError, type RoutingErrorCode } from './routing-error.js';
import type { RoutingVia } from './routing-rule.js';
import type { TeamDefinitionIssue } from './team-definition-error.js';
import { teamFromWorkspace, workspaceIssues, type WorkspaceDocument, type WorkspaceDocumentInput } from './workspace.js';

/** What {@link checkWorkspaceDraft} found. */
export interface WorkspaceCheck {
  /** `true` when the draft would save. */
  ok: boolean;
  /** Every problem, each with the path of its field (`agents[2].skills[1]`), in document order of the checks. */
  issues: TeamDefinitionIssue[];
}

/**
 * Checks a draft workspace document as a save would, without saving: field errors, duplicate
 * names, unknown skills, and every overlapping role (a skill or deliverable kind owned twice)
 * at the place it happens. Pure, so an editor can run it on each keystroke in the browser.
 */
export function checkWorkspaceDraft(draft: unknown): WorkspaceCheck {
  const issues = workspaceIssues(draft);
  return { ok: issues.length === 0, issues };
}

/** A routing test: a request as a user would type it, and optionally the deliverable it asks for. */
export const WorkspaceRoutingTestSchema = z.strictObject({
  request: z.string().trim().min(1, 'type a request').max(4000),
  deliverable: z.optional(DeliverableKindSchema),
});
/** What {@link routeWorkspaceRequest} accepts. */
export type WorkspaceRoutingTest = z.input<typeof WorkspaceRoutingTestSchema>;

/** Where a request would go, and why, or why it would go nowhere. */
export type WorkspaceRoutingResult =
  | {
      routed: true;
      agent: string;
      agentTitle: string;
      skill: string;
      /** The deliverable kind the chosen skill writes. */
      output: DeliverableKind;
      via: RoutingVia;
      reason: string;
    }
  | { routed: false; code: RoutingErrorCode; field?: string; reason: string };

/**
 * Which agent and skill of a workspace's team would take a request, and why, with the offline
 * router (explicit names, the rule table, the deliverable kind's owner): no model is called.
 * Throws `TeamDefinitionError` for an invalid document (check it first with
 * {@link checkWorkspaceDraft}); an unroutable request is a result, not an error.
 */
export function routeWorkspaceRequest(document: WorkspaceDocument | WorkspaceDocumentInput, test: WorkspaceRoutingTest): WorkspaceRoutingResult {
  const { request, deliverable } = WorkspaceRoutingTestSchema.parse(test);
  const team = teamFromWorkspace(document);
  try {
    const decision = team.route({ text: request, ...(deliverable ? { deliverable } : {}) });
    const agent = team.agent(decision.agent)!;
    const skill = team.skill(decision.skill)!;
    return { routed: true, agent: agent.name, agentTitle: agent.title, skill: skill.name, output: skill.output, via: decision.via, reason: decision.reason };
  } catch (error) {
    if (!(error instanceof RoutingError)) throw error;
    return { routed: false, code: error.code, ...(error.field ? { field: error.field } : {}), reason: error.message };
  }
}
