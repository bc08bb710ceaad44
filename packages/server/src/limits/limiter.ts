import { ProtocolError } from '@marketing-team/core';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { MemoryGauges, type ConcurrencyGauges } from './concurrency-gauges.js';
import type { ConnectionLimitName, LimitEvent, LimitName, ResolvedLimits } from './limit-options.js';
import { RedisGauges } from './redis-gauges.js';

/** Who is asking, as far as the limits care. Never holds the token itself. */
export interface LimitScope {
  subject?: string | undefined;
  session?: string | undefined;
  address?: string | undefined;
}

// Costs are counted in micro-dollars: the counters hold integers.
const MICRO = 1_000_000;
const DAY_SECONDS = 24 * 3600;

/**
 * Enforces {@link ResolvedLimits}: connection and run gauges, brief rates, stored bytes and
 * model budgets. Counters live in Redis when `limits.redis` is given (shared by every node),
 * otherwise in this process. Every refusal is a `ProtocolError` coded `rate_limited` whose
 * `field` names the limit, and is reported to `onLimit`.
 */
export class Limiter {
  readonly settings: ResolvedLimits;
  readonly #gauges: ConcurrencyGauges;
  readonly #briefs: Record<'principal' | 'session' | 'address', RateLimiterAbstract>;
  readonly #bytes: RateLimiterAbstract;
  readonly #dayTokens: RateLimiterAbstract;
  readonly #dayCost: RateLimiterAbstract;
  readonly #onLimit: (event: LimitEvent) => void;

  constructor(settings: ResolvedLimits, onError: (error: unknown) => void = () => undefined) {
    this.settings = settings;
    const { redis, keyPrefix } = settings;
    const make = (name: string, points: number, duration: number): RateLimiterAbstract =>
      redis
        ? new RateLimiterRedis({ storeClient: redis, keyPrefix: `${keyPrefix}${name}`, points, duration })
        : new RateLimiterMemory({ keyPrefix: name, points, duration });
    this.#gauges = redis ? new RedisGauges(redis, `${keyPrefix}gauge:`, 60_000, onError) : new MemoryGauges();
    this.#briefs = {
      principal: make('briefs-principal', settings.briefsPerMinutePerPrincipal, 60),
      session: make('briefs-session', settings.briefsPerMinutePerSession, 60),
      address: make('briefs-address', settings.briefsPerMinutePerAddress, 60),
    };
    // Duration 0: the stored bytes of a session never expire, like the events they count.
    this.#bytes = make('bytes-session', settings.storedBytesPerSession, 0);
    this.#dayTokens = make('day-tokens', settings.tokensPerDayPerPrincipal, DAY_SECONDS);
    this.#dayCost = make('day-cost', Math.round(settings.costPerDayPerPrincipalUsd * MICRO), DAY_SECONDS);
    const report = settings.onLimit ?? defaultReport;
    this.#onLimit = (event) => {
      try {
        report(event);
      } catch (error) {
        onError(error);
      }
    };
  }

  /** Reports a limit that was hit and returns the typed error to answer with. */
  refuse(limit: LimitName, scope: LimitScope & { runId?: string }, message: string): ProtocolError {
    this.report(limit, this.settings[limit], scope);
    return new ProtocolError('rate_limited', message, `limits.${limit}`);
  }

  /**
   * Reports a limit that was hit to `onLimit`, with who and where as far as known, and never
   * anything of the token. Transports call it for the per-connection limits they enforce.
   */
  report(limit: LimitName | ConnectionLimitName, max: number, scope: LimitScope & { runId?: string }): void {
    const event: LimitEvent = { type: 'limit.exceeded', limit, max, at: Date.now() };
    if (scope.subject !== undefined) event.subject = scope.subject;
    if (scope.session !== undefined) event.session = scope.session;
    if (scope.address !== undefined) event.address = scope.address;
    if (scope.runId !== undefined) event.runId = scope.runId;
    this.#onLimit(event);
  }

  /** The connection quota of one WebSocket or SSE stream; `holder` is unique to it. */
  connection(holder: string, address: string | undefined): ConnectionQuota {
    return new ConnectionQuota(this, this.#gauges, holder, address);
  }

  /**
   * Admits a client write before the hub stores it: a brief must fit the brief rates, the run
   * caps and the day's budget; any event must fit the session's stored bytes. Returns what to
   * call when nothing was stored after all (a refused or duplicate write), to give the bytes back.
   */
  async admitWrite(scope: LimitScope & { session: string; subject: string }, event: { type?: unknown } | undefined): Promise<() => void> {
    if (!event) return () => undefined;
    if (event.type === 'brief.submitted') await this.#admitBrief(scope);
    // Control events (cancel, steer) are small and must always get through.
    if (event.type === 'cancel.requested' || event.type === 'steer.submitted') return () => undefined;
    const bytes = Buffer.byteLength(JSON.stringify(event));
    try {
      await this.#bytes.consume(scope.session, bytes);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      // Refused bytes were never stored: take them back off the counter.
      await this.#bytes.reward(scope.session, bytes).catch(() => undefined);
      throw this.refuse('storedBytesPerSession', scope, `this session may store at most ${this.settings.storedBytesPerSession} bytes of client events`);
    }
    let refunded = false;
    return () => {
      if (refunded) return;
      refunded = true;
      void this.#bytes.reward(scope.session, bytes).catch(() => undefined);
    };
  }

  async #admitBrief(scope: LimitScope & { session: string; subject: string }): Promise<void> {
    const s = this.settings;
    const checks: Array<[LimitName, RateLimiterAbstract, string | undefined, string]> = [
      ['briefsPerMinutePerPrincipal', this.#briefs.principal, scope.subject, `at most ${s.briefsPerMinutePerPrincipal} briefs per minute per user`],
      ['briefsPerMinutePerSession', this.#briefs.session, scope.session, `at most ${s.briefsPerMinutePerSession} briefs per minute per session`],
      ['briefsPerMinutePerAddress', this.#briefs.address, scope.address, `at most ${s.briefsPerMinutePerAddress} briefs per minute per address`],
    ];
    for (const [limit, limiter, key, message] of checks) {
      if (key === undefined) continue;
      try {
        await limiter.consume(key, 1);
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        throw this.refuse(limit, scope, message);
      }
    }
    // Checked here for a prompt answer; the run takes its slot when it starts (see limitLauncher).
    if ((await this.#gauges.count(runKey('principal', scope.subject))) >= s.concurrentRunsPerPrincipal) {
      throw this.refuse('concurrentRunsPerPrincipal', scope, `at most ${s.concurrentRunsPerPrincipal} runs at once per user`);
    }
    if ((await this.#gauges.count(runKey('session', scope.session))) >= s.concurrentRunsPerSession) {
      throw this.refuse('concurrentRunsPerSession', scope, `at most ${s.concurrentRunsPerSession} runs at once per session`);
    }
    const [tokens, cost] = await Promise.all([this.#dayTokens.get(scope.subject), this.#dayCost.get(scope.subject)]);
    if ((tokens?.consumedPoints ?? 0) >= s.tokensPerDayPerPrincipal) {
      throw this.refuse('tokensPerDayPerPrincipal', scope, `this user's runs used their ${s.tokensPerDayPerPrincipal} model tokens for the day`);
    }
    if ((cost?.consumedPoints ?? 0) >= Math.round(s.costPerDayPerPrincipalUsd * MICRO)) {
      throw this.refuse('costPerDayPerPrincipalUsd', scope, `this user's runs reached their $${s.costPerDayPerPrincipalUsd} budget for the day`);
    }
  }

  /** Takes a running-run slot for the principal and the session; the refusal names the limit. */
  async startRun(scope: { subject: string; session: string; runId: string }): Promise<() => Promise<void>> {
    const holder = `${scope.session}/${scope.runId}`;
    const principal = runKey('principal', scope.subject);
    const session = runKey('session', scope.session);
    if (!(await this.#gauges.acquire(principal, holder, this.settings.concurrentRunsPerPrincipal))) {
      throw this.refuse('concurrentRunsPerPrincipal', scope, `at most ${this.settings.concurrentRunsPerPrincipal} runs at once per user`);
    }
    if (!(await this.#gauges.acquire(session, holder, this.settings.concurrentRunsPerSession))) {
      await this.#gauges.release(principal, holder);
      throw this.refuse('concurrentRunsPerSession', scope, `at most ${this.settings.concurrentRunsPerSession} runs at once per session`);
    }
    return async () => {
      await Promise.all([this.#gauges.release(principal, holder), this.#gauges.release(session, holder)]);
    };
  }

  /**
   * Counts model usage against the principal's day; returns the limit it exhausted, if any.
   * Usage already spent is never given back.
   */
  async spend(subject: string, tokens: number, costUsd: number): Promise<LimitName | undefined> {
    let exhausted: LimitName | undefined;
    const micro = Math.round(costUsd * MICRO);
    const charge = async (limiter: RateLimiterAbstract, points: number, limit: LimitName) => {
      if (points <= 0) return;
      try {
        await limiter.consume(subject, points);
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        exhausted ??= limit;
      }
    };
    await charge(this.#dayTokens, Math.round(tokens), 'tokensPerDayPerPrincipal');
    await charge(this.#dayCost, micro, 'costPerDayPerPrincipalUsd');
    return exhausted;
  }

  async close(): Promise<void> {
    await this.#gauges.close();
  }
}

/** The open-connection slots of one WebSocket or SSE stream. */
export class ConnectionQuota {
  readonly #limiter: Limiter;
  readonly #gauges: ConcurrencyGauges;
  readonly #holder: string;
  readonly address: string | undefined;
  readonly #held = new Set<string>();
  #closed = false;

  constructor(limiter: Limiter, gauges: ConcurrencyGauges, holder: string, address: string | undefined) {
    this.#limiter = limiter;
    this.#gauges = gauges;
    this.#holder = holder;
    this.address = address;
  }

  /** Counts the connection against its client address. */
  async open(): Promise<void> {
    if (this.address === undefined) return;
    await this.#take(`conn:address:${this.address}`, 'connectionsPerAddress', {}, 'connections from this address');
  }

  /** Counts the connection against a principal and a session it follows. */
  async join(subject: string, session: string): Promise<void> {
    const scope = { subject, session };
    await this.#take(`conn:principal:${subject}`, 'connectionsPerPrincipal', scope, 'connections per user');
    await this.#take(`conn:session:${session}`, 'connectionsPerSession', scope, 'connections per session');
  }

  /** The connection stopped following a session. */
  leave(session: string): void {
    this.#give(`conn:session:${session}`);
  }

  /** The connection closed: every slot it held is given back. */
  close(): void {
    this.#closed = true;
    for (const key of [...this.#held]) this.#give(key);
  }

  async #take(key: string, limit: LimitName, scope: LimitScope, what: string): Promise<void> {
    if (this.#held.has(key)) return;
    const max = this.#limiter.settings[limit];
    if (!(await this.#gauges.acquire(key, this.#holder, max))) {
      throw this.#limiter.refuse(limit, { ...scope, address: this.address }, `at most ${max} ${what}`);
    }
    this.#held.add(key);
    // Closed while Redis answered: give the slot straight back.
    if (this.#closed) this.#give(key);
  }

  #give(key: string): void {
    if (!this.#held.delete(key)) return;
    void this.#gauges.release(key, this.#holder).catch(() => undefined);
  }
}

function runKey(kind: 'principal' | 'session', id: string | undefined): string {
  return `runs:${kind}:${id ?? ''}`;
}

function defaultReport(event: LimitEvent): void {
  console.warn(`[marketing-team] ${JSON.stringify(event)}`);
}
