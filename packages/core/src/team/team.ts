import { z } from 'zod';
import { CampaignBriefSchema, type CampaignBrief, type CampaignBriefInput } from '../protocol/brief.js';
import type { DeliverableKind } from '../protocol/deliverables.js';
import type { PlannedTask } from '../protocol/events.js';
import { IdSchema } from '../protocol/limits.js';
import { deepFreeze, zodIssues } from './_definition.js';
import { ownershipIssues } from './_ownership.js';
import { planCampaign } from './_plan-campaign.js';
import { routeOffline } from './_route.js';
import { AgentSchema, type Agent } from './agent.js';
import { BrandSchema, type Brand } from './brand.js';
import type { ModelProvider } from './model-provider.js';
import { routeWithModel } from './model-router.js';
import {
  CAMPAIGN_PLAYBOOK,
  PlaybookSchema,
  playbookIssues,
  type Playbook,
  type PlaybookInput,
  type PlaybookStep,
} from './playbook.js';
import {
  ModelRouterOptionsSchema,
  RoutingRuleSchema,
  type ModelRouterOptions,
  type ModelRouterOptionsInput,
  type RoutingDecision,
  type RoutingRequest,
  type RoutingRule,
  type RoutingRuleInput,
} from './routing-rule.js';
import type { Skill } from './skill.js';
import { TeamDefinitionError, type TeamDefinitionIssue } from './team-definition-error.js';

/** What `defineTeam` accepts. */
export interface TeamInput {
  brand: Brand;
  agents: readonly Agent[];
  rules?: readonly RoutingRuleInput[];
  /** Enables tuning of the model router used by `routeWithModel`. */
  modelRouter?: ModelRouterOptionsInput;
  /** Defaults to the campaign playbook, trimmed to the deliverable kinds the team produces. */
  playbook?: PlaybookInput;
}

/** Options of `Team.planCampaign`. */
export interface PlanCampaignOptions {
  /** The run the tasks belong to; task ids are derived from it deterministically. */
  runId: string;
}

/** A validated team: brand, non-overlapping agents, routing rules and a playbook. */
export interface Team {
  readonly brand: Brand;
  readonly agents: readonly Agent[];
  readonly rules: readonly RoutingRule[];
  readonly playbook: Playbook;
  readonly modelRouter: ModelRouterOptions | undefined;
  /** The agent with this name. */
  agent(name: string): Agent | undefined;
  /** The skill with this name, whichever agent owns it. */
  skill(name: string): Skill | undefined;
  /** The agent that owns this skill. */
  ownerOf(skill: string): Agent | undefined;
  /** The first skill (in agent and skill order) that outputs this kind. */
  skillFor(kind: DeliverableKind): Skill | undefined;
  /** Routes offline and synchronously: explicit names, then the rule table. Throws `RoutingError`. */
  route(request: RoutingRequest): RoutingDecision;
  /** Like `route`, then asks the model as a last resort; the model's answer is validated. */
  routeWithModel(request: RoutingRequest, provider: ModelProvider, signal: AbortSignal): Promise<RoutingDecision>;
  /** Turns a brief into the task DAG of the playbook. Throws `RoutingError('unplannable')`. */
  planCampaign(brief: CampaignBriefInput | CampaignBrief, options: PlanCampaignOptions): PlannedTask[];
}

const TeamShapeSchema = z.strictObject({
  brand: BrandSchema,
  agents: z.array(AgentSchema).min(1, 'give the team at least one agent').max(32),
  rules: z.array(RoutingRuleSchema).max(200).default([]),
  modelRouter: ModelRouterOptionsSchema.optional(),
  playbook: PlaybookSchema.optional(),
});

/**
 * Validates a team. Besides each field, it checks that roles do not overlap (a skill, and a
 * deliverable kind, belongs to exactly one agent), that rules name real agents and skills, and
 * that the playbook is acyclic and producible. Every problem is listed in one `TeamDefinitionError`.
 */
export function defineTeam(input: TeamInput): Team {
  const shape = TeamShapeSchema.safeParse(input);
  const issues: TeamDefinitionIssue[] = shape.success ? [] : zodIssues(shape.error);
  // the cross-field checks below need valid agents; without them only the field issues are known
  if (issues.some((issue) => /^(agents|brand)\b/.test(issue.path) || issue.path === '')) throw new TeamDefinitionError(issues);
  const agents = input.agents;
  const rawRules: unknown[] = Array.isArray(input.rules) ? [...input.rules] : [];
  const ruleEntries = rawRules.flatMap((rule, index) => {
    const parsedRule = RoutingRuleSchema.safeParse(rule);
    return parsedRule.success ? [{ rule: parsedRule.data, index }] : [];
  });
  const parsedPlaybook = input.playbook === undefined ? undefined : PlaybookSchema.safeParse(input.playbook);
  const parsedRouter = ModelRouterOptionsSchema.optional().safeParse(input.modelRouter);
  const brand = BrandSchema.parse(input.brand);

  const agentIndex = new Map<string, number>();
  agents.forEach((agent, i) => {
    const first = agentIndex.get(agent.name);
    if (first !== undefined) issues.push({ path: `agents[${i}].name`, message: `duplicate agent "${agent.name}" (also agents[${first}])` });
    else agentIndex.set(agent.name, i);
  });

  // overlap: every skill and every deliverable kind has exactly one owner
  const ownership = ownershipIssues(agents);
  issues.push(...ownership.issues);
  const { skillOwners, kindOwners } = ownership;

  const rules = ruleEntries.map((entry) => entry.rule);
  ruleEntries.forEach(({ rule, index: i }) => {
    const a = agentIndex.get(rule.agent);
    if (a === undefined) {
      issues.push({ path: `rules[${i}].agent`, message: `unknown agent "${rule.agent}"` });
      return;
    }
    if (rule.skill && !agents[a]!.skills.some((skill) => skill.name === rule.skill)) {
      issues.push({ path: `rules[${i}].skill`, message: `skill "${rule.skill}" is not owned by ${rule.agent}` });
    }
    rule.deliverables.forEach((kind, k) => {
      const owner = kindOwners.get(kind);
      if (!owner) issues.push({ path: `rules[${i}].deliverables[${k}]`, message: `no agent produces ${kind}` });
      else if (owner.agent !== a) {
        issues.push({ path: `rules[${i}].deliverables[${k}]`, message: `${kind} is produced by ${agents[owner.agent]!.name}, not ${rule.agent}` });
      }
    });
  });

  const skillByName = (name: string): Skill | undefined => {
    const owner = skillOwners.get(name);
    return owner ? agents[owner.agent]!.skills[owner.skill] : undefined;
  };
  const skillForKind = (kind: DeliverableKind): Skill | undefined => {
    const owner = kindOwners.get(kind);
    return owner ? agents[owner.agent]!.skills[owner.skill] : undefined;
  };

  let playbook: Playbook;
  if (parsedPlaybook?.success) {
    playbook = parsedPlaybook.data;
    issues.push(...playbookIssues(playbook));
    playbook.steps.forEach((step, i) => {
      if (step.skill) {
        const skill = skillByName(step.skill);
        if (!skill) issues.push({ path: `playbook.steps[${i}].skill`, message: `no agent owns skill "${step.skill}"` });
        else if (skill.output !== step.deliverable) {
          issues.push({ path: `playbook.steps[${i}].skill`, message: `skill "${step.skill}" outputs ${skill.output}, not ${step.deliverable}` });
        }
      } else if (!kindOwners.has(step.deliverable)) {
        issues.push({ path: `playbook.steps[${i}].deliverable`, message: `no agent produces ${step.deliverable}` });
      }
    });
  } else {
    playbook = trimPlaybook(CAMPAIGN_PLAYBOOK, (kind) => kindOwners.has(kind));
  }

  if (issues.length > 0) throw new TeamDefinitionError(issues);

  const agentByName = (name: string): Agent | undefined => {
    const i = agentIndex.get(name);
    return i === undefined ? undefined : agents[i];
  };
  const ownerOf = (skill: string): Agent | undefined => {
    const owner = skillOwners.get(skill);
    return owner ? agents[owner.agent] : undefined;
  };
  const modelRouter = parsedRouter.success ? parsedRouter.data : undefined;
  const table = { agents, rules, agent: agentByName, ownerOf, skillFor: skillForKind };
  const team: Team = {
    brand: deepFreeze(brand),
    agents: Object.freeze([...agents]),
    rules: deepFreeze(rules),
    playbook: deepFreeze(playbook),
    modelRouter: modelRouter ? deepFreeze(modelRouter) : undefined,
    agent: agentByName,
    skill: skillByName,
    ownerOf,
    skillFor: skillForKind,
    route: (request) => routeOffline(table, request),
    routeWithModel: (request, provider, signal) =>
      routeWithModel(table, request, provider, signal, modelRouter ?? ModelRouterOptionsSchema.parse({})),
    planCampaign: (brief, options) => {
      const runId = IdSchema.safeParse(options?.runId);
      if (!runId.success) throw new TeamDefinitionError([{ path: 'runId', message: runId.error.issues[0]!.message }]);
      const parsedBrief = CampaignBriefSchema.safeParse(brief);
      if (!parsedBrief.success) {
        throw new TeamDefinitionError(
          zodIssues(parsedBrief.error, 'brief'),
        );
      }
      return planCampaign(team, parsedBrief.data, runId.data);
    },
  };
  return Object.freeze(team);
}

/** Drops the steps whose kind the team cannot produce, keeping their prerequisites as dependencies. */
function trimPlaybook(playbook: Playbook, producible: (kind: DeliverableKind) => boolean): Playbook {
  const byId = new Map(playbook.steps.map((step) => [step.id, step]));
  const resolve = (ids: readonly string[]): string[] =>
    ids.flatMap((id) => {
      const step = byId.get(id)!;
      return producible(step.deliverable) ? [id] : resolve(step.dependsOn);
    });
  const steps: PlaybookStep[] = playbook.steps
    .filter((step) => producible(step.deliverable))
    .map((step) => ({ ...step, dependsOn: [...new Set(resolve(step.dependsOn))] }));
  return { name: playbook.name, steps };
}
