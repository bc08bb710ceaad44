import type { SessionEvent, SessionRecord, UnwatchedPolicy } from '@marketing-team/core';
import { FencedError } from '../stores/session-store.js';

/** What an `UnwatchedRun` needs from the session layer. */
export interface UnwatchedRunInit {
  runId: string;
  /** Appends to the session log (the run's own fence applies). */
  append(events: SessionEvent[]): Promise<unknown>;
  /** Cancels the run as the system, with this reason. */
  cancel(reason: string): Promise<void>;
  onError(error: unknown): void;
}

const SYSTEM = { kind: 'system' } as const;
const KEEP: UnwatchedPolicy = { action: 'keep' };

/**
 * Applies a run's `whenUnwatched` policy on the node that runs it, from the viewers this node
 * can see (its subscribers of the session): once nobody has watched for the policy's `afterMs`,
 * a `pause` run is recorded as `run.paused` (and as `run.resumed` when someone opens the session
 * again), a `cancel` run is cancelled by the system. The policy is the one `run.started`
 * records, else the brief's; every decision goes into the log.
 */
export class UnwatchedRun {
  readonly #init: UnwatchedRunInit;
  #policy: UnwatchedPolicy = KEEP;
  /** Set once `run.started` named the policy: it outranks the brief's. */
  #fromPlan = false;
  #viewers = 0;
  #unwatchedSince: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #paused = false;
  #done = false;
  /** Decisions are written one after the other, so a pause and the resume after it keep their order. */
  #writing: Promise<unknown> = Promise.resolve();

  constructor(init: UnwatchedRunInit, viewers: number, brief: UnwatchedPolicy | undefined) {
    this.#init = init;
    this.#viewers = viewers;
    if (viewers === 0) this.#unwatchedSince = Date.now();
    this.#adopt(brief, false);
  }

  /** A record of the run, in log order: its brief and plan name the policy; pauses are tracked. */
  observe(record: SessionRecord): void {
    const event = record.event;
    if (event.type === 'brief.submitted') this.#adopt(event.brief.whenUnwatched, false);
    else if (event.type === 'run.started') this.#adopt(event.whenUnwatched, true);
    else if (event.type === 'run.paused') this.#paused = true;
    else if (event.type === 'run.resumed') this.#paused = false;
  }

  /** How many subscribers of the session this node has now. */
  viewers(count: number): void {
    if (this.#done) return;
    const before = this.#viewers;
    this.#viewers = count;
    if (count > 0) {
      this.#unwatchedSince = undefined;
      clearTimeout(this.#timer);
      this.#timer = undefined;
      if (this.#paused) {
        this.#paused = false;
        this.#write({ type: 'run.resumed', runId: this.#init.runId, reason: 'someone opened the session again', by: SYSTEM });
      }
      return;
    }
    if (before > 0 || this.#unwatchedSince === undefined) this.#unwatchedSince = Date.now();
    this.#schedule();
  }

  /** The run ended (or this node lets it go): no more decisions. */
  dispose(): void {
    this.#done = true;
    clearTimeout(this.#timer);
  }

  #adopt(policy: UnwatchedPolicy | undefined, fromPlan: boolean): void {
    if (this.#fromPlan && !fromPlan) return;
    this.#fromPlan ||= fromPlan;
    const next = policy ?? (fromPlan ? this.#policy : KEEP);
    if (next === this.#policy) return;
    this.#policy = next;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#done || this.#timer || this.#viewers > 0 || this.#paused || this.#policy.action === 'keep') return;
    const since = this.#unwatchedSince ?? Date.now();
    const wait = Math.max(0, since + this.#policy.afterMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#act();
    }, wait);
    this.#timer.unref?.();
  }

  #act(): void {
    const policy = this.#policy;
    if (this.#done || this.#viewers > 0 || this.#paused || policy.action === 'keep') return;
    const unwatchedMs = Date.now() - (this.#unwatchedSince ?? Date.now());
    const seconds = Math.round(unwatchedMs / 1000);
    if (policy.action === 'pause') {
      this.#paused = true;
      this.#write({ type: 'run.paused', runId: this.#init.runId, reason: `nobody has watched the session for ${seconds} s`, unwatchedMs, by: SYSTEM });
      return;
    }
    this.#done = true;
    this.#writing = this.#writing.then(() => this.#init.cancel(`nobody watched for ${seconds} s`)).catch(this.#init.onError);
  }

  #write(event: SessionEvent): void {
    this.#writing = this.#writing
      .then(() => this.#init.append([event]))
      .catch((error: unknown) => {
        // The run ended meanwhile: its end says more than a pause would.
        if (!(error instanceof FencedError)) this.#init.onError(error);
      });
  }
}
