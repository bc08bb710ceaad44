import type { SessionEvent, SessionRecord } from '@marketing-team/core';
import { FencedError } from '../stores/session-store.js';
import type { RunBaseContext, RunContext, RunLauncher } from '../runtime/run-launcher.js';
import type { Limiter } from './limiter.js';
import type { LimitName } from './limit-options.js';

/**
 * Wraps a launcher so each run holds a running-run slot while it goes, and is stopped with a
 * `run.failed` (code `budget_exceeded`) as soon as its `usage` events pass the per-run token or
 * cost budget, or its principal's budget for the day. A run refused a slot fails at once with
 * code `rate_limited`.
 */
export function limitLauncher<Context extends RunBaseContext = RunContext>(
  inner: RunLauncher<Context>,
  limiter: Limiter,
  onError: (error: unknown) => void,
): RunLauncher<Context> {
  const { tokensPerRun, costPerRunUsd } = limiter.settings;
  return {
    async launch(context: Context) {
      const subject = context.submittedBy.kind === 'human' ? context.submittedBy.id : `${context.submittedBy.kind}`;
      const scope = { subject, session: context.session, runId: context.runId };
      let release: () => Promise<void>;
      try {
        release = await limiter.startRun(scope);
      } catch (error) {
        const message = error instanceof Error ? error.message : 'too many runs at once';
        await context.append([{ type: 'run.failed', runId: context.runId, error: { code: 'rate_limited', message, retryable: true } }]);
        return;
      }
      const controller = new AbortController();
      const abort = () => controller.abort(context.signal.reason);
      if (context.signal.aborted) abort();
      else context.signal.addEventListener('abort', abort, { once: true });
      let tokens = 0;
      let cost = 0;
      let stopped: Promise<void> | undefined;

      const stop = (limit: LimitName, message: string): Promise<void> => {
        stopped ??= (async () => {
          limiter.refuse(limit, scope, message);
          controller.abort(new DOMException('run over budget', 'AbortError'));
          try {
            await context.append([{ type: 'run.failed', runId: context.runId, error: { code: 'budget_exceeded', message, retryable: false } }]);
          } catch (error) {
            // Cancelled or ended meanwhile: the run has stopped either way.
            if (!(error instanceof FencedError)) onError(error);
          }
        })();
        return stopped;
      };

      const append = async (events: SessionEvent[]): Promise<SessionRecord[]> => {
        if (stopped) throw new FencedError(context.runId);
        const records = await context.append(events);
        for (const event of events) {
          if (event.type !== 'usage') continue;
          const used = event.inputTokens + event.outputTokens + event.cacheReadTokens + event.cacheWriteTokens;
          tokens += used;
          cost += event.costUsd;
          const day = await limiter.spend(subject, used, event.costUsd).catch((error: unknown) => {
            onError(error);
            return undefined;
          });
          if (tokens > tokensPerRun) await stop('tokensPerRun', `the run used more than its ${tokensPerRun} model tokens`);
          else if (cost > costPerRunUsd) await stop('costPerRunUsd', `the run cost more than its $${costPerRunUsd} budget`);
          else if (day === 'tokensPerDayPerPrincipal') await stop(day, `this user's runs used their ${limiter.settings.tokensPerDayPerPrincipal} model tokens for the day`);
          else if (day === 'costPerDayPerPrincipalUsd') await stop(day, `this user's runs reached their $${limiter.settings.costPerDayPerPrincipalUsd} budget for the day`);
        }
        return records;
      };

      const limited: Context = { ...context, signal: controller.signal, append };
      try {
        await inner.launch(limited);
      } catch (error) {
        // The producer's abort after a stop is expected; anything else goes to the owner of the run.
        if (!stopped) throw error;
      } finally {
        context.signal.removeEventListener('abort', abort);
        await stopped;
        await release().catch(onError);
      }
    },
  };
}
