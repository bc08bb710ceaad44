/**
 * The browser's local database, opened once per factory: the session cache and the durable
 * outbox share it. Only the few calls they need, wrapped in promises.
 */

const DATABASE = 'marketing-team-sessions';
/** Each cached session's state (large), keyed by `scope` + session id. */
export const STATES = 'states';
/** Size and last use of each cached state (small), so bounding the cache reads no state. */
export const USAGE = 'usage';
/** Client messages not yet acknowledged, keyed by `clientMsgId`. */
export const OUTBOX = 'outbox';

const opened = new WeakMap<IDBFactory, Promise<IDBDatabase>>();

/** The `indexedDB` of this environment, if it has one. */
export function defaultIndexedDb(): IDBFactory | undefined {
  return (globalThis as { indexedDB?: IDBFactory }).indexedDB;
}

/** Opens the database at `version`, or at the version it has (1 when new). */
function open(factory: IDBFactory, version?: number): Promise<IDBDatabase> {
  return new Promise<IDBDatabase>((resolve, reject) => {
    const request = version === undefined ? factory.open(DATABASE) : factory.open(DATABASE, version);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(STATES)) db.createObjectStore(STATES);
      if (!db.objectStoreNames.contains(USAGE)) db.createObjectStore(USAGE);
      if (!db.objectStoreNames.contains(OUTBOX)) db.createObjectStore(OUTBOX, { keyPath: 'clientMsgId' }).createIndex('key', 'key');
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error('the local database is blocked by another tab'));
  });
}

export function openDatabase(factory: IDBFactory): Promise<IDBDatabase> {
  let database = opened.get(factory);
  if (!database) {
    database = (async () => {
      let db = await open(factory);
      // A database of this name without our stores (made by something else): add them.
      if (![STATES, USAGE, OUTBOX].every((store) => db.objectStoreNames.contains(store))) {
        db.close();
        db = await open(factory, db.version + 1);
      }
      // Another tab upgrading the schema: let it, and open again on next use.
      db.onversionchange = () => {
        db.close();
        opened.delete(factory);
      };
      return db;
    })();
    database.catch(() => opened.delete(factory));
    opened.set(factory, database);
  }
  return database;
}

/** The result of a request, as a promise. */
export function settled<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Resolves when the transaction has committed. */
export function committed(transaction: IDBTransaction): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error ?? new Error('transaction aborted'));
  });
}
