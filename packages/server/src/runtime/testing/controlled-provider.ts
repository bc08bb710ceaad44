import type { ModelProvider, ModelRequest, ModelStreamEvent } from '@marketing-team/core';
import { offlineDraft } from '../../models/offline/offline-draft.js';

/** One model call seen by the controlled provider. */
export interface ControlledCall {
  /** Skill (or purpose kind) of the request. */
  skill: string;
  agent: string;
  request: ModelRequest;
  signal: AbortSignal;
  /** Lets a held call finish streaming. */
  release(): void;
  /** Makes a held call fail with this error. */
  fail(error: unknown): void;
  /** Resolves when the call ended: streamed to the end, failed, or aborted. */
  ended: Promise<'completed' | 'failed' | 'aborted'>;
}

/** A model provider whose timing a test controls: calls of held skills stop after their first chunk until released. */
export interface ControlledProvider extends ModelProvider {
  readonly calls: ControlledCall[];
  /** Calls of this skill stop after the first chunk until `release()` (or `fail()`). */
  hold(skill: string): void;
  /** Stops holding calls of this skill and releases the ones held now. */
  unhold(skill: string): void;
  /** Every later call of this skill fails with `error` after its first chunk. */
  failAlways(skill: string, error: unknown): void;
  /** Resolves with the `n`-th call (1-based) of `skill`, now or when it arrives. */
  waitForCall(skill: string, n?: number): Promise<ControlledCall>;
}

/**
 * A deterministic provider for runtime tests: answers with core's offline drafts, streamed as
 * three chunks, with no timers; held skills wait for the test. Honours the abort signal at once.
 */
export function createControlledProvider(): ControlledProvider {
  const calls: ControlledCall[] = [];
  const held = new Set<string>();
  const failing = new Map<string, unknown>();
  const waiters: Array<{ skill: string; n: number; resolve: (call: ControlledCall) => void }> = [];

  async function* stream(request: ModelRequest, signal: AbortSignal): AsyncGenerator<ModelStreamEvent> {
    const purpose = request.purpose;
    const skill = purpose.kind === 'skill' ? purpose.skill : purpose.kind;
    const agent = purpose.kind === 'skill' ? purpose.agent : '';
    const text = purpose.kind === 'skill' ? offlineDraft(purpose) : '{}';
    const third = Math.ceil(text.length / 3);
    const chunks = [text.slice(0, third), text.slice(third, 2 * third), text.slice(2 * third)].filter((chunk) => chunk.length > 0);

    let gate: { resolve: () => void; reject: (error: unknown) => void } | undefined;
    const gated = held.has(skill) || failing.has(skill)
      ? new Promise<void>((resolve, reject) => {
          gate = { resolve, reject };
        })
      : undefined;
    gated?.catch(() => undefined);
    let settle!: (how: 'completed' | 'failed' | 'aborted') => void;
    const call: ControlledCall = {
      skill,
      agent,
      request,
      signal,
      release: () => gate?.resolve(),
      fail: (error) => gate?.reject(error),
      ended: new Promise((resolve) => {
        settle = resolve;
      }),
    };
    calls.push(call);
    const count = calls.filter((candidate) => candidate.skill === skill).length;
    for (const waiter of [...waiters]) {
      if (waiter.skill === skill && waiter.n === count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(call);
      }
    }
    const aborted = new Promise<never>((_, reject) => {
      const onAbort = () => reject(new DOMException('aborted', 'AbortError'));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => undefined);
    try {
      for (let index = 0; index < chunks.length; index++) {
        if (signal.aborted) throw new DOMException('aborted', 'AbortError');
        yield { type: 'text', text: chunks[index]! };
        if (index === 0 && gated) {
          if (failing.has(skill)) gate!.reject(failing.get(skill));
          await Promise.race([gated, aborted]);
        }
      }
      if (signal.aborted) throw new DOMException('aborted', 'AbortError');
      yield { type: 'usage', usage: { inputTokens: 100, outputTokens: chunks.length, cacheReadTokens: 10, cacheWriteTokens: 5 } };
      settle('completed');
    } catch (error) {
      settle(signal.aborted ? 'aborted' : 'failed');
      throw error;
    }
  }

  return {
    provider: 'controlled',
    model: 'controlled-test-model',
    offline: false,
    calls,
    stream,
    // A fixed, easily summed price: one micro-dollar per token of any kind.
    cost: (usage) => (usage.inputTokens + usage.outputTokens + usage.cacheReadTokens + usage.cacheWriteTokens) / 1_000_000,
    hold: (skill) => {
      held.add(skill);
    },
    unhold: (skill) => {
      held.delete(skill);
      for (const call of calls) if (call.skill === skill) call.release();
    },
    failAlways: (skill, error) => {
      failing.set(skill, error);
    },
    waitForCall: (skill, n = 1) => {
      const existing = calls.filter((call) => call.skill === skill)[n - 1];
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve) => waiters.push({ skill, n, resolve }));
    },
  };
}
