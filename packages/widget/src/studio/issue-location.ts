import type { WorkspaceDocument } from '@marketing-team/core';
import { BRAND_FIELDS, brandFieldLabel, type BrandField, type StudioStrings } from './studio-strings.js';

/**
 * Where a problem of the draft is, in the words the studio's own labels use: `skills[3].name`
 * becomes `Skill "launch-thread" · name`, `rules[2].skill` becomes `Routing rule 3 · skill`,
 * `brand.voiceGuide` becomes `Voice guide`. A marketer never sees a raw path.
 */
export function issueLocation(path: string, document: WorkspaceDocument, s: StudioStrings): string {
  const [head, ...rest] = path.split('.');
  const match = /^([a-zA-Z]+)(?:\[(\d+)\])?$/.exec(head ?? '');
  if (!match) return path;
  const [, section, index] = match;
  const detail = rest.join('.').replace(/\[\d+\]/g, '');
  if (section === 'brand') {
    const field = detail.split('.')[0] ?? '';
    return (BRAND_FIELDS as readonly string[]).includes(field) ? brandFieldLabel(s, field as BrandField) : s.steps.brand;
  }
  const at = index === undefined ? undefined : Number(index);
  const with_ = (what: string) => (detail ? `${what} · ${detail}` : what);
  switch (section) {
    case 'functions': {
      const item = at === undefined ? undefined : document.functions[at];
      return with_(item ? s.issueItem(s.steps.functions, item.title || item.name) : s.steps.functions);
    }
    case 'skills': {
      const item = at === undefined ? undefined : document.skills[at];
      return with_(item ? s.issueItem(s.skillName, item.name) : s.steps.skills);
    }
    case 'agents': {
      const item = at === undefined ? undefined : document.agents[at];
      return with_(item ? s.issueItem(s.agentTitle, item.title || item.name) : s.steps.agents);
    }
    case 'rules':
      return with_(at === undefined ? s.rulesHeading : s.issueRule(at + 1));
    default:
      return with_(s.steps.team);
  }
}
