import { decisionForTask, type UnwatchedPolicy, type Deliverable, type ModelProvider, type PlannedTask, type RunError, type SessionEvent, type Team } from '@marketing-team/core';
import type { ConcurrencyLimiter } from './_concurrency-limiter.js';
import { linkedController } from './_link-signal.js';
import { PauseGate } from './_pause-gate.js';
import type { RunSettings, RunShared } from './_run-shared.js';
import { SteerBook, scopeMatches } from './_steer-book.js';
import { TaskExecution, type TaskOutcome } from './_task-execution.js';
import { RunStopped, stopOf } from './_task-stop.js';
import { planVariants } from './_variant-plan.js';
import type { RunContext, RunControl } from './run-launcher.js';
import { regenerationFeedback } from './_regeneration-feedback.js';

/** Which team a run uses, as `run.started` records it. */
export interface RunTeamRecord {
  teamHash: string;
  workspaceId?: string;
  workspaceVersion?: number;
}

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/**
 * Orchestrates one run: plans the brief into a task DAG, records the routing and the plan,
 * starts each task as soon as its dependencies are done, routes control messages (scoped
 * cancels, steers, review decisions, a person taking a task over, handing it back or finishing
 * it) to the tasks they name, blocks the dependants of tasks that
 * did not finish, and closes the run. It never relays tokens: each task appends its own events.
 */
export class CampaignRun {
  readonly #stop: ReturnType<typeof linkedController>;
  readonly #steers = new SteerBook();
  readonly #pause = new PauseGate();
  readonly #executions = new Map<string, TaskExecution>();
  /** Deliverables of the continued run, by the task of this run that takes each over. */
  readonly #reused = new Map<string, Deliverable>();
  /** In a variants run: the guidance each variant's task starts with. */
  #variantGuidance: ReadonlyMap<string, string> = new Map();
  readonly #pendingCancels: Array<Extract<RunControl['event'], { type: 'cancel.requested' }>> = [];
  readonly #shared: RunShared;

  constructor(
    private readonly context: RunContext,
    team: Team,
    private readonly provider: ModelProvider,
    agentProviders: ReadonlyMap<string, ModelProvider>,
    limiter: ConcurrencyLimiter,
    settings: RunSettings,
    private readonly teamRecord: RunTeamRecord,
  ) {
    this.#stop = linkedController(context.signal);
    const stop = this.#stop.controller;
    const tasks = new Map<string, PlannedTask>();
    this.#shared = {
      runId: context.runId,
      brief: context.brief,
      team,
      provider,
      providerFor: (agent) => agentProviders.get(agent) ?? provider,
      limiter,
      steers: this.#steers,
      pause: this.#pause,
      settings,
      signal: stop.signal,
      deliverables: new Map<string, Deliverable>(),
      tasks,
      append: async (events: SessionEvent[]) => {
        if (stop.signal.aborted) throw new RunStopped('run stopped');
        try {
          await context.append(events);
        } catch (error) {
          // A run-level fence means the run ended elsewhere (cancelled): stop every task, quietly.
          if (stopOf(error) === 'run-stopped') {
            stop.abort(error);
            throw new RunStopped('run fenced');
          }
          throw error;
        }
      },
    };
  }

  /** Runs the brief to its end; resolves without writing anything more once the run is stopped. */
  async execute(): Promise<void> {
    const unsubscribe = this.context.onControl((control) => this.#control(control));
    try {
      await this.#execute();
    } catch (error) {
      if (stopOf(error, this.#stop.controller.signal) === 'run-stopped') return;
      throw error;
    } finally {
      unsubscribe();
      // Nothing of this run may keep running after launch() returns.
      this.#stop.controller.abort(new RunStopped('run finished'));
      this.#stop.dispose();
    }
  }

  async #execute(): Promise<void> {
    const { runId, brief } = this.context;
    const team = this.#shared.team;
    let tasks: PlannedTask[];
    try {
      tasks = team.planCampaign(brief, { runId });
      if (this.context.variants) {
        const plan = planVariants(tasks, this.context.variants);
        tasks = plan.tasks;
        this.#variantGuidance = plan.guidance;
      }
    } catch (error) {
      await this.#shared.append([
        { type: 'run.failed', runId, error: { code: 'internal', message: clip(`planning failed: ${errorMessage(error)}`, 2000), retryable: false } },
      ]);
      return;
    }
    const routing: SessionEvent[] = tasks.map((task) => {
      const decision = decisionForTask(team, task);
      return { type: 'routing.decided', runId, taskId: task.id, ...decision, reason: clip(decision.reason, 1000) };
    });
    await this.#shared.append([
      ...routing,
      {
        type: 'run.started',
        runId,
        tasks,
        model: { provider: this.provider.provider, name: this.provider.model, offline: this.provider.offline },
        ...this.teamRecord,
        ...whenUnwatched(brief.whenUnwatched ?? this.#shared.settings.whenUnwatched),
      },
    ]);

    const tasksById = this.#shared.tasks as Map<string, PlannedTask>;
    for (const task of tasks) {
      tasksById.set(task.id, task);
      this.#executions.set(task.id, new TaskExecution(task, this.#shared));
    }
    for (const cancel of this.#pendingCancels.splice(0)) this.#cancel(cancel);
    this.#matchReused(tasks);

    const outcomes = new Map<string, TaskOutcome>();
    const settledAll = Promise.all(
      [...this.#executions.values()].map((execution) =>
        execution.settled.then((outcome) => {
          outcomes.set(execution.task.id, outcome);
          this.#afterTask(execution.task, outcome, outcomes);
        }),
      ),
    );
    for (const execution of this.#executions.values()) {
      if (execution.task.dependsOn.length === 0) this.#begin(execution);
    }
    await settledAll;
    if (this.#stop.controller.signal.aborted) return;

    const deliverableIds = tasks.flatMap((task) => {
      const outcome = outcomes.get(task.id);
      return outcome?.status === 'done' ? [outcome.deliverable.id] : [];
    });
    const failure = tasks
      .map((task) => outcomes.get(task.id))
      .find((outcome): outcome is { status: 'failed'; error: RunError } => outcome?.status === 'failed');
    if (deliverableIds.length === 0 && failure) {
      await this.#shared.append([
        { type: 'run.failed', runId, error: { ...failure.error, message: clip(`no deliverable was produced: ${failure.error.message}`, 2000) } },
      ]);
      return;
    }
    await this.#shared.append([{ type: 'run.completed', runId, deliverableIds }]);
  }

  /** Starts dependants whose prerequisites are all done; blocks those of a task that did not finish. */
  #afterTask(task: PlannedTask, outcome: TaskOutcome, outcomes: Map<string, TaskOutcome>): void {
    if (outcome.status === 'stopped') return;
    // The deliverable as it stands now: a person may have edited it since the task wrote it.
    if (outcome.status === 'done') this.#shared.deliverables.set(task.id, this.#executions.get(task.id)?.deliverable ?? outcome.deliverable);
    for (const execution of this.#executions.values()) {
      if (!execution.waiting || !execution.task.dependsOn.includes(task.id)) continue;
      if (outcome.status === 'done') {
        if (execution.task.dependsOn.every((id) => outcomes.get(id)?.status === 'done')) this.#begin(execution);
      } else {
        const why = outcome.status === 'failed' ? 'failed' : outcome.status === 'cancelled' ? 'was cancelled' : 'is blocked';
        execution.block(`Depends on "${task.title}", which ${why}.`);
      }
    }
  }

  /** Pairs each task with a deliverable of the continued run from the same skill, in plan order. */
  #matchReused(tasks: readonly PlannedTask[]): void {
    const unused = [...(this.context.reuse ?? [])];
    for (const task of tasks) {
      const index = unused.findIndex((deliverable) => deliverable.skill === task.skill);
      if (index >= 0) this.#reused.set(task.id, unused.splice(index, 1)[0]!);
    }
  }

  /** Starts a task whose dependencies are done: taken over from the continued run, or generated. */
  #begin(execution: TaskExecution): void {
    const previous = this.#reused.get(execution.task.id);
    if (previous) return execution.adopt(previous);
    const variant = this.#variantGuidance.get(execution.task.id);
    if (variant !== undefined) return execution.start([variant]);
    const regenerate = this.context.regenerate;
    if (regenerate && regenerate.skill === execution.task.skill) {
      // The instruction reaches the model as a reviewer's request for changes, with the version it replaces.
      return execution.start([regenerationFeedback(regenerate.instruction, regenerate.previous.markdown)]);
    }
    execution.start();
  }

  #control(control: RunControl): void {
    const event = control.event;
    if (event.runId !== this.context.runId) return;
    switch (event.type) {
      case 'cancel.requested':
        // A cancel without scope stops the whole run through context.signal (the session layer owns it).
        if (event.scope && (event.scope.taskId !== undefined || event.scope.agent !== undefined)) this.#cancel(event);
        return;
      case 'steer.submitted': {
        if (!this.#steers.add({ offset: control.offset, event })) return;
        if (event.mode === 'restart') {
          for (const execution of this.#executions.values()) {
            if (scopeMatches(event.scope, execution.task)) execution.restart();
          }
        }
        return;
      }
      case 'run.paused':
        // Nothing starts while paused; what generates now stops and starts over on resume.
        this.#pause.close();
        for (const execution of this.#executions.values()) execution.pause();
        return;
      case 'run.resumed':
        this.#pause.open();
        return;
      case 'review.approved':
        this.#executions.get(event.taskId)?.review({ type: 'approved' });
        return;
      case 'review.changes_requested':
        this.#executions.get(event.taskId)?.review({ type: 'changes_requested', comment: event.comment });
        return;
      case 'task.taken_over':
        this.#executions.get(event.taskId)?.takeOver(event.by);
        return;
      case 'task.handed_back':
        this.#executions.get(event.taskId)?.handBack(event.draft);
        return;
      case 'task.marked_done':
        this.#executions.get(event.taskId)?.markDone(event.title, event.markdown, event.by);
        return;
      case 'deliverable.edited': {
        // The task keeps the edit for when it is approved; a finished one has handed its
        // deliverable to the run already, so the edit replaces it there for dependants to come.
        const execution = this.#executions.get(event.taskId);
        const edited = execution?.edit(event.deliverableId, event.content, event.baseVersion);
        if (edited && this.#shared.deliverables.has(event.taskId)) this.#shared.deliverables.set(event.taskId, edited);
        return;
      }
      default:
        return;
    }
  }

  #cancel(event: Extract<RunControl['event'], { type: 'cancel.requested' }>): void {
    if (this.#executions.size === 0) {
      this.#pendingCancels.push(event);
      return;
    }
    for (const execution of this.#executions.values()) {
      if (scopeMatches(event.scope, execution.task)) execution.cancel(event.by);
    }
  }
}

/** The policy `run.started` records: the session layer applies it; `keep` needs no record. */
function whenUnwatched(policy: UnwatchedPolicy | undefined): { whenUnwatched?: UnwatchedPolicy } {
  return policy && policy.action !== 'keep' ? { whenUnwatched: policy } : {};
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
