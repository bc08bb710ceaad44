// Shared pieces of the wire fuzz (one property per transport, in fuzz-*.test.ts): a live server
// over a real SQLite file, the run count, and the checks every answer to bad input must pass.
import { join } from 'node:path';
import fc from 'fast-check';
import { expect } from 'vitest';
import { ErrorCodeSchema, PROTOCOL_VERSION } from '@marketing-team/core';
import { createDurableStreamsHandler } from '../src/durable-streams/index.js';
import { MemoryStreamStore } from '../src/durable-streams/memory-stream-store.js';
import { SqliteStore } from '../src/stores/sqlite-store.js';
import { HTTP_STATUS } from '../src/transports/_errors.js';
import { startServer, tempDir, type RunningServer } from './_harness.js';

/**
 * Runs of each property: small in the suite, so CI stays fast; `MT_FUZZ_RUNS=5000` for a long run.
 * A fixed seed keeps the suite reproducible; `MT_FUZZ_SEED` explores other inputs.
 */
export function fuzzOptions(defaultRuns: number): { numRuns: number; seed?: number; endOnFailure: boolean } {
  const runs = Number(process.env.MT_FUZZ_RUNS);
  const seed = process.env.MT_FUZZ_SEED === undefined ? 42 : Number(process.env.MT_FUZZ_SEED);
  return { numRuns: Number.isInteger(runs) && runs > 0 ? runs : defaultRuns, ...(Number.isInteger(seed) ? { seed } : {}), endOnFailure: true };
}

/** Time for a long run: about 20 ms per run on top of the suite's own limit. */
export function fuzzTimeout(defaultRuns: number): number {
  const runs = Number(process.env.MT_FUZZ_RUNS);
  return 30_000 + (Number.isInteger(runs) && runs > defaultRuns ? runs * 20 : 0);
}

/** The session every property writes to; the fuzz server runs nothing, so only client writes change its log. */
export const SESSION = 'fuzzed';

/** A fuzz target: the server, its store, and a token with every capability for {@link SESSION}. */
export interface FuzzServer {
  env: RunningServer;
  store: SqliteStore;
  /** The generic streams served under `/streams`. */
  streams: MemoryStreamStore;
  token: string;
  close(): Promise<void>;
}

/**
 * Starts a server on a real SQLite file with the Durable Streams routes mounted at `/streams`
 * (session logs, plus generic streams anyone may use) and the token route. No launcher: a brief
 * is stored and nothing runs it, so the head of the log moves only by the writes a property sent.
 */
export async function startFuzzServer(): Promise<FuzzServer> {
  const dir = tempDir();
  const store = new SqliteStore({ path: join(dir.path, 'sessions.db'), synchronous: 'normal' });
  const env = await startServer(store, {
    // Limits high enough that the fuzz reaches validation rather than the rate limiter.
    rateLimit: { messagesPerSecond: 100_000, burst: 100_000 },
    tokenRoute: { authorize: (_request, session) => (session.startsWith('open-') ? { userId: 'fuzz-user' } : null) },
  });
  const streamStore = new MemoryStreamStore();
  const streams = createDurableStreamsHandler({
    store,
    streams: streamStore,
    basePath: '/streams',
    tokens: env.server.tokens,
    authorize: () => true,
    longPollTimeoutMs: 100,
    sseMaxDurationMs: 200,
    maxAppendBytes: 64 * 1024,
  });
  env.server.route('/streams', streams);
  const token = await env.token(SESSION);
  return {
    env,
    store,
    streams: streamStore,
    token,
    async close() {
      await env.close();
      await store.close();
      dir.cleanup();
    },
  };
}

const DOCUMENTED_STATUSES = new Set(Object.values(HTTP_STATUS));

/**
 * An `error` frame (WebSocket) or error body (HTTP) is typed: a documented code, a message,
 * and, when it names a field, a message that starts with it, so a client can show the field.
 */
export function expectTypedError(frame: unknown, context: string): void {
  const error = frame as { type?: unknown; code?: unknown; message?: unknown; field?: unknown };
  expect(error?.type, context).toBe('error');
  expect(ErrorCodeSchema.safeParse(error.code).success, `${context}: documented code (${String(error.code)})`).toBe(true);
  expect(typeof error.message === 'string' && error.message.length > 0, `${context}: a message`).toBe(true);
  if (error.code !== 'internal') expect(error.message, `${context}: not an internal failure`).not.toMatch(/the server failed/);
  if (error.field !== undefined) {
    expect(typeof error.field, `${context}: field`).toBe('string');
    expect(error.message as string, `${context}: message names the field`).toContain(String(error.field));
  }
}

/** An HTTP answer to bad input: a documented 4xx status (never 5xx) with a typed JSON error body naming the field. */
export async function expectTypedHttpError(response: Response, context: string): Promise<Record<string, unknown>> {
  expect(DOCUMENTED_STATUSES.has(response.status) || response.status === 405, `${context}: documented status ${response.status}`).toBe(true);
  expect(response.status, `${context}: not a server failure`).toBeLessThan(500);
  expect(response.headers.get('content-type') ?? '', `${context}: JSON`).toMatch(/^application\/json/);
  const body = (await response.json()) as Record<string, unknown>;
  expectTypedError(body, context);
  if (response.status !== 405) expect(HTTP_STATUS[body.code as keyof typeof HTTP_STATUS], `${context}: status matches code`).toBe(response.status);
  return body;
}

/** The offset of the last record of a session's log. */
export async function headOffset(store: SqliteStore, session = SESSION): Promise<number> {
  return (await store.head(session)).offset;
}

/** The server is still up and answering: `GET /health` is 200 with the protocol version. */
export async function expectHealthy(env: RunningServer): Promise<void> {
  const health = await fetch(`${env.url}/health`);
  expect(health.status).toBe(200);
  expect(await health.json()).toMatchObject({ ok: true, protocol: PROTOCOL_VERSION });
}

/** Ids from valid to hostile: reserved names, dot paths, bad escapes, long and non-ASCII strings. */
export const idLike = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('run-a', 'run-b', 'c1', 'c2', 'task-1', SESSION) },
  { weight: 2, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', '.', '..', '', ' ', 'a/b', '%2e%2e', '%E0%A4%A', 'x'.repeat(129)) },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
);

/** Plain text from friendly to hostile. */
export const textLike = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constant(''), fc.constant('x'.repeat(5000)));

/** Input events from nonsense to nearly valid, so inputs reach deep into validation and the hub. */
export const eventLike = fc.oneof(
  fc.record({ type: fc.constant('card.created'), cardId: idLike, title: textLike }),
  fc.record({ type: fc.constant('card.updated'), cardId: idLike, status: fc.constantFrom('todo', 'done', 'nope'), title: textLike }, { requiredKeys: ['type', 'cardId'] }),
  fc.record({ type: fc.constant('card.commented'), cardId: idLike, text: textLike }),
  fc.record({ type: fc.constant('brief.submitted'), runId: idLike, brief: fc.oneof(fc.record({ goal: textLike }), fc.anything()) }),
  fc.record({ type: fc.constantFrom('review.approved', 'review.changes_requested'), runId: idLike, taskId: idLike, comment: textLike }),
  fc.record({ type: fc.constantFrom('cancel.requested', 'steer.submitted'), runId: idLike, instruction: textLike, scope: fc.anything() }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constantFrom('run.completed', 'text.delta', 'nope', '__proto__'), runId: idLike }),
  fc.record({ type: fc.constant('card.created'), cardId: idLike, title: textLike, by: fc.anything() }),
);
