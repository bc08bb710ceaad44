import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * Re-renders its host once a second while `active()` holds (a "No progress for 12 s" that counts
 * up), and keeps no timer otherwise.
 */
export class SecondTicker implements ReactiveController {
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly active: () => boolean,
  ) {
    host.addController(this);
  }

  hostUpdated(): void {
    if (!this.active()) return this.#stop();
    this.#timer ??= setInterval(() => this.host.requestUpdate(), 1000);
  }

  hostDisconnected(): void {
    this.#stop();
  }

  #stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** Whole seconds from a server time (ms since the epoch) to now; never negative, as the clocks may differ. */
export function secondsSince(since: number): number {
  return Math.max(0, Math.floor((Date.now() - since) / 1000));
}
