import type { EventOf, ModelProvider, ModelRequest, ModelUsage, SessionEvent } from '@marketing-team/core';
import { DeltaWriter } from './_delta-writer.js';
import { linkedController } from './_link-signal.js';
import type { RunSettings } from './_run-shared.js';
import { StallWatch } from './_stall-watch.js';
import type { TaskEvents } from './_task-events.js';
import { isRefusedWrite } from './_task-stop.js';

/** Why a generation was interrupted on purpose: it is closed as `restarted` and run again. */
export type Interruption = 'restart' | 'pause';

/** What one generation produced: its last message, the text it streamed, the usage reported, and why it ended. */
export interface GenerationResult {
  messageId: string;
  text: string;
  usage: ModelUsage | undefined;
  /** True when the model finished; otherwise `error` says why not. */
  ok: boolean;
  error: unknown;
  /** Set when `interrupt` stopped the generation. */
  interrupted: Interruption | undefined;
}

/** What a generation needs from its task. */
export interface GenerationInit {
  provider: ModelProvider;
  events: TaskEvents;
  settings: RunSettings;
  /** The task's signal: a cancel or the run stopping aborts the generation too. */
  signal: AbortSignal;
  append(events: SessionEvent[]): Promise<void>;
  /** A new message id, unique within the task. */
  nextMessageId(): string;
}

const zeroUsage = (): ModelUsage => ({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 });

/**
 * One call of the model for a task, streamed straight into the log: `message.started`, then the
 * text as coalesced `text.delta`s, a new message when the provider starts its text over, and
 * `task.stalled`/`task.resumed` around silences. The task closes the last message
 * (`closing`), since only it knows whether the generation stands, is retried or was cancelled.
 */
export class TaskGeneration {
  readonly #init: GenerationInit;
  readonly #link: ReturnType<typeof linkedController>;
  readonly #result: GenerationResult;

  constructor(init: GenerationInit) {
    this.#init = init;
    this.#link = linkedController(init.signal);
    this.#result = { messageId: init.nextMessageId(), text: '', usage: undefined, ok: false, error: undefined, interrupted: undefined };
  }

  /** Stops the generation now; its partial text stays in the log and the task generates again. */
  interrupt(why: Interruption): void {
    this.#result.interrupted ??= why;
    this.#link.controller.abort(new Error(why === 'restart' ? 'restarted by a steer' : 'paused'));
  }

  /** The events that close the last message: `message.completed` and the generation's `usage`. */
  closing(stopReason: EventOf<'message.completed'>['stopReason']): SessionEvent[] {
    const { events, provider } = this.#init;
    const { messageId, text, usage } = this.#result;
    return [events.messageCompleted(messageId, text, stopReason), ...(usage ? [events.usage(usage, provider.cost(usage))] : [])];
  }

  /** Streams the model's answer to `request`, after writing `before` (the steers it applies); never throws. */
  async run(request: ModelRequest, before: SessionEvent[]): Promise<GenerationResult> {
    const { provider, events } = this.#init;
    const generation = this.#result;
    const signal = this.#link.controller.signal;
    const watch = this.#watch();
    let writer = this.#writerFor(generation.messageId);
    try {
      await this.#init.append([...before, events.messageStarted(generation.messageId, provider.offline)]);
      for await (const event of provider.stream(request, signal)) {
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
          const next = this.#init.nextMessageId();
          await this.#init.append([events.messageCompleted(generation.messageId, generation.text, 'error'), events.messageStarted(next, provider.offline)]);
          generation.messageId = next;
          generation.text = '';
          writer = this.#writerFor(next);
        }
      }
      await writer.drain();
      generation.ok = !signal.aborted;
      if (!generation.ok) generation.error = signal.reason;
    } catch (error) {
      // A failed delta append aborted the stream; report the append's error rather than the AbortError.
      generation.error = signal.aborted && isRefusedWrite(signal.reason) ? signal.reason : error;
      // Partial output stays in the log, unless the log itself is what refused it.
      if (!isRefusedWrite(generation.error)) await writer.drain().catch(() => undefined);
      else writer.discard();
    } finally {
      watch?.stop();
      this.#link.dispose();
    }
    return generation;
  }

  #writerFor(messageId: string): DeltaWriter {
    const { events, settings } = this.#init;
    return new DeltaWriter(
      (text) => this.#init.append([events.textDelta(messageId, text)]),
      settings.coalesceMs,
      settings.maxDeltaChars,
      // The log refused a delta (the run or task is fenced): stop generating at once.
      (error) => this.#link.controller.abort(error),
    );
  }

  /**
   * The generation's heartbeat: a stall (no chunk, no retry for `stallAfterMs`) is recorded as
   * `task.stalled`, the progress after it as `task.resumed`. A write the log refuses (the run
   * ended meanwhile) is dropped: the run's end says more.
   */
  #watch(): StallWatch | undefined {
    const windowMs = this.#init.settings.stallAfterMs;
    if (windowMs <= 0) return undefined;
    const { events } = this.#init;
    const write = (event: SessionEvent) => void this.#init.append([event]).catch(() => undefined);
    return new StallWatch(
      windowMs,
      (sinceMs) => {
        const what = this.#result.text.length > 0 ? 'no more output' : 'no output yet';
        write(events.stalled(sinceMs, `the model has sent ${what} for ${Math.round(sinceMs / 1000)} s`));
      },
      (stalledMs) => write(events.resumed(stalledMs)),
    );
  }
}
