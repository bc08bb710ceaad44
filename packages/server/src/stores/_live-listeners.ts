import type { SessionRecord } from '@marketing-team/core';
import type { Tail } from './_tail.js';

/**
 * In-process live tail for stores whose writes all happen in this process (memory, SQLite).
 * Emission is queued, so a listener that appends from inside its callback cannot make
 * another subscriber see a later batch before an earlier one.
 */
export class LiveListeners {
  private readonly bySession = new Map<string, Set<Tail>>();
  private readonly queue: [string, SessionRecord[]][] = [];
  private emitting = false;

  add(session: string, tail: Tail): void {
    let tails = this.bySession.get(session);
    if (!tails) this.bySession.set(session, (tails = new Set()));
    tails.add(tail);
    tail.onClose(() => {
      const current = this.bySession.get(session);
      if (!current) return;
      current.delete(tail);
      if (current.size === 0) this.bySession.delete(session);
    });
  }

  emit(session: string, records: SessionRecord[]): void {
    if (!this.bySession.has(session)) return;
    if (this.emitting) {
      this.queue.push([session, records]);
      return;
    }
    this.emitting = true;
    try {
      // Not queued when nothing is: the common case costs no queue entry.
      this.deliver(session, records);
      for (let next = this.queue.shift(); next; next = this.queue.shift()) this.deliver(next[0], next[1]);
    } finally {
      this.emitting = false;
    }
  }

  private deliver(session: string, records: SessionRecord[]): void {
    const tails = this.bySession.get(session);
    if (!tails) return;
    // A copy when several listen: one may close another (or itself) while the batch goes round.
    if (tails.size === 1) tails.values().next().value!.push(records);
    else for (const tail of [...tails]) tail.push(records);
  }

  /** The session's log is gone: every subscriber is reset. */
  reset(session: string): void {
    const tails = this.bySession.get(session);
    if (tails) for (const tail of [...tails]) tail.reset();
  }

  closeAll(): void {
    for (const tails of [...this.bySession.values()]) for (const tail of [...tails]) tail.close();
    this.bySession.clear();
  }
}
