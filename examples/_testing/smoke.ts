// Shared by the examples' smoke tests: start an example as a child process on a free port,
// then drive a brief to completion through it the way a browser would.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { SessionClient, type SessionRecord } from '@marketing-team/core';

/** A running example. */
export interface RunningExample {
  url: string;
  output: () => string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns true. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await Promise.resolve().then(check))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts `command` in `cwd` with `PORT` set, and waits until `<url><healthPath>` answers 200. */
export async function startExample(cwd: string, command: string[], options: { healthPath?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunningExample> {
  const port = await freePort();
  const data = mkdtempSync(join(tmpdir(), 'mt-example-'));
  const child: ChildProcess = spawn(command[0]!, command.slice(1), {
    cwd,
    env: { ...process.env, PORT: String(port), DATA_DIR: data, TOKENS_PER_SECOND: '20000', MARKETING_TEAM_SECRET: randomBytes(32).toString('hex'), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(data, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const ok = await fetch(`${url}${options.healthPath ?? '/mt/health'}`).then((response) => response.ok, () => false);
    if (ok) break;
    const failure = child.exitCode !== null ? 'exited early' : Date.now() > deadline ? 'did not listen in time' : undefined;
    if (failure) {
      await stop();
      throw new Error(`the example ${failure}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, output: () => output, stop };
}

/** Fetches a token from the example's own backend route, as the page does. */
export async function fetchToken(url: string, session: string): Promise<string> {
  const response = await fetch(`${url}/api/mt-token?session=${encodeURIComponent(session)}`);
  if (!response.ok) throw new Error(`token route answered ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

/** Submits a brief over the WebSocket with core's SessionClient; resolves with the run's final status. */
export async function briefOverWebSocket(wsUrl: string, session: string, token: string): Promise<{ status: string | undefined; deliverables: number }> {
  const client = new SessionClient({ url: wsUrl, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket });
  try {
    const handle = client.session(session, { token });
    const { runId } = await handle.submitBrief({ goal: 'Launch our spring collection to young professionals' });
    const ended = () => ['completed', 'failed', 'cancelled', 'interrupted'].includes(handle.getState().runs[runId]?.status ?? '');
    await until(ended, 90_000, 'the run to end');
    return { status: handle.getState().runs[runId]?.status, deliverables: Object.keys(handle.getState().deliverables).length };
  } finally {
    client.close();
  }
}

/**
 * Submits a brief with core's SessionClient over the SSE + POST transport (what the widget and
 * the hooks use with `transport="sse"`); resolves with the run's final status, whether the
 * client's state equals a second client's that joined afterwards, and the transport in use.
 */
export async function briefOverSseClient(endpoint: string, session: string, token: string): Promise<{ status: string | undefined; deliverables: number; converged: boolean; transport: string | undefined }> {
  const client = new SessionClient({ url: `${endpoint}/ws`, transport: 'sse' });
  const late = new SessionClient({ url: `${endpoint}/ws`, transport: 'sse' });
  try {
    const handle = client.session(session, { token });
    const { runId } = await handle.submitBrief({ goal: 'Launch our spring collection to young professionals' });
    const ended = () => ['completed', 'failed', 'cancelled', 'interrupted'].includes(handle.getState().runs[runId]?.status ?? '');
    await until(ended, 90_000, 'the run to end');
    const joiner = late.session(session, { token });
    await until(() => joiner.offset === handle.offset, 30_000, 'a late joiner to catch up');
    return {
      status: handle.getState().runs[runId]?.status,
      deliverables: Object.keys(handle.getState().deliverables).length,
      converged: JSON.stringify(joiner.getState()) === JSON.stringify(handle.getState()),
      transport: client.getConnection().transport,
    };
  } finally {
    client.close();
    late.close();
  }
}

/** Submits a brief with POST and follows the SSE stream until the run ends; resolves with the terminal event type. */
export async function briefOverSse(base: string, session: string, token: string): Promise<{ status: string; records: SessionRecord[] }> {
  const abort = new AbortController();
  const response = await fetch(`${base}/sessions/${session}/events`, { headers: { authorization: `Bearer ${token}`, 'last-event-id': '0' }, signal: abort.signal });
  if (!response.ok || !response.body) throw new Error(`event stream refused: ${response.status}`);
  const runId = `run-${Date.now()}`;
  const posted = await fetch(`${base}/sessions/${session}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'publish', session, clientMsgId: `brief-${runId}`, event: { type: 'brief.submitted', runId, brief: { goal: 'Grow the newsletter' } } }),
  });
  if (!posted.ok) throw new Error(`brief refused: ${posted.status} ${await posted.text()}`);
  const records: SessionRecord[] = [];
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const timer = setTimeout(() => abort.abort(), 90_000);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) throw new Error('event stream ended before the run did');
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!/^event: message$/m.test(block) && /^event: /m.test(block)) continue;
        const data = block.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
        if (!data) continue;
        const record = JSON.parse(data) as SessionRecord;
        records.push(record);
        if (/^run\.(completed|failed|cancelled|interrupted)$/.test(record.event.type)) return { status: record.event.type, records };
      }
    }
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

/**
 * The widget files an example serves: `/marketing-team.js` and, once the widget is built, every
 * chunk it imports from `/marketing-team-chunks/` (relative to its own URL), so the element's
 * lazily loaded parts load on the example's page too. Paths outside those two are not served.
 * Returns how many chunks were fetched (none while the widget is not built).
 */
export async function fetchWidgetFiles(url: string): Promise<number> {
  const entry = await fetch(`${url}/marketing-team.js`);
  if (!entry.headers.get('content-type')?.startsWith('text/javascript')) throw new Error(`/marketing-team.js is served as ${entry.headers.get('content-type')}`);
  const source = await entry.text();
  const escape = await fetch(`${url}/marketing-team-chunks/..%2Fpackage.json`);
  if (escape.status !== 404) throw new Error(`a path outside the widget files answered ${escape.status}`);
  if (entry.status !== 200) return 0;
  const chunks = [...source.matchAll(/import\("\.\/(marketing-team-chunks\/[\w-]+\.js)"\)/g)].map((match) => match[1]!);
  if (chunks.length === 0) throw new Error('the built widget imports no chunk');
  for (const chunk of chunks) {
    const response = await fetch(`${url}/${chunk}`);
    if (response.status !== 200 || !response.headers.get('content-type')?.startsWith('text/javascript')) throw new Error(`/${chunk} answered ${response.status} ${response.headers.get('content-type')}`);
  }
  return chunks.length;
}
