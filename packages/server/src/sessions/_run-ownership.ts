import { isRunEnded, type Actor, type Deliverable, type EventOf, type SessionState } from '@marketing-team/core';
import type { RunLease, RunLeases } from '../cluster/run-leases.js';
import type { DraftRunContext, RunBaseContext, RunLauncher } from '../runtime/run-launcher.js';
import { FencedError, type SessionStore } from '../stores/session-store.js';
import { OwnedRun } from './_owned-run.js';
import type { SessionChannel } from './_session-channel.js';
import { UnwatchedRun } from './_unwatched-run.js';
import { variantsLaunch } from './_variant-checks.js';

/** What {@link RunOwnership} needs from the hub. */
export interface RunOwnershipInit {
  store: SessionStore;
  launcher: RunLauncher | undefined;
  drafts: RunLauncher<DraftRunContext> | undefined;
  runLeases: RunLeases | undefined;
  onError: (error: unknown) => void;
  /** True once the hub is shutting down: nothing more is launched. */
  closing(): boolean;
  /** Tells the hub a run no longer keeps `channel` open. */
  release(channel: SessionChannel): void;
}

/**
 * The runs this node owns: launching a stored brief or draft (once its lease, when there are
 * leases, is taken), the policy for runs nobody watches, giving the lease back once the run has
 * ended, and recording runs a previous process left unended as interrupted.
 */
export class RunOwnership {
  readonly #init: RunOwnershipInit;

  constructor(init: RunOwnershipInit) {
    this.#init = init;
  }

  /** True when this node can run studio drafts. */
  get runsDrafts(): boolean {
    return this.#init.drafts !== undefined;
  }

  /** Runs a stored brief on this node (nothing without a launcher): a continued run takes over the deliverables finished before. */
  launchBrief(channel: SessionChannel, event: EventOf<'brief.submitted'>, briefOffset: number): void {
    const launcher = this.#init.launcher;
    if (!launcher) return;
    this.#launch(channel, event.runId, event.by, (base) => {
      const finished = event.continues === undefined ? [] : completedDeliverables(channel.state, event.continues);
      const regenerated = event.regenerate && event.continues !== undefined ? channel.state.runs[event.continues]?.tasks[event.regenerate.taskId] : undefined;
      const previous = regenerated?.deliverableId === undefined ? undefined : channel.state.deliverables[regenerated.deliverableId];
      const reuse = previous ? finished.filter((deliverable) => deliverable.id !== previous.id) : finished;
      return launcher.launch({
        ...base,
        brief: event.brief,
        briefOffset,
        reuse,
        ...(previous && event.regenerate ? { regenerate: { skill: previous.skill, instruction: event.regenerate.instruction, previous } } : {}),
        ...variantsLaunch(channel.state, event),
      });
    });
  }

  /** Runs a stored `draft.requested` on this node; callers check `runsDrafts` first. */
  launchDraft(channel: SessionChannel, event: EventOf<'draft.requested'>): void {
    const drafts = this.#init.drafts;
    if (!drafts) return;
    this.#launch(channel, event.runId, event.by, (base) => drafts.launch({ ...base, workspaceId: event.workspaceId, request: event.request }));
  }

  /** Records the runs of `channel` nobody runs any more (left by a crashed process, or whose lease is gone) as interrupted. */
  async interruptOrphanedRuns(channel: SessionChannel): Promise<void> {
    const { store, runLeases, onError } = this.#init;
    for (const runId of channel.state.runOrder) {
      const run = channel.state.runs[runId];
      if (!run || isRunEnded(run) || channel.owned.has(runId)) continue;
      if (runLeases) {
        // Another node may be running it: only a run whose lease is gone is interrupted.
        await runLeases.interruptIfOrphaned(channel.session, runId).catch(onError);
        continue;
      }
      try {
        await store.append(channel.session, [{ type: 'run.interrupted', runId, reason: 'the server restarted while the run was going' }]);
      } catch (error) {
        if (!(error instanceof FencedError)) onError(error);
      }
    }
  }

  /** Stops the runs of `channel` this node owns, recorded as `run.interrupted` with `reason`. */
  interruptRunsOf(channel: SessionChannel, reason: string): void {
    for (const run of channel.owned.values()) void run.interrupt(reason);
  }

  /**
   * Shutting down: the runs of `channels` this node owns are interrupted (`run.interrupted`) and
   * have settled when this resolves. Shutting down is not "nobody watches": no pause or cancel is
   * decided from here on.
   */
  async interruptAll(channels: readonly SessionChannel[]): Promise<void> {
    for (const channel of channels) for (const policy of channel.unwatched.values()) policy.dispose();
    const owned = channels.flatMap((channel) => [...channel.owned.values()]);
    await Promise.allSettled(owned.map((run) => run.interrupt('the server is shutting down')));
    await Promise.allSettled(owned.map((run) => run.settled));
  }

  /** Runs `launch` for `runId` on this node, once its lease (if any) is taken. */
  #launch(channel: SessionChannel, runId: string, submittedBy: Actor, launch: (context: RunBaseContext) => Promise<void>): void {
    const { runLeases: leases, onError } = this.#init;
    if (this.#init.closing() || channel.owned.has(runId)) return;
    if (!leases) return this.#start(channel, runId, submittedBy, launch);
    // Only the lease holder runs a run; the channel stays open while the lease is being taken.
    channel.busy += 1;
    leases
      .acquire(channel.session, runId)
      .then((lease) => {
        if (!lease) return;
        if (this.#init.closing() || channel.owned.has(runId)) return void lease.release().catch(onError);
        this.#start(channel, runId, submittedBy, launch, lease);
      }, onError)
      .finally(() => {
        channel.busy -= 1;
        this.#init.release(channel);
      });
  }

  #start(channel: SessionChannel, runId: string, submittedBy: Actor, launch: (context: RunBaseContext) => Promise<void>, lease?: RunLease): void {
    const { store, onError } = this.#init;
    const run = new OwnedRun({
      store,
      session: channel.session,
      runId,
      submittedBy,
      onError,
      onSettled: () => {
        if (channel.owned.get(runId) === run) channel.owned.delete(runId);
        if (channel.unwatched.get(runId) === unwatched) channel.unwatched.delete(runId);
        unwatched.dispose();
        // Given back only now, after the terminal event, so no node takes the run for orphaned.
        if (lease) void lease.release().catch(onError);
        this.#init.release(channel);
      },
    });
    channel.owned.set(runId, run);
    // Decided from the viewers this node sees (and, with cluster viewers, every node): see "Runs nobody watches" in docs/concepts.md.
    const unwatched = new UnwatchedRun(
      {
        runId,
        append: (events) => store.append(channel.session, events),
        cancel: (reason) => run.cancel({ kind: 'system' }, reason),
        onError,
      },
      channel.viewers,
      channel.state.runs[runId]?.brief?.whenUnwatched,
    );
    channel.unwatched.set(runId, unwatched);
    lease?.signal.addEventListener('abort', () => void run.interrupt('the node running it lost its lease'), { once: true });
    const launcher: RunLauncher<RunBaseContext> = { launch };
    run.start(lease ? lease.guard(launcher) : launcher);
    // The cancel may have been stored before this node registered the run.
    const early = channel.runCancels.get(runId);
    if (early && early.event.type === 'cancel.requested') void run.cancel(early.event.by, early.event.reason);
  }
}

/** The final deliverables of the tasks a run completed, in plan order. */
function completedDeliverables(state: SessionState, runId: string): Deliverable[] {
  const run = Object.hasOwn(state.runs, runId) ? state.runs[runId] : undefined;
  if (!run) return [];
  return run.taskOrder.flatMap((taskId) => {
    const task = run.tasks[taskId];
    const deliverable = task?.status === 'done' && task.deliverableId !== undefined ? state.deliverables[task.deliverableId] : undefined;
    return deliverable ? [deliverable] : [];
  });
}
