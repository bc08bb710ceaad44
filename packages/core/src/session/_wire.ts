/** The frame and event schemas, once loaded. */
export type WireSchemas = typeof import('./_wire-schemas.js');

let loaded: WireSchemas | undefined;
let loading: Promise<WireSchemas> | undefined;
const waiting: (() => void)[] = [];

/**
 * Loads the schemas (a client starts this when it is made, alongside its first connection). A
 * failed load is tried again by the next call, and what waits for it keeps waiting: frames are
 * held in order rather than dropped.
 */
export function loadWireSchemas(): Promise<WireSchemas> {
  loading ??= import('./_wire-schemas.js').then(
    (module) => {
      loaded = module;
      for (const run of waiting.splice(0)) run();
      return module;
    },
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

/**
 * Runs `use` with the schemas: at once when they are loaded, otherwise once they are, in the order
 * of the calls. Frames received and messages sent before the load therefore keep their order.
 */
export function withWireSchemas<T>(use: (wire: WireSchemas) => T): Promise<Awaited<T>> {
  if (loaded) {
    try {
      return Promise.resolve(use(loaded)) as Promise<Awaited<T>>;
    } catch (error) {
      return Promise.reject(error);
    }
  }
  return new Promise<Awaited<T>>((resolve, reject) => {
    waiting.push(() => {
      try {
        resolve(use(loaded!) as Awaited<T>);
      } catch (error) {
        reject(error);
      }
    });
    loadWireSchemas().catch(() => {
      // Reported by the client that started the load; the next call tries again.
    });
  });
}
