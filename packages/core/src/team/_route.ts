import type { DeliverableKind } from '../protocol/deliverables.js';
import type { Agent } from './agent.js';
import { RoutingError } from './routing-error.js';
import { RoutingRequestSchema, type RoutingDecision, type RoutingRequest, type RoutingRule } from './routing-rule.js';
import type { Skill } from './skill.js';

/** What routing needs to know about a team. */
export interface RoutingTable {
  agents: readonly Agent[];
  rules: readonly RoutingRule[];
  agent(name: string): Agent | undefined;
  ownerOf(skill: string): Agent | undefined;
  skillFor(kind: DeliverableKind): Skill | undefined;
}

/** Parsed request, or a `RoutingError` naming the bad field. */
export function parseRoutingRequest(request: RoutingRequest): ReturnType<typeof RoutingRequestSchema.parse> {
  const parsed = RoutingRequestSchema.safeParse(request);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.map(String).join('.');
  throw new RoutingError('invalid_request', `${field || '(root)'}: ${issue.message}`, field || undefined);
}

const label = (agent: Agent): string => `${agent.title} (${agent.name})`;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Keywords of `keywords` found in `text` on word boundaries, case-insensitively. */
export function matchKeywords(text: string, keywords: readonly string[]): string[] {
  const lower = text.toLowerCase();
  return keywords.filter((keyword) =>
    new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegExp(keyword.toLowerCase())}($|[^\\p{L}\\p{N}])`, 'u').test(lower),
  );
}

/** The agent's skill that best fits the request: its deliverable kind, then its name in the text, then the first. */
function pickSkill(agent: Agent, text: string, deliverable: DeliverableKind | undefined): { skill: Skill; why: string } {
  if (deliverable) {
    const byKind = agent.skills.find((skill) => skill.output === deliverable);
    if (byKind) return { skill: byKind, why: `it outputs ${deliverable}` };
  }
  const named = agent.skills.find((skill) => matchKeywords(text, [skill.name.replace(/-/g, ' '), skill.name]).length > 0);
  if (named) return { skill: named, why: `the request mentions "${named.name.replace(/-/g, ' ')}"` };
  return { skill: agent.skills[0]!, why: 'it is the agent\'s primary skill' };
}

const clip = (reason: string): string => (reason.length <= 1000 ? reason : `${reason.slice(0, 999)}…`);

/**
 * Routes without a model: an explicit skill or agent first, then the rule table, then the
 * deliverable kind's owner. Throws `RoutingError` (`no_match`) when nothing applies.
 */
export function routeOffline(table: RoutingTable, request: RoutingRequest): RoutingDecision {
  const { text, skill, agent, deliverable } = parseRoutingRequest(request);
  if (skill) {
    const owner = table.ownerOf(skill);
    if (!owner) throw new RoutingError('unknown_skill', `skill: no agent of the team owns "${skill}"`, 'skill');
    if (agent && agent !== owner.name) {
      throw new RoutingError('skill_not_owned', `skill: "${skill}" belongs to ${owner.name}, not ${agent}`, 'skill');
    }
    return { agent: owner.name, skill, via: 'explicit', reason: clip(`Skill "${skill}" was named; it belongs to ${label(owner)}.`) };
  }
  if (agent) {
    const named = table.agent(agent);
    if (!named) throw new RoutingError('unknown_agent', `agent: the team has no agent "${agent}"`, 'agent');
    const picked = pickSkill(named, text, deliverable);
    return {
      agent: named.name,
      skill: picked.skill.name,
      via: 'explicit',
      reason: clip(`${label(named)} was named; chose skill "${picked.skill.name}" because ${picked.why}.`),
    };
  }
  if (deliverable) {
    const rule = table.rules.find((candidate) => candidate.deliverables.includes(deliverable));
    if (rule) return fromRule(table, rule, text, deliverable, `it asks for ${deliverable}`);
    const skillForKind = table.skillFor(deliverable);
    const owner = skillForKind && table.ownerOf(skillForKind.name);
    if (skillForKind && owner) {
      return {
        agent: owner.name,
        skill: skillForKind.name,
        via: 'rule',
        reason: clip(`Asked for ${deliverable}; ${label(owner)} owns "${skillForKind.name}", the skill that outputs it.`),
      };
    }
    throw new RoutingError('no_match', `deliverable: no agent of the team produces ${deliverable}`, 'deliverable');
  }
  let best: { rule: RoutingRule; matched: string[]; weight: number } | undefined;
  for (const rule of table.rules) {
    const matched = matchKeywords(text, rule.keywords);
    if (matched.length === 0) continue;
    const weight = matched.reduce((sum, keyword) => sum + 1 + keyword.length / 1000, 0);
    if (!best || weight > best.weight) best = { rule, matched, weight };
  }
  if (best) {
    return fromRule(table, best.rule, text, undefined, `the request mentions ${best.matched.map((k) => `"${k}"`).join(', ')}`);
  }
  throw new RoutingError('no_match', 'text: no explicit skill or agent, and no routing rule matches the request', 'text');
}

function fromRule(
  table: RoutingTable,
  rule: RoutingRule,
  text: string,
  deliverable: DeliverableKind | undefined,
  why: string,
): RoutingDecision {
  const agent = table.agent(rule.agent)!;
  const skill = rule.skill ?? pickSkill(agent, text, deliverable).skill.name;
  const note = rule.description ? ` (${rule.description})` : '';
  return { agent: agent.name, skill, via: 'rule', reason: clip(`Rule for ${label(agent)}${note} matched: ${why}; skill "${skill}".`) };
}
