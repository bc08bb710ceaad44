import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeliverableSchema,
  applyDeliverableContent,
  type DeliverableContent,
  buildSkillRequest,
  parseDeliverable,
  type Actor,
  type Deliverable,
  type ModelRequest,
  type ModelUsage,
  type PlannedTask,
  type RunError,
  type SessionEvent,
} from '@marketing-team/core';
import { ModelError } from '../models/model-error.js';
import { FencedError } from '../stores/session-store.js';
import { DeltaWriter } from './_delta-writer.js';
import { composeId } from './_ids.js';
import { linkedController } from './_link-signal.js';
import { RunStopped, type RunShared } from './_run-shared.js';
import { StallWatch } from './_stall-watch.js';

/** How a task ended. */
export type TaskOutcome =
  | { status: 'done'; deliverable: Deliverable }
  | { status: 'failed'; error: RunError }
  | { status: 'cancelled' }
  | { status: 'blocked' }
  /** The run stopped as a whole; nothing more may be written. */
  | { status: 'stopped' };

/** A decision on a task waiting at a review gate. */
export type ReviewDecision = { type: 'approved' } | { type: 'changes_requested'; comment: string };

type Phase = 'waiting' | 'queued' | 'generating' | 'review' | 'finished';

/** One generation: the text it streamed and the usage it reported, and why it ended. */
interface Generation {
  messageId: string;
  text: string;
  usage: ModelUsage | undefined;
  error: unknown;
  ok: boolean;
}

const zeroUsage = (): ModelUsage => ({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 });

/** Marks a task's abort as a scoped cancel, as opposed to the whole run stopping. */
class TaskCancelled extends Error {
  override readonly name = 'TaskCancelled';
}

/**
 * Runs one planned task as its agent: takes a concurrency slot, generates with the model
 * (appending `message.*` and `text.delta` straight into the session log), handles restarts from
 * steers, task-level retries and scoped cancels, publishes the deliverable, and waits at a review
 * gate when the task has one.
 */
export class TaskExecution {
  #phase: Phase = 'waiting';
  readonly #abort: ReturnType<typeof linkedController>;
  #cancelledBy: Actor | undefined;
  #cancelRequested = false;
  #generation: AbortController | undefined;
  #restartRequested = false;
  /** The run was paused during the current generation: it stops, and starts over once the run resumes. */
  #pauseRequested = false;
  #reviewWaiter: ((decision: ReviewDecision | { type: 'aborted' }) => void) | undefined;
  #messages = 0;
  #deliverable: Deliverable | undefined;
  /** True from a review's request for changes until the new version is written. */
  #rewriting = false;
  /** The deliverable's version, as `SessionState.deliverableVersions` counts it. */
  #version = 0;
  #settle!: (outcome: TaskOutcome) => void;
  /** Resolves once the task has reached its final state (and written it). */
  readonly settled: Promise<TaskOutcome>;

  constructor(
    readonly task: PlannedTask,
    private readonly shared: RunShared,
  ) {
    this.#abort = linkedController(shared.signal);
    this.settled = new Promise((resolve) => {
      this.#settle = resolve;
    });
    // A task that never started ends silently when the whole run stops.
    this.#abort.controller.signal.addEventListener(
      'abort',
      () => {
        if (this.#phase === 'waiting' && shared.signal.aborted) this.#finish({ status: 'stopped' });
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

  /** Starts the task; its dependencies are done. `guidance` applies from its first generation (a regeneration's instruction). */
  start(guidance: readonly string[] = []): void {
    if (this.#phase !== 'waiting') return;
    this.#phase = 'queued';
    this.#run(guidance).then(
      (outcome) => this.#finish(outcome),
      (error: unknown) => {
        if (error instanceof RunStopped || this.shared.signal.aborted) {
          this.#finish({ status: 'stopped' });
          return;
        }
        // An unexpected failure still leaves a terminal event for the task, when the log takes it.
        const failure = internalError(error);
        const event: SessionEvent = { type: 'task.failed', runId: this.shared.runId, taskId: this.task.id, agent: this.task.agent, error: failure };
        this.shared.append([event]).then(
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
    const { runId } = this.shared;
    const task = this.task;
    const deliverable = { ...previous, id: composeId(task.id, 'deliverable'), runId, taskId: task.id, agent: task.agent } as Deliverable;
    this.#deliverable = deliverable;
    this.#version = 1;
    this.#writeThenSettle(
      [
        { type: 'task.started', runId, taskId: task.id, agent: task.agent },
        { type: 'deliverable.created', runId, taskId: task.id, deliverable },
        { type: 'task.completed', runId, taskId: task.id, agent: task.agent, deliverableId: deliverable.id },
      ],
      { status: 'done', deliverable },
    );
  }

  /** A scoped cancel: aborts the model call at once; the task then writes `task.cancelled`. */
  cancel(by: Actor | undefined): void {
    if (this.#phase === 'finished' || this.#cancelRequested) return;
    this.#cancelRequested = true;
    this.#cancelledBy = by;
    if (this.#phase === 'waiting') {
      this.#phase = 'finished';
      this.#writeThenSettle([this.#cancelledEvent()], { status: 'cancelled' });
      return;
    }
    this.#abort.controller.abort(new TaskCancelled('cancelled'));
    this.#reviewWaiter?.({ type: 'aborted' });
  }

  /** A dependency failed, was cancelled or is blocked: this task will never run. */
  block(reason: string): void {
    if (this.#phase !== 'waiting') return;
    this.#phase = 'finished';
    const event: SessionEvent = { type: 'task.blocked', runId: this.shared.runId, taskId: this.task.id, reason: reason.slice(0, 1000) };
    this.#writeThenSettle([event], { status: 'blocked' });
  }

  /** A `restart` steer names this task: abort the current generation and generate again with the guidance. */
  restart(): void {
    if (this.#phase !== 'generating' || !this.#generation) return;
    this.#restartRequested = true;
    this.#generation.abort(new Error('restarted by a steer'));
  }

  /**
   * The run was paused: the current generation stops now (its partial text stays in the log as a
   * restarted message) and runs again from the start once the run resumes.
   */
  pause(): void {
    if (this.#phase !== 'generating' || !this.#generation) return;
    this.#pauseRequested = true;
    this.#generation.abort(new Error('paused'));
  }

  /** A review decision for this task; ignored unless the task waits at its review gate. */
  review(decision: ReviewDecision): void {
    if (this.#phase === 'review') this.#reviewWaiter?.(decision);
  }

  #finish(outcome: TaskOutcome): void {
    this.#phase = 'finished';
    this.#abort.dispose();
    this.#settle(outcome);
  }

  #writeThenSettle(events: SessionEvent[], outcome: TaskOutcome): void {
    this.shared.append(events).then(
      () => this.#finish(outcome),
      () => this.#finish({ status: 'stopped' }),
    );
  }

  #cancelledEvent(): SessionEvent {
    return {
      type: 'task.cancelled',
      runId: this.shared.runId,
      taskId: this.task.id,
      ...(this.#cancelledBy ? { by: this.#cancelledBy } : {}),
    };
  }

  /** Appends through the run (a run-level fence throws `RunStopped`; a task-level one `FencedError`, handled in `#run`). */
  async #append(events: SessionEvent[]): Promise<void> {
    await this.shared.append(events);
  }

  async #run(initialGuidance: readonly string[]): Promise<TaskOutcome> {
    const { runId } = this.shared;
    const task = this.task;
    const guidance: string[] = [...initialGuidance];
    try {
      for (;;) {
        this.#phase = 'queued';
        let release: () => void;
        try {
          // A paused run starts no task.
          await this.shared.pause.pass(this.#abort.controller.signal);
          release = await this.shared.limiter.acquire(this.#abort.controller.signal);
        } catch {
          return await this.#afterAbort();
        }
        let text: string;
        try {
          await this.#append([{ type: 'task.started', runId, taskId: task.id, agent: task.agent }]);
          const result = await this.#generate(guidance);
          if ('status' in result) return result;
          text = result.text;
        } finally {
          release();
        }
        const deliverable = this.#parse(text);
        if ('error' in deliverable) {
          await this.#append([{ type: 'task.failed', runId, taskId: task.id, agent: task.agent, error: deliverable.error }]);
          return { status: 'failed', error: deliverable.error };
        }
        this.#deliverable = deliverable;
        this.#version += 1;
        this.#rewriting = false;
        const created: SessionEvent = { type: 'deliverable.created', runId, taskId: task.id, deliverable };
        const completed: SessionEvent = { type: 'task.completed', runId, taskId: task.id, agent: task.agent, deliverableId: deliverable.id };
        if (!task.review) {
          await this.#append([created, completed]);
          return { status: 'done', deliverable };
        }
        this.#phase = 'review';
        const decision = new Promise<ReviewDecision | { type: 'aborted' }>((resolve) => {
          this.#reviewWaiter = resolve;
        });
        const onAbort = () => this.#reviewWaiter?.({ type: 'aborted' });
        this.#abort.controller.signal.addEventListener('abort', onAbort, { once: true });
        try {
          await this.#append([created, { type: 'review.requested', runId, taskId: task.id, deliverableId: deliverable.id }, completed]);
          const answer = await decision;
          if (answer.type === 'approved') return { status: 'done', deliverable: this.#deliverable ?? deliverable };
          if (answer.type === 'aborted') return await this.#afterAbort();
          this.#rewriting = true;
          guidance.push(answer.comment);
        } finally {
          this.#reviewWaiter = undefined;
          this.#abort.controller.signal.removeEventListener('abort', onAbort);
        }
      }
    } catch (error) {
      if (error instanceof RunStopped) return { status: 'stopped' };
      if (error instanceof FencedError) return { status: this.#cancelRequested ? 'cancelled' : 'stopped' };
      throw error;
    }
  }

  /** After the task's signal fired outside a generation: a scoped cancel writes `task.cancelled`; a run stop writes nothing. */
  async #afterAbort(): Promise<TaskOutcome> {
    if (!this.#cancelRequested || this.shared.signal.aborted) return { status: 'stopped' };
    await this.#append([this.#cancelledEvent()]);
    return { status: 'cancelled' };
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
  async #generate(guidance: readonly string[]): Promise<{ text: string } | TaskOutcome> {
    const { runId } = this.shared;
    const task = this.task;
    for (let failures = 0; ; ) {
      try {
        await this.shared.pause.pass(this.#abort.controller.signal);
      } catch {
        return await this.#afterAbort();
      }
      const applied: SessionEvent[] = this.shared.steers.takeUnapplied(task).map((steer) => ({
        type: 'steer.applied',
        runId,
        taskId: task.id,
        agent: task.agent,
        steerOffset: steer.offset,
      }));
      let request: ModelRequest;
      try {
        request = this.#request(guidance);
      } catch (error) {
        const failure = internalError(error);
        await this.#append([{ type: 'task.failed', runId, taskId: task.id, agent: task.agent, error: failure }]);
        return { status: 'failed', error: failure };
      }
      const generation = await this.#stream(request, applied);
      const closing = (stopReason: 'end' | 'cancelled' | 'error' | 'restarted'): SessionEvent[] => [
        { type: 'message.completed', runId, taskId: task.id, agent: task.agent, messageId: generation.messageId, text: generation.text, stopReason },
        ...this.#usageEvents(generation.usage),
      ];
      if (generation.ok) {
        await this.#append(closing('end'));
        return { text: generation.text };
      }
      if (this.shared.signal.aborted || generation.error instanceof RunStopped) throw new RunStopped('run stopped');
      if (generation.error instanceof FencedError) return { status: this.#cancelRequested ? 'cancelled' : 'stopped' };
      if (this.#cancelRequested) {
        await this.#append([...closing('cancelled'), this.#cancelledEvent()]);
        return { status: 'cancelled' };
      }
      if (this.#restartRequested || this.#pauseRequested) {
        await this.#append(closing('restarted'));
        continue;
      }
      const error = generation.error instanceof ModelError ? generation.error.toRunError() : internalError(generation.error);
      await this.#append(closing('error'));
      failures++;
      if (error.retryable && failures < this.shared.settings.taskAttempts) {
        try {
          await sleep(this.shared.settings.taskRetryDelayMs * 2 ** (failures - 1), undefined, { signal: this.#abort.controller.signal });
        } catch {
          return await this.#afterAbort();
        }
        continue;
      }
      await this.#append([{ type: 'task.failed', runId, taskId: task.id, agent: task.agent, error }]);
      return { status: 'failed', error };
    }
  }

  #usageEvents(usage: ModelUsage | undefined): SessionEvent[] {
    if (!usage) return [];
    const cost = this.#provider.cost(usage);
    return [
      {
        type: 'usage',
        runId: this.shared.runId,
        taskId: this.task.id,
        agent: this.task.agent,
        skill: this.task.skill,
        ...usage,
        costUsd: Number.isFinite(cost) && cost > 0 ? cost : 0,
      },
    ];
  }

  #nextMessageId(): string {
    this.#messages += 1;
    return composeId(this.task.id, `m${this.#messages}`);
  }

  /** Streams one generation into the log: `message.started`, coalesced `text.delta`s. The caller closes the message. */
  async #stream(request: ModelRequest, before: SessionEvent[]): Promise<Generation> {
    const { runId } = this.shared;
    const provider = this.#provider;
    const task = this.task;
    const started = (messageId: string): SessionEvent => ({
      type: 'message.started',
      runId,
      taskId: task.id,
      agent: task.agent,
      messageId,
      offline: provider.offline,
    });
    const generation: Generation = { messageId: this.#nextMessageId(), text: '', usage: undefined, error: undefined, ok: false };
    const link = linkedController(this.#abort.controller.signal);
    this.#generation = link.controller;
    this.#restartRequested = false;
    this.#pauseRequested = false;
    this.#phase = 'generating';
    // Paused between the gate and here: stop before the model is called.
    if (this.shared.pause.paused) this.pause();
    const watch = this.#watch(generation);
    const writerFor = (messageId: string) =>
      new DeltaWriter(
        (text) => this.#append([{ type: 'text.delta', runId, taskId: task.id, agent: task.agent, messageId, text }]),
        this.shared.settings.coalesceMs,
        this.shared.settings.maxDeltaChars,
        // The log refused a delta (the run or task is fenced): stop generating at once.
        (error) => link.controller.abort(error),
      );
    let writer = writerFor(generation.messageId);
    try {
      await this.#append([...before, started(generation.messageId)]);
      for await (const event of provider.stream(request, link.controller.signal)) {
        watch?.beat(event.type === 'retry' ? event.delayMs : 0);
        if (event.type === 'text') {
          generation.text += event.text;
          writer.push(event.text);
        } else if (event.type === 'usage') {
          const usage = (generation.usage ??= zeroUsage());
          usage.inputTokens += event.usage.inputTokens;
          usage.outputTokens += event.usage.outputTokens;
          usage.cacheReadTokens += event.usage.cacheReadTokens;
          usage.cacheWriteTokens += event.usage.cacheWriteTokens;
        } else if (event.type === 'retry' && generation.text.length > 0) {
          // The provider starts the text over: close the partial message, keep it in the log, open a new one.
          await writer.drain();
          const next = this.#nextMessageId();
          await this.#append([
            { type: 'message.completed', runId, taskId: task.id, agent: task.agent, messageId: generation.messageId, text: generation.text, stopReason: 'error' },
            started(next),
          ]);
          generation.messageId = next;
          generation.text = '';
          writer = writerFor(next);
        }
      }
      await writer.drain();
      generation.ok = !link.controller.signal.aborted;
      if (!generation.ok) generation.error = link.controller.signal.reason;
    } catch (error) {
      // A failed delta append aborted the stream; report the append's error rather than the AbortError.
      generation.error = link.controller.signal.aborted && isAppendFailure(link.controller.signal.reason) ? link.controller.signal.reason : error;
      // Partial output stays in the log, unless the log itself is what refused it.
      if (!isAppendFailure(generation.error)) await writer.drain().catch(() => undefined);
      else writer.discard();
    } finally {
      watch?.stop();
      link.dispose();
      this.#generation = undefined;
      this.#phase = 'queued';
    }
    return generation;
  }

  /**
   * The generation's heartbeat: a stall (no chunk, no retry for `stallAfterMs`) is recorded as
   * `task.stalled`, the progress after it as `task.resumed`. A write the log refuses (the run
   * ended meanwhile) is dropped: the run's end says more.
   */
  #watch(generation: Generation): StallWatch | undefined {
    const windowMs = this.shared.settings.stallAfterMs;
    if (windowMs <= 0) return undefined;
    const { runId } = this.shared;
    const { id: taskId, agent } = this.task;
    const write = (event: SessionEvent) => void this.#append([event]).catch(() => undefined);
    return new StallWatch(
      windowMs,
      (sinceMs) => {
        const what = generation.text.length > 0 ? 'no more output' : 'no output yet';
        write({ type: 'task.stalled', runId, taskId, agent, sinceMs, reason: `the model has sent ${what} for ${Math.round(sinceMs / 1000)} s` });
      },
      (stalledMs) => write({ type: 'task.resumed', runId, taskId, agent, stalledMs }),
    );
  }

  #parse(text: string): Deliverable | { error: RunError } {
    const skill = this.shared.team.skill(this.task.skill);
    if (!skill) return { error: { code: 'internal', message: `the team has no skill "${this.task.skill}"`, retryable: false } };
    try {
      const deliverable = parseDeliverable({
        kind: skill.output,
        text,
        id: composeId(this.task.id, 'deliverable'),
        runId: this.shared.runId,
        taskId: this.task.id,
        agent: this.task.agent,
        skill: skill.name,
        offline: this.#provider.offline,
        brand: { bannedTerms: this.shared.team.brand.bannedTerms, requiredDisclaimers: this.shared.team.brand.requiredDisclaimers },
      });
      // The store validates too; checking here turns a bad deliverable into a typed task failure.
      const checked = DeliverableSchema.safeParse(deliverable);
      if (!checked.success) {
        const issue = checked.error.issues[0];
        return { error: { code: 'invalid_output', message: `deliverable.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`.slice(0, 2000), retryable: false } };
      }
      return checked.data;
    } catch (error) {
      return { error: { code: 'invalid_output', message: String(error instanceof Error ? error.message : error).slice(0, 2000), retryable: false } };
    }
  }
}

function isAppendFailure(error: unknown): boolean {
  return error instanceof RunStopped || error instanceof FencedError;
}

function internalError(error: unknown): RunError {
  return { code: 'internal', message: (error instanceof Error ? error.message : String(error)).slice(0, 2000), retryable: false };
}
