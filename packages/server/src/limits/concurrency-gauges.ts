/**
 * Counts holders of something that is open (a connection, a running run) under a key, up to a
 * maximum. A holder is counted once however often it acquires, so a socket following several
 * sessions of one principal counts once against that principal.
 */
export interface ConcurrencyGauges {
  /** Adds `holder` under `key` unless `max` holders are already there; true when it holds. */
  acquire(key: string, holder: string, max: number): Promise<boolean>;
  release(key: string, holder: string): Promise<void>;
  /** Holders under `key` now. */
  count(key: string): Promise<number>;
  close(): Promise<void>;
}

/** Gauges in this process: exact, and gone with it. */
export class MemoryGauges implements ConcurrencyGauges {
  readonly #holders = new Map<string, Set<string>>();

  async acquire(key: string, holder: string, max: number): Promise<boolean> {
    let set = this.#holders.get(key);
    if (set?.has(holder)) return true;
    if ((set?.size ?? 0) >= max) return false;
    if (!set) this.#holders.set(key, (set = new Set()));
    set.add(holder);
    return true;
  }

  async release(key: string, holder: string): Promise<void> {
    const set = this.#holders.get(key);
    if (!set) return;
    set.delete(holder);
    if (set.size === 0) this.#holders.delete(key);
  }

  async count(key: string): Promise<number> {
    return this.#holders.get(key)?.size ?? 0;
  }

  async close(): Promise<void> {
    this.#holders.clear();
  }
}
