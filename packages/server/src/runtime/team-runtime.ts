import {
  DEFAULT_WORKSPACE_ID,
  UnwatchedPolicySchema,
  teamContentHash,
  teamFromWorkspace,
  type Agent,
  type ModelProvider,
  type Team,
  type UnwatchedPolicyInput,
} from '@marketing-team/core';
import { z } from 'zod';
import type { WorkspaceStore } from '../workspaces/workspace-store.js';
import { CampaignRun, type RunTeamRecord } from './_campaign-run.js';
import { ConcurrencyLimiter } from './_concurrency-limiter.js';
import type { RunSettings } from './_run-shared.js';
import type { RunContext, RunLauncher } from './run-launcher.js';

/** Options of `createTeamRuntime`. */
export interface TeamRuntimeOptions {
  /**
   * The team that plans and runs briefs (`createDefaultTeam()` or `defineTeam(...)`); with
   * `workspaces`, the team of sessions whose workspace has no saved version yet.
   */
  team: Team;
  /**
   * Per-customer teams: each run builds its team from the latest version of its session's
   * workspace (the one `createMarketingTeamServer({ workspaces })` bound it to, else `default`)
   * and keeps that team to the end, whatever is saved meanwhile.
   */
  workspaces?: WorkspaceStore;
  /** The model every agent uses (Anthropic, or the offline provider). */
  provider: ModelProvider;
  /**
   * A model for one agent instead of `provider`, for example to honour the agent's own `model`:
   * `(agent) => agent.model ? createAnthropicProvider({ model: agent.model }) : undefined`.
   * Called once per agent when the runtime is created.
   */
  providerFor?: (agent: Agent) => ModelProvider | undefined;
  /** Most model generations of one run at once (each run has its own limit); default 8. */
  concurrency?: number;
  /**
   * Task-level retry, on top of the provider's own retries: a task whose model call finally failed
   * with a retryable error is generated again up to `attempts` times in all (default 1: no retry),
   * waiting `delayMs` (doubled each time) in between.
   */
  retry?: { attempts?: number; delayMs?: number };
  /** Text chunks arriving within this many milliseconds become one `text.delta`; default 10, 0 disables. */
  coalesceMs?: number;
  /** Largest `text.delta` in characters; default 4000. */
  maxDeltaChars?: number;
  /**
   * A generation that has made no progress (no model output, no provider retry) for this many
   * milliseconds is recorded as `task.stalled`, and `task.resumed` once output comes again, so
   * every device can tell a hung model call from a slow one. A provider's announced retry wait
   * does not count. Default 30 000; 0 turns it off.
   */
  stallAfterMs?: number;
  /**
   * What a run does while nobody watches its session, when its brief does not say
   * (`brief.whenUnwatched`): `{ action: 'keep' }` (the default), `{ action: 'pause', afterMs }` or
   * `{ action: 'cancel', afterMs }`. Recorded in `run.started`; the session layer applies it.
   */
  whenUnwatched?: UnwatchedPolicyInput;
}

const OptionsSchema = z.object({
  team: z.custom<Team>(
    (value) => typeof value === 'object' && value !== null && typeof (value as Team).planCampaign === 'function',
    'expected a team from defineTeam or createDefaultTeam',
  ),
  provider: z.custom<ModelProvider>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as ModelProvider).stream === 'function' &&
      typeof (value as ModelProvider).cost === 'function',
    'expected a ModelProvider',
  ),
  providerFor: z.custom<(agent: Agent) => ModelProvider | undefined>((value) => typeof value === 'function', 'expected a function').optional(),
  workspaces: z
    .custom<WorkspaceStore>((value) => typeof value === 'object' && value !== null && typeof (value as WorkspaceStore).get === 'function', 'expected a WorkspaceStore')
    .optional(),
  concurrency: z.number().int().min(1).max(256).default(8),
  retry: z
    .object({ attempts: z.number().int().min(1).max(10).default(1), delayMs: z.number().int().min(0).max(60_000).default(1000) })
    .default({ attempts: 1, delayMs: 1000 }),
  coalesceMs: z.number().min(0).max(1000).default(10),
  maxDeltaChars: z.number().int().min(1).max(16_000).default(4000),
  stallAfterMs: z.number().int().min(0).max(3_600_000).default(30_000),
  whenUnwatched: z
    .unknown()
    .optional()
    .transform((value, context) => {
      if (value === undefined) return undefined;
      const parsed = UnwatchedPolicySchema.safeParse(value);
      if (parsed.success) return parsed.data;
      const issue = parsed.error.issues[0];
      context.addIssue({ code: 'custom', message: issue?.message ?? 'invalid', path: issue?.path ?? [] });
      return z.NEVER;
    }),
});

/** Thrown by `createTeamRuntime` for bad options; `field` names the offending option. */
export class TeamRuntimeOptionsError extends TypeError {
  override readonly name = 'TeamRuntimeOptionsError';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/**
 * The team run engine, as the `RunLauncher` the session hub calls when a brief is stored.
 *
 * A run plans the brief with the team's playbook, appends `routing.decided` (with reasons) and
 * `run.started` (the DAG and the model), then runs each task as soon as its dependencies are done,
 * independent ones in parallel (at most `concurrency` generations of the run at once). Each task appends its
 * own `task.*`, `message.*`, `text.delta`, `deliverable.created` and `usage` events; the run ends
 * with `run.completed` (every deliverable id) or `run.failed` when nothing could be produced.
 * Scoped cancels, steers, review decisions and human edits (which dependants that start later
 * take as their input) arrive through `context.onControl`; a whole-run
 * cancel aborts `context.signal`, after which the run writes nothing more.
 */
export function createTeamRuntime(options: TeamRuntimeOptions): RunLauncher {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'options';
    throw new TeamRuntimeOptionsError(`createTeamRuntime: ${field}: ${issue?.message ?? 'invalid'}`, field);
  }
  const { team, provider, providerFor, workspaces, concurrency, retry, coalesceMs, maxDeltaChars, stallAfterMs, whenUnwatched } = parsed.data;
  const providersOf = (runTeam: Team): Map<string, ModelProvider> => {
    const agentProviders = new Map<string, ModelProvider>();
    for (const agent of runTeam.agents) {
      const own = providerFor?.(agent);
      if (own === undefined) continue;
      if (typeof own.stream !== 'function' || typeof own.cost !== 'function') {
        throw new TeamRuntimeOptionsError(`createTeamRuntime: providerFor: expected a ModelProvider for agent "${agent.name}"`, 'providerFor');
      }
      agentProviders.set(agent.name, own);
    }
    return agentProviders;
  };
  const fallback: ResolvedTeam = { team, providers: providersOf(team), record: { teamHash: teamContentHash(team) } };
  // Teams built from workspace versions, by workspace and document hash: a version is immutable,
  // so its team is built (and hashed) once; the map is bounded like an LRU.
  const built = new Map<string, Omit<ResolvedTeam, 'record'> & { teamHash: string }>();
  const resolve = async (session: string): Promise<ResolvedTeam> => {
    if (!workspaces) return fallback;
    const workspaceId = (await workspaces.sessionWorkspace(session)) ?? DEFAULT_WORKSPACE_ID;
    const latest = await workspaces.get(workspaceId);
    if (!latest) return { ...fallback, record: { ...fallback.record, workspaceId } };
    const key = `${workspaceId}\n${latest.hash}`;
    let entry = built.get(key);
    if (entry) built.delete(key);
    else {
      const runTeam = teamFromWorkspace(latest.document);
      entry = { team: runTeam, providers: providersOf(runTeam), teamHash: teamContentHash(runTeam) };
      if (built.size >= 64) built.delete(built.keys().next().value!);
    }
    built.set(key, entry);
    return { team: entry.team, providers: entry.providers, record: { teamHash: entry.teamHash, workspaceId, workspaceVersion: latest.version } };
  };
  const settings: RunSettings = { coalesceMs, maxDeltaChars, taskAttempts: retry.attempts, taskRetryDelayMs: retry.delayMs, stallAfterMs, whenUnwatched };
  return {
    async launch(context: RunContext) {
      // Resolved once, at launch: the run keeps this team even if the workspace is edited mid-run.
      let resolved: ResolvedTeam;
      try {
        resolved = await resolve(context.session);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await context.append([
          { type: 'run.failed', runId: context.runId, error: { code: 'internal', message: `workspace team unavailable: ${message}`.slice(0, 2000), retryable: true } },
        ]);
        return;
      }
      const limiter = new ConcurrencyLimiter(concurrency);
      await new CampaignRun(context, resolved.team, provider, resolved.providers, limiter, settings, resolved.record).execute();
    },
  };
}

interface ResolvedTeam {
  team: Team;
  providers: Map<string, ModelProvider>;
  record: RunTeamRecord;
}
