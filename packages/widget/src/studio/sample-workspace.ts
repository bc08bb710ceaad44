import { defaultTeam, workspaceFromTeam, type WorkspaceDocument } from '@marketing-team/core';

/**
 * Where a workspace with nothing saved starts: the default team and its sample brand, with a
 * function map drawn over its skills. The marketer edits it into their own.
 */
export function sampleWorkspace(): WorkspaceDocument {
  return workspaceFromTeam(defaultTeam, {
    functions: [
      { name: 'research', title: 'Research', description: 'Who buys, why, and who else they consider.', skills: ['research-brief', 'competitor-snapshot'] },
      { name: 'strategy', title: 'Strategy', description: 'Positioning, messages and channel roles.', skills: ['campaign-strategy', 'messaging-framework'] },
      { name: 'content', title: 'Content', description: 'Social posts, ads and landing pages.', skills: ['social-posts', 'ad-copy', 'landing-page'] },
      { name: 'creative', title: 'Creative', description: 'Visual concepts and banners.', skills: ['creative-concepts', 'ad-visuals'] },
      { name: 'measurement', title: 'Measurement', description: 'KPIs, targets and reviews.', skills: ['measurement-plan', 'kpi-review'] },
    ],
  });
}
