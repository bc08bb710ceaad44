import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Capability, SessionEventInput, SessionRecord, SessionState } from '@marketing-team/core';
import type { ServerRequest } from './_server-process.js';

/** Options of the scripted run every brief starts on the test server. */
export interface TestServerOptions {
  deltas?: number;
  deltasPerSecond?: number;
  tasks?: number;
  snapshotEvery?: number;
}

/** A real session server (SQLite on disk, scripted runs) in a child process, on a random port. */
export interface TestServer {
  /** Base URL of the handler (give it to `MarketingTeamProvider` as `endpoint`). */
  endpoint: string;
  token(session: string, capabilities?: Capability[]): Promise<string>;
  /** The state every client must end with: the whole stored log through the reducer. */
  logState(session: string): Promise<SessionState>;
  read(session: string, after: number, limit: number): Promise<SessionRecord[]>;
  /** Appends events to a session's log as the server's runtime would; resolves with the last offset. */
  append(session: string, events: SessionEventInput[]): Promise<number>;
  /** Open WebSocket connections, as the server counts them. */
  sockets(): Promise<number>;
  /** Destroys every TCP connection (a lost network); resolves with how many there were. */
  dropConnections(): Promise<number>;
  close(): Promise<void>;
}

type Request = ServerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

// `import.meta.dirname`: under jsdom, `import.meta.url` is not a file URL.
const SCRIPT = join(import.meta.dirname, '_server-process.ts');

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const settings = { deltas: 100, deltasPerSecond: 1_000, tasks: 1, snapshotEvery: 1000, ...options };
  const child: ChildProcess = fork(SCRIPT, [JSON.stringify(settings)], {
    execArgv: ['--conditions=@marketing-team/source', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let next = 0;
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the test server exited with ${code}`)));
    child.on('message', (message: { ready?: boolean; port?: number; id?: number; result?: unknown; error?: string }) => {
      if (message.ready) return resolve(message.port!);
      const waiter = pending.get(message.id!);
      pending.delete(message.id!);
      if (message.error !== undefined) waiter?.reject(new Error(message.error));
      else waiter?.resolve(message.result);
    });
  });
  const call = <T>(request: Request): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = (next += 1);
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ ...request, id });
    });
  let closed = false;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    token: (session, capabilities = ['read', 'write', 'control']) => call({ op: 'token', session, capabilities }),
    logState: (session) => call({ op: 'logState', session }),
    read: (session, after, limit) => call({ op: 'read', session, after, limit }),
    append: (session, events) => call({ op: 'append', session, events }),
    sockets: () => call({ op: 'sockets' }),
    dropConnections: () => call({ op: 'dropConnections' }),
    async close() {
      if (closed) return;
      closed = true;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await call({ op: 'close' }).catch(() => child.kill());
      await exited;
    },
  };
}

/** Polls `check` until it holds; fails with `what` after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
