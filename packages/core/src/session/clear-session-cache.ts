/**
 * Empties the local cache of sessions and the durable outbox, for every endpoint and user: call
 * it at sign-out, so the next person on this browser finds nothing of the last one's. Pass the
 * IndexedDB the clients were given (`fake-indexeddb`'s in Node); defaults to `globalThis.indexedDB`.
 */
export async function clearSessionCache(indexedDB?: IDBFactory): Promise<void> {
  // The cache module loads here rather than with core: pages that never clear it never download it.
  const { emptySessionCache } = await import('./session-cache.js');
  await emptySessionCache(indexedDB);
}
