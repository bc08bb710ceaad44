import { setTimeout as sleep } from 'node:timers/promises';
import {
  applyDeliverableContent,
  buildSkillRequest,
  type Actor,
  type Deliverable,
  type DeliverableContent,
  type ModelRequest,
  type PlannedTask,
  type RunError,
  type SessionEvent,
} from '@marketing-team/core';
import { ModelError } from '../models/model-error.js';
import { composeId } from './_ids.js';
import { linkedController } from './_link-signal.js';
import type { RunShared } from './_run-shared.js';
import { deliverableIdOf, taskDeliverable } from './_task-deliverable.js';
import { TaskEvents, internalError } from './_task-events.js';
import { TaskGeneration } from './_task-generation.js';
import { TaskCancelled, TaskTakenOver, stopOf, type TaskStop } from './_task-stop.js';
import { handBackFeedback } from './_hand-back-feedback.js';

/** How a task ended. */
export type TaskOutcome =
  | { status: 'done'; deliverable: Deliverable }
  | { status: 'failed'; error: RunError }
  | { status: 'cancelled' }
  | { status: 'blocked' }
  /** The run stopped as a whole; nothing more may be written. */
  | { status: 'stopped' };

/** How one round of the agent's work ended: as the task did, or taken over by a person. */
type RoundOutcome = TaskOutcome | { status: 'taken-over' };

/** What the person who took a task over did next. */
type PersonStep = { type: 'handed-back'; guidance: string } | { type: 'done'; title: string; markdown: string; by: Actor } | { type: 'aborted' };

/** A decision on a task waiting at a review gate. */
export type ReviewDecision = { type: 'approved' } | { type: 'changes_requested'; comment: string };

type Phase = 'waiting' | 'queued' | 'generating' | 'review' | 'finished';

/**
 * Runs one planned task as its agent: takes a concurrency slot, generates with the model
 * (`TaskGeneration` streams into the session log), handles restarts from steers, task-level
 * retries and scoped cancels, publishes the deliverable, and waits at a review gate when the task
 * has one. How it stops (cancelled, fenced, run stopped) is decided by `_task-stop.ts` alone.
 */
export class TaskExecution {
  #phase: Phase = 'waiting';
  readonly #abort: ReturnType<typeof linkedController>;
  readonly #events: TaskEvents;
  /** Set once a person cancelled the task: who did, if known. */
  #cancel: { by: Actor | undefined } | undefined;
  #generation: TaskGeneration | undefined;
  #reviewWaiter: ((decision: ReviewDecision | { type: 'aborted' }) => void) | undefined;
  #messages = 0;
  #deliverable: Deliverable | undefined;
  /** True from a review's request for changes until the new version is written. */
  #rewriting = false;
  /** The deliverable's version, as `SessionState.deliverableVersions` counts it. */
  #version = 0;
  /** The current round of the agent's work: aborted when a person takes the task over. */
  #work: ReturnType<typeof linkedController>;
  /** Set while a person has the task: who took it over. */
  #takenOver: Actor | undefined;
  /** The guidance a start waits with while the task is taken over before it started. */
  #pendingStart: string[] | undefined;
  /** Guidance from hand-backs before the task started. */
  readonly #handBacks: string[] = [];
  #personWaiter: ((step: PersonStep) => void) | undefined;
  /** A step of the person that arrived before the agent's round had finished stopping. */
  #personStep: PersonStep | undefined;
  /** Wakes a task whose write the log refused before the reason (a cancel or take-over) reached it. */
  #fenceCause: (() => void) | undefined;
  /** True once the review request of the current version is stored. */
  #reviewStored = false;
  #round = 0;
  #settle!: (outcome: TaskOutcome) => void;
  /** Resolves once the task has reached its final state (and written it). */
  readonly settled: Promise<TaskOutcome>;

  constructor(
    readonly task: PlannedTask,
    private readonly shared: RunShared,
  ) {
    this.#abort = linkedController(shared.signal);
    this.#work = linkedController(this.#abort.controller.signal);
    this.#events = new TaskEvents(shared.runId, task);
    this.settled = new Promise((resolve) => {
      this.#settle = resolve;
    });
    // A task that never started ends silently when the whole run stops.
    this.#abort.controller.signal.addEventListener(
      'abort',
      () => {
        if (this.#phase === 'waiting' && shared.signal.aborted) this.#finish({ status: 'stopped' });
        this.#fenceCause?.();
        this.#personWaiter?.({ type: 'aborted' });
      },
      { once: true },
    );
  }

  /** The model this task's agent uses. */
  get #provider() {
    return this.shared.providerFor(this.task.agent);
  }

  /** True once the task ended (done, failed, cancelled, blocked or stopped). */
  get finished(): boolean {
    return this.#phase === 'finished';
  }

  /** True until the task was started or ended. */
  get waiting(): boolean {
    return this.#phase === 'waiting';
  }

  /** The task's deliverable as it stands now: the last one it wrote, with any edit made since. */
  get deliverable(): Deliverable | undefined {
    return this.#deliverable;
  }

  /**
   * Applies a person's edit to the task's deliverable; returns the edited deliverable. An edit
   * that arrives while the task is writing a new version (after a review asked for changes) is
   * of the old one, which the new version replaces: it is left out.
   */
  edit(deliverableId: string, content: DeliverableContent, baseVersion: number): Deliverable | undefined {
    // Counted as the reducer counts (one per version written, one per edit of the current
    // version), so the run takes exactly the edits every device shows.
    if (this.#deliverable?.id !== deliverableId || baseVersion !== this.#version) return undefined;
    this.#version += 1;
    if (this.#rewriting) return undefined;
    const edited = applyDeliverableContent(this.#deliverable, content);
    if (edited) this.#deliverable = edited;
    return edited;
  }

  /** True while a person has the task (`task.taken_over`), until they hand it back or finish it. */
  get takenOver(): boolean {
    return this.#takenOver !== undefined;
  }

  /** Starts the task; its dependencies are done. `guidance` applies from its first generation (a regeneration's instruction). */
  start(guidance: readonly string[] = []): void {
    if (this.#phase !== 'waiting') return;
    if (this.#takenOver) {
      // A person has it: the agent starts only once it is handed back.
      this.#pendingStart = [...guidance];
      return;
    }
    this.#phase = 'queued';
    this.#run([...guidance, ...this.#handBacks]).then(
      (outcome) => this.#finish(outcome),
      (error: unknown) => {
        if (this.#stopOf(error) === 'run-stopped') {
          this.#finish({ status: 'stopped' });
          return;
        }
        // An unexpected failure still leaves a terminal event for the task, when the log takes it.
        const failure = internalError(error);
        this.shared.append([this.#events.failed(failure)]).then(
          () => this.#finish({ status: 'failed', error: failure }),
          () => this.#finish({ status: 'failed', error: failure }),
        );
      },
    );
  }

  /**
   * Takes over the deliverable an earlier run of the same brief produced for this task (a run
   * that continues an interrupted one), instead of generating it again. Its dependencies are done.
   */
  adopt(previous: Deliverable): void {
    if (this.#phase !== 'waiting') return;
    this.#phase = 'queued';
    const task = this.task;
    const deliverable = { ...previous, id: deliverableIdOf(task), runId: this.shared.runId, taskId: task.id, agent: task.agent } as Deliverable;
    this.#deliverable = deliverable;
    this.#version = 1;
    this.#writeThenSettle(
      [this.#events.started(), this.#events.deliverableCreated(deliverable), this.#events.completed(deliverable.id)],
      { status: 'done', deliverable },
    );
  }

  /** A scoped cancel: aborts the model call at once; the task then writes `task.cancelled`. */
  cancel(by: Actor | undefined): void {
    if (this.#phase === 'finished' || this.#cancel) return;
    this.#cancel = { by };
    if (this.#phase === 'waiting') {
      this.#phase = 'finished';
      this.#writeThenSettle([this.#events.cancelled(by)], { status: 'cancelled' });
      return;
    }
    this.#abort.controller.abort(new TaskCancelled('cancelled'));
    this.#reviewWaiter?.({ type: 'aborted' });
  }

  /**
   * A person took the task over (`task.taken_over`, stored): the agent stops working on it now
   * (a running generation is aborted; a pending task does not start) and waits for the person.
   * Ignored once the task has moved on, as the reducer ignores it: finished, or its version
   * already stored at the review gate.
   */
  takeOver(by: Actor): void {
    if (this.#phase === 'finished' || this.#takenOver || this.#cancel) return;
    if (this.#phase === 'review' && this.#reviewStored) return;
    this.#takenOver = by;
    this.#fenceCause?.();
    if (this.#phase !== 'waiting') this.#work.controller.abort(new TaskTakenOver('taken over'));
  }

  /** The person gave the task back (`task.handed_back`): the agent works on it again, from their draft. */
  handBack(draft: { title: string; markdown: string } | undefined): void {
    if (!this.#takenOver || this.#phase === 'finished') return;
    this.#takenOver = undefined;
    this.#nextRound();
    const guidance = handBackFeedback(draft);
    if (this.#phase === 'waiting') {
      const pending = this.#pendingStart;
      this.#pendingStart = undefined;
      if (pending) this.start([...pending, guidance]);
      else this.#handBacks.push(guidance);
      return;
    }
    this.#toPerson({ type: 'handed-back', guidance });
  }

  /** Hands the person's step to the task waiting for it, or keeps it until the task waits. */
  #toPerson(step: PersonStep): void {
    if (this.#personWaiter) this.#personWaiter(step);
    else this.#personStep = step;
  }

  /** The person finished the task (`task.marked_done`): their text becomes its deliverable, theirs. */
  markDone(title: string, markdown: string, by: Actor): void {
    if (!this.#takenOver || this.#phase === 'finished') return;
    this.#takenOver = undefined;
    this.#nextRound();
    if (this.#phase === 'waiting') {
      this.#phase = 'queued';
      this.#personDeliverable(title, markdown, by).then(
        (outcome) => this.#finish(outcome),
        () => this.#finish({ status: 'stopped' }),
      );
      return;
    }
    this.#toPerson({ type: 'done', title, markdown, by });
  }

  /** A hand-back or a person's completion starts a new round: fresh work, written under the new round. */
  #nextRound(): void {
    this.#round += 1;
    this.#events.round = this.#round;
    this.#work.dispose();
    this.#work = linkedController(this.#abort.controller.signal);
  }

  /** A dependency failed, was cancelled or is blocked: this task will never run. */
  block(reason: string): void {
    if (this.#phase !== 'waiting') return;
    this.#phase = 'finished';
    this.#writeThenSettle([this.#events.blocked(reason)], { status: 'blocked' });
  }

  /** A `restart` steer names this task: abort the current generation and generate again with the guidance. */
  restart(): void {
    if (this.#phase === 'generating') this.#generation?.interrupt('restart');
  }

  /**
   * The run was paused: the current generation stops now (its partial text stays in the log as a
   * restarted message) and runs again from the start once the run resumes.
   */
  pause(): void {
    if (this.#phase === 'generating') this.#generation?.interrupt('pause');
  }

  /** A review decision for this task; ignored unless the task waits at its review gate. */
  review(decision: ReviewDecision): void {
    if (this.#phase === 'review') this.#reviewWaiter?.(decision);
  }

  #finish(outcome: TaskOutcome): void {
    this.#phase = 'finished';
    this.#work.dispose();
    this.#abort.dispose();
    this.#settle(outcome);
  }

  #writeThenSettle(events: SessionEvent[], outcome: TaskOutcome): void {
    this.shared.append(events).then(
      () => this.#finish(outcome),
      () => this.#finish({ status: 'stopped' }),
    );
  }

  /** The stop `reason` means for this task (see `_task-stop.ts`); the run's stopping overrides any other. */
  #stopOf(reason: unknown): TaskStop | undefined {
    return stopOf(reason, this.shared.signal);
  }

  /**
   * Ends the agent's round by the stop rule: only a cancel writes (the partial message's
   * `closing`, then `task.cancelled`); a fence, a take-over or the run stopping writes nothing.
   * A fence whose reason has not arrived yet (the take-over or cancel is stored, its control on
   * the way) waits for it, so the task never guesses.
   */
  async #stopped(stop: TaskStop, closing: SessionEvent[] = []): Promise<RoundOutcome> {
    // A take-over whose hand-back (or the person's completion) came at once leaves its step waiting.
    const takenOver = () => this.#takenOver !== undefined || this.#personStep !== undefined;
    if (stop === 'fenced' && !this.#cancel && !takenOver() && !this.shared.signal.aborted) {
      await new Promise<void>((resolve) => {
        this.#fenceCause = resolve;
      });
      this.#fenceCause = undefined;
    }
    if (stop === 'run-stopped' || this.shared.signal.aborted) return { status: 'stopped' };
    if (stop === 'fenced') return this.#cancel ? { status: 'cancelled' } : takenOver() ? { status: 'taken-over' } : { status: 'stopped' };
    if (stop === 'taken-over' && !this.#cancel) return { status: 'taken-over' };
    // A cancel of a task taken over mid-generation: the take-over ended the agent's message already.
    await this.#append([...(stop === 'taken-over' ? [] : closing), this.#events.cancelled(this.#cancel?.by)]);
    return { status: 'cancelled' };
  }

  /** After the task's signal fired outside a generation: its reason is the stop. */
  async #afterAbort(): Promise<TaskOutcome> {
    const outcome = await this.#stopped(this.#stopOf(this.#abort.controller.signal.reason) ?? 'run-stopped');
    return outcome.status === 'taken-over' ? { status: 'stopped' } : outcome;
  }

  /** After the round's signal fired outside a generation (a take-over, a cancel, the run stopping). */
  #afterWorkAbort(signal: AbortSignal): Promise<RoundOutcome> {
    // The round's own signal: a hand-back may already have opened the next round.
    return this.#stopped(this.#stopOf(signal.reason) ?? 'run-stopped');
  }

  /** Waits for the person who took the task over: a hand-back, their completion, or the task's end. */
  #awaitPerson(): Promise<PersonStep> {
    if (this.#abort.controller.signal.aborted) return Promise.resolve({ type: 'aborted' });
    const early = this.#personStep;
    this.#personStep = undefined;
    if (early) return Promise.resolve(early);
    return new Promise<PersonStep>((resolve) => {
      this.#personWaiter = (step) => {
        this.#personWaiter = undefined;
        resolve(step);
      };
    });
  }

  /** Writes the person's text as the task's deliverable (theirs, in the new round) and completes the task. */
  async #personDeliverable(title: string, markdown: string, by: Actor): Promise<TaskOutcome> {
    const deliverable = taskDeliverable(this.shared.team, this.shared.runId, this.task, markdown, false, title);
    try {
      if ('error' in deliverable) {
        await this.#append([this.#events.failed(deliverable.error)]);
        return { status: 'failed', error: deliverable.error };
      }
      this.#deliverable = deliverable;
      this.#version += 1;
      this.#rewriting = false;
      await this.#append([this.#events.deliverableCreated(deliverable, by), this.#events.completed(deliverable.id)]);
      return { status: 'done', deliverable };
    } catch (error) {
      const stop = this.#stopOf(error);
      if (!stop) throw error;
      const outcome = await this.#stopped(stop);
      return outcome.status === 'taken-over' ? { status: 'stopped' } : outcome;
    }
  }

  /** Appends through the run (a run-level fence throws `RunStopped`; a task-level one `FencedError`, both stops). */
  async #append(events: SessionEvent[]): Promise<void> {
    await this.shared.append(events);
  }

  /** The agent's rounds of work on the task, with the person's turns between them when it is taken over. */
  async #run(initialGuidance: readonly string[]): Promise<TaskOutcome> {
    const guidance: string[] = [...initialGuidance];
    for (;;) {
      const outcome = await this.#agentRound(guidance);
      if (outcome.status !== 'taken-over') return outcome;
      this.#phase = 'queued';
      const step = await this.#awaitPerson();
      if (step.type === 'aborted') return await this.#afterAbort();
      if (step.type === 'done') return await this.#personDeliverable(step.title, step.markdown, step.by);
      guidance.push(step.guidance);
    }
  }

  async #agentRound(guidance: string[]): Promise<RoundOutcome> {
    const signal = this.#work.controller.signal;
    try {
      for (;;) {
        this.#phase = 'queued';
        let release: () => void;
        try {
          // A paused run starts no task.
          await this.shared.pause.pass(signal);
          release = await this.shared.limiter.acquire(signal);
        } catch {
          return await this.#afterWorkAbort(signal);
        }
        let text: string;
        try {
          await this.#append([this.#events.started()]);
          const result = await this.#generate(guidance);
          if ('status' in result) return result;
          text = result.text;
        } finally {
          release();
        }
        const deliverable = taskDeliverable(this.shared.team, this.shared.runId, this.task, text, this.#provider.offline);
        if ('error' in deliverable) {
          await this.#append([this.#events.failed(deliverable.error)]);
          return { status: 'failed', error: deliverable.error };
        }
        this.#deliverable = deliverable;
        this.#version += 1;
        this.#rewriting = false;
        const created = this.#events.deliverableCreated(deliverable);
        const completed = this.#events.completed(deliverable.id);
        if (!this.task.review) {
          await this.#append([created, completed]);
          return { status: 'done', deliverable };
        }
        const answer = await this.#awaitReview([created, this.#events.reviewRequested(deliverable.id), completed]);
        if (answer.type === 'approved') return { status: 'done', deliverable: this.#deliverable ?? deliverable };
        if (answer.type === 'aborted') return await this.#afterWorkAbort(signal);
        this.#rewriting = true;
        guidance.push(answer.comment);
      }
    } catch (error) {
      const stop = this.#stopOf(error);
      if (stop) return await this.#stopped(stop);
      throw error;
    }
  }

  /** Writes the new version with its review request, then waits for a person's decision (or the task's abort). */
  async #awaitReview(events: SessionEvent[]): Promise<ReviewDecision | { type: 'aborted' }> {
    this.#phase = 'review';
    this.#reviewStored = false;
    const decision = new Promise<ReviewDecision | { type: 'aborted' }>((resolve) => {
      this.#reviewWaiter = resolve;
    });
    const onAbort = () => this.#reviewWaiter?.({ type: 'aborted' });
    this.#abort.controller.signal.addEventListener('abort', onAbort, { once: true });
    try {
      await this.#append(events);
      // Stored before any take-over: the take-over came too late and changes nothing.
      this.#reviewStored = true;
      if (this.#takenOver) this.#takenOver = undefined;
      return await decision;
    } finally {
      this.#reviewWaiter = undefined;
      this.#reviewStored = false;
      this.#abort.controller.signal.removeEventListener('abort', onAbort);
    }
  }

  #request(guidance: readonly string[]): ModelRequest {
    const inputs = this.task.dependsOn.flatMap((id) => {
      const deliverable = this.shared.deliverables.get(id);
      return deliverable ? [deliverable] : [];
    });
    // Steering comes only from stored `steer.submitted` events; reviewer comments get their own section.
    const steers = this.shared.steers.forTask(this.task).map((steer) => steer.event.instruction);
    return buildSkillRequest({ team: this.shared.team, skill: this.task.skill, brief: this.shared.brief, inputs, steers, reviewFeedback: guidance });
  }

  /**
   * Generates until a generation succeeds (restarting on `restart` steers, retrying retryable
   * failures up to the task's attempts), or the task is cancelled, fails or the run stops.
   */
  async #generate(guidance: readonly string[]): Promise<{ text: string } | RoundOutcome> {
    const signal = this.#work.controller.signal;
    for (let failures = 0; ; ) {
      try {
        await this.shared.pause.pass(signal);
      } catch {
        return await this.#afterWorkAbort(signal);
      }
      const applied = this.shared.steers.takeUnapplied(this.task).map((steer) => this.#events.steerApplied(steer.offset));
      let request: ModelRequest;
      try {
        request = this.#request(guidance);
      } catch (error) {
        const failure = internalError(error);
        await this.#append([this.#events.failed(failure)]);
        return { status: 'failed', error: failure };
      }
      const generation = this.#startGeneration();
      let result;
      try {
        result = await generation.run(request, applied);
      } finally {
        this.#generation = undefined;
        this.#phase = 'queued';
      }
      if (result.ok) {
        await this.#append(generation.closing('end'));
        return { text: result.text };
      }
      // The generation's own error first (a refused write), then why the round's signal fired (a cancel, a take-over).
      const stop = this.#stopOf(result.error) ?? this.#stopOf(signal.reason);
      if (stop) return await this.#stopped(stop, generation.closing('cancelled'));
      if (result.interrupted) {
        await this.#append(generation.closing('restarted'));
        continue;
      }
      const error = result.error instanceof ModelError ? result.error.toRunError() : internalError(result.error);
      await this.#append(generation.closing('error'));
      failures++;
      if (error.retryable && failures < this.shared.settings.taskAttempts) {
        try {
          await sleep(this.shared.settings.taskRetryDelayMs * 2 ** (failures - 1), undefined, { signal });
        } catch {
          return await this.#afterWorkAbort(signal);
        }
        continue;
      }
      await this.#append([this.#events.failed(error)]);
      return { status: 'failed', error };
    }
  }

  /** A new generation, interruptible by `restart` and `pause` from now on. */
  #startGeneration(): TaskGeneration {
    const generation = new TaskGeneration({
      provider: this.#provider,
      events: this.#events,
      settings: this.shared.settings,
      signal: this.#work.controller.signal,
      append: (events) => this.#append(events),
      nextMessageId: () => composeId(this.task.id, `m${++this.#messages}`),
    });
    this.#generation = generation;
    this.#phase = 'generating';
    // Paused between the gate and here: stop before the model is called.
    if (this.shared.pause.paused) this.pause();
    return generation;
  }
}
