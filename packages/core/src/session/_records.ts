/**
 * Lookups and copy-on-write helpers for the id-keyed maps of `SessionState`.
 * Ids may legally be `__proto__` or `constructor`, so every read checks own properties and every
 * write defines an own property instead of going through the prototype chain.
 */

/** Reads an own property of an id-keyed map; `undefined` when the id is absent. */
export function getOwn<T>(map: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/** Writes an own, enumerable property (safe for `__proto__`). */
export function setOwn<T>(map: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    map[key] = value;
  }
}

/**
 * Tracks the containers created while applying one batch, so a batch copies each map or array
 * once and then mutates its own copy; containers it did not create are never mutated.
 */
export class Draft {
  readonly #owned = new WeakSet<object>();

  /** Returns a container this batch may mutate: the container itself if this batch made it, else a shallow copy. */
  own<T extends object>(value: T): T {
    if (this.#owned.has(value)) return value;
    const copy = (Array.isArray(value) ? [...value] : { ...value }) as T;
    this.#owned.add(copy);
    return copy;
  }

  /** Marks a freshly built container as owned by this batch. */
  adopt<T extends object>(value: T): T {
    this.#owned.add(value);
    return value;
  }
}
