import { isRunTerminalEvent, type Actor, type SessionEvent, type SessionRecord } from '@marketing-team/core';
import { FencedError, type SessionStore } from '../stores/session-store.js';
import type { RunBaseContext, RunControl, RunLauncher } from '../runtime/run-launcher.js';

/** Events the launcher hears about through `onControl` (a whole-run cancel is handled here). */
const CONTROL_TYPES = new Set<string>(['cancel.requested', 'steer.submitted', 'review.approved', 'review.changes_requested', 'run.paused', 'run.resumed']);

/** What the hub tells an owned run when it starts. */
export interface OwnedRunInit {
  store: SessionStore;
  session: string;
  runId: string;
  submittedBy: Actor;
  onSettled: () => void;
  onError: (error: unknown) => void;
}

/**
 * A run launched by this node. It keeps the run's abort controller and control listeners, and
 * makes sure exactly one terminal event is written for it.
 */
export class OwnedRun {
  readonly #init: OwnedRunInit;
  readonly #controller = new AbortController();
  readonly #listeners = new Set<(control: RunControl) => void>();
  readonly #inflight = new Set<Promise<unknown>>();
  #ended = false;
  #cancelling = false;
  #stopping: Promise<void> | undefined;
  #settled: Promise<void> = Promise.resolve();

  constructor(init: OwnedRunInit) {
    this.#init = init;
  }

  get runId(): string {
    return this.#init.runId;
  }

  /** Starts the launcher (given what every run gets; it adds what its kind of run needs); never rejects. */
  start(launcher: RunLauncher<RunBaseContext>): void {
    const { session, runId, submittedBy } = this.#init;
    const context: RunBaseContext = {
      session,
      runId,
      submittedBy,
      signal: this.#controller.signal,
      append: (events) => this.#append(events),
      onControl: (listener) => {
        this.#listeners.add(listener);
        return () => this.#listeners.delete(listener);
      },
    };
    let launched: Promise<void>;
    try {
      launched = Promise.resolve(launcher.launch(context));
    } catch (error) {
      launched = Promise.reject(error);
    }
    this.#settled = launched
      .then(
        () => (this.#ended || this.#cancelling ? undefined : this.#fail('the run ended without a result')),
        (error: unknown) => {
          if (this.#ended || this.#cancelling || error instanceof FencedError) return undefined;
          this.#init.onError(error);
          return this.#fail('the run failed');
        },
      )
      .catch((error: unknown) => this.#init.onError(error))
      .then(() => this.#stopping)
      .finally(() => this.#settle());
  }

  /** A record of the session log, seen in order; the run reacts to its own control events. */
  observe(record: SessionRecord): void {
    const event = record.event;
    if (!('runId' in event) || event.runId !== this.#init.runId) return;
    if (isRunTerminalEvent(event.type)) {
      this.#ended = true;
    } else if (event.type === 'cancel.requested' && !event.scope) {
      void this.cancel(event.by, event.reason);
    } else if (CONTROL_TYPES.has(event.type)) {
      const control = { event, offset: record.offset } as RunControl;
      for (const listener of this.#listeners) {
        try {
          listener(control);
        } catch (error) {
          this.#init.onError(error);
        }
      }
    }
  }

  /** Aborts the run and appends `run.cancelled` once, after any append already under way. */
  cancel(by: Actor, reason?: string): Promise<void> {
    return this.#stop({ type: 'run.cancelled', runId: this.#init.runId, by, ...(reason ? { reason } : {}) });
  }

  /** Aborts the run because this node is going away; the run is recorded as interrupted. */
  interrupt(reason: string): Promise<void> {
    return this.#stop({ type: 'run.interrupted', runId: this.#init.runId, reason });
  }

  /** Resolves once the launcher has returned and any terminal event has been written. */
  get settled(): Promise<void> {
    return this.#settled;
  }

  #stop(terminal: SessionEvent): Promise<void> {
    if (this.#ended || this.#stopping) return this.#stopping ?? Promise.resolve();
    this.#cancelling = true;
    this.#controller.abort(new DOMException('run stopped', 'AbortError'));
    this.#stopping = (async () => {
      await Promise.allSettled([...this.#inflight]);
      if (!this.#ended) await this.#terminal(terminal);
    })();
    return this.#stopping;
  }

  #append(events: SessionEvent[]): Promise<SessionRecord[]> {
    // Once cancel starts, nothing more from the producer reaches the log.
    if (this.#controller.signal.aborted || this.#ended) return Promise.reject(new FencedError(this.#init.runId));
    const pending = this.#init.store.append(this.#init.session, events).then((result) => {
      if (events.some((event) => isRunTerminalEvent(event.type) && 'runId' in event && event.runId === this.#init.runId)) {
        this.#ended = true;
      }
      return result.records;
    });
    this.#inflight.add(pending);
    const forget = () => this.#inflight.delete(pending);
    pending.then(forget, forget);
    return pending;
  }

  async #fail(message: string): Promise<void> {
    await Promise.allSettled([...this.#inflight]);
    if (this.#ended) return;
    await this.#terminal({
      type: 'run.failed',
      runId: this.#init.runId,
      error: { code: 'internal', message, retryable: false },
    });
  }

  async #terminal(event: SessionEvent): Promise<void> {
    this.#ended = true;
    try {
      await this.#init.store.append(this.#init.session, [event]);
    } catch (error) {
      // Another terminal event got there first: the run has ended either way.
      if (!(error instanceof FencedError)) this.#init.onError(error);
    }
  }

  #settle(): void {
    this.#listeners.clear();
    this.#init.onSettled();
  }
}
