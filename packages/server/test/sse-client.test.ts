// Core's SessionClient over the SSE + POST transport, against the real server over real HTTP:
// a campaign converging with a WebSocket client on the same session, streams killed mid-run,
// cancel from the other client, retried writes acknowledged as duplicates, token refresh, and
// the automatic fallback when the server refuses the WebSocket upgrade.
import { createServer } from 'node:http';
import { createServer as createTcpServer, connect as tcpConnect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  PROTOCOL_VERSION,
  SessionClient,
  SseSocket,
  applyRecords,
  createDefaultTeam,
  createSessionState,
  type ConnectionState,
  type FetchLike,
  type SessionClientOptions,
  type SessionHandle,
  type SessionState,
} from '@marketing-team/core';
import { createMarketingTeamServer, createNodeListener } from '../src/http/index.js';
import { createOfflineProvider } from '../src/models/index.js';
import { createScriptedProducer, createTeamRuntime, scriptedDeltaText } from '../src/runtime/index.js';
import { MemoryStore } from '../src/stores/index.js';
import { ORIGIN, ROOMY_LIMITS, SECRET, readAll, startServer, until, type RunningServer } from './_harness.js';
import { findMessage, listMessages } from '@marketing-team/core';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function serve(options: Parameters<typeof startServer>[1] = {}): Promise<{ running: RunningServer; store: MemoryStore }> {
  const store = new MemoryStore();
  const running = await startServer(store, options);
  cleanups.push(() => running.close());
  return { running, store };
}

function connect(url: string, options: Partial<SessionClientOptions> = {}): SessionClient {
  const client = new SessionClient({ url, WebSocket, backoff: { initialMs: 20, maxMs: 200, jitter: 1 }, ...options });
  cleanups.push(() => client.close());
  return client;
}

const sse = (url: string, options: Partial<SessionClientOptions> = {}) => connect(url, { transport: 'sse', ...options });

async function logState(store: MemoryStore, session: string): Promise<SessionState> {
  return applyRecords(createSessionState(), await readAll(store, session));
}

function runStatus(handle: SessionHandle, runId: string): string | undefined {
  return handle.getState().runs[runId]?.status;
}

/** Problems if the offset ever goes back or a streaming message holds text that was never written. */
function watchStreams(handle: SessionHandle, expected: (messageId: string) => string): string[] {
  const problems: string[] = [];
  let last = handle.getState();
  handle.subscribe(() => {
    const state = handle.getState();
    if (state.offset < last.offset) problems.push(`offset went back from ${last.offset} to ${state.offset}`);
    last = state;
    for (const message of listMessages(state)) {
      if (message.status === 'streaming' && !expected(message.id).startsWith(message.text)) problems.push(`message ${message.id} holds text that was never written`);
    }
  });
  return problems;
}

function scriptedText(messageId: string, deltas: number): string {
  const task = Number(messageId.replace('msg-', ''));
  let text = '';
  for (let index = 0; index < deltas; index += 1) text += scriptedDeltaText(task, index);
  return text;
}

function statuses(client: SessionClient): ConnectionState[] {
  const seen: ConnectionState[] = [];
  client.subscribeConnection(() => seen.push(client.getConnection()));
  return seen;
}

describe('SessionClient over SSE + POST against the real server', () => {
  it('runs a campaign over SSE that converges byte for byte with a WebSocket client on the same session', async () => {
    const { running, store } = await serve({
      launcher: createTeamRuntime({ team: createDefaultTeam(), provider: createOfflineProvider({ tokensPerSecond: 20_000 }) }),
    });
    const overSse = sse(running.wsUrl);
    const overSocket = connect(running.wsUrl, { transport: 'websocket' });
    const viaSse = overSse.session('campaign', { getToken: (session) => running.token(session) });
    const viaSocket = overSocket.session('campaign', { getToken: (session) => running.token(session) });

    const { runId, offset } = await viaSse.submitBrief({ goal: 'Launch our reusable bottle to commuters' });
    expect(offset).toBeGreaterThan(0);
    await until(() => runStatus(viaSse, runId) === 'completed' && runStatus(viaSocket, runId) === 'completed', 60_000, 'the campaign completed on both');
    await until(() => viaSse.offset === viaSocket.offset, 10_000, 'both at the same offset');

    expect(overSse.getConnection()).toMatchObject({ status: 'live', transport: 'sse', queued: 0 });
    expect(overSocket.getConnection()).toMatchObject({ status: 'live', transport: 'websocket' });
    expect(Object.keys(viaSse.getState().deliverables).length).toBeGreaterThan(0);
    expect(viaSse.capabilities).toEqual(['read', 'write', 'control']);
    const stored = JSON.stringify(await logState(store, 'campaign'));
    expect(JSON.stringify(viaSse.getState())).toBe(stored);
    expect(JSON.stringify(viaSocket.getState())).toBe(stored);
  });

  it('resumes after its HTTP responses are killed mid-stream, with nothing lost or duplicated', async () => {
    const deltas = 300;
    const { running, store } = await serve({ launcher: createScriptedProducer({ deltas, deltasPerSecond: 1_000, tasks: 2 }) });
    const client = sse(running.wsUrl);
    const seen = statuses(client);
    // Two sessions over one client: one stream each.
    const sessions = ['drops-a', 'drops-b'];
    const handles = sessions.map((session) => client.session(session, { getToken: (id) => running.token(id) }));
    const problems = handles.flatMap((handle) => watchStreams(handle, (id) => scriptedText(id, deltas)));
    const runs = await Promise.all(handles.map((handle, index) => handle.submitBrief({ goal: `Campaign ${index}` })));

    for (const length of [40, 120]) {
      await until(() => (findMessage(handles[0]!.getState(), 'msg-0')?.text.length ?? 0) > length * 4, 20_000, 'some text');
      expect(runStatus(handles[0]!, runs[0]!.runId)).toBe('running');
      const resumes = seen.filter((state) => state.lastResume !== undefined).length;
      // Every HTTP connection the server holds (both event streams) is destroyed mid-response.
      running.http.closeAllConnections();
      await until(() => seen.filter((state) => state.lastResume !== undefined).length > resumes && client.getConnection().status === 'live', 10_000, 'resumed');
    }
    await until(() => handles.every((handle, index) => runStatus(handle, runs[index]!.runId) === 'completed'), 20_000, 'both runs completed');
    expect(seen.some((state) => state.status === 'reconnecting')).toBe(true);
    expect(seen.every((state) => state.transport === 'sse')).toBe(true);
    expect(problems).toEqual([]);
    for (const [index, handle] of handles.entries()) {
      await until(async () => JSON.stringify(handle.getState()) === JSON.stringify(await logState(store, sessions[index]!)), 10_000, 'state equals the log');
    }
  });

  it('is cancelled from a WebSocket client, and cancels a run the WebSocket client started', async () => {
    const { running, store } = await serve({ launcher: createScriptedProducer({ deltas: 5_000, deltasPerSecond: 400 }) });
    const viaSse = sse(running.wsUrl).session('cancel', { token: await running.token('cancel') });
    const viaSocket = connect(running.wsUrl, { transport: 'websocket' }).session('cancel', { token: await running.token('cancel') });

    const first = await viaSse.submitBrief({ goal: 'Something long' });
    await until(() => (findMessage(viaSse.getState(), 'msg-0')?.text.length ?? 0) > 0, 20_000, 'first tokens over SSE');
    await until(() => runStatus(viaSocket, first.runId) === 'running', 20_000, 'the WebSocket client sees the run');
    expect((await viaSocket.cancel(first.runId, undefined, 'from the other device')).duplicate).toBe(false);
    await until(() => runStatus(viaSse, first.runId) === 'cancelled', 20_000, 'cancelled on the SSE client');
    const message = findMessage(viaSse.getState(), 'msg-0')!;
    expect(message.status).toBe('cancelled');
    expect(scriptedText('msg-0', 5_000).startsWith(message.text)).toBe(true);

    const second = await viaSocket.submitBrief({ goal: 'Something else long' });
    await until(() => runStatus(viaSse, second.runId) === 'running', 20_000, 'the SSE client sees the second run');
    expect((await viaSse.cancel(second.runId)).duplicate).toBe(false);
    await until(() => runStatus(viaSocket, second.runId) === 'cancelled', 20_000, 'cancelled on the WebSocket client');
    await until(async () => {
      const stored = JSON.stringify(await logState(store, 'cancel'));
      return JSON.stringify(viaSse.getState()) === stored && JSON.stringify(viaSocket.getState()) === stored;
    }, 10_000, 'both equal the log');
  });

  it('re-sends a message whose answer was lost with the same clientMsgId; the server stores it once and acks a duplicate', async () => {
    const { running, store } = await serve();
    let lose = 0;
    // The POST of a write reaches the server and is stored; its answer is lost on the way back.
    // (The device's telemetry is posted too, and nothing waits for its answer.)
    const write = (body: unknown) => typeof body === 'string' && /^\{"type":"(publish|cancel|steer)"/.test(body);
    const lossy: FetchLike = async (input, init) => {
      const response = await fetch(input, init);
      if (init?.method === 'POST' && write(init.body) && lose > 0) {
        lose -= 1;
        await response.body?.cancel();
        throw new TypeError('network error');
      }
      return response;
    };
    const client = sse(running.wsUrl, { fetch: lossy });
    const seen = statuses(client);
    const handle = client.session('retry', { token: await running.token('retry') });
    await until(() => handle.epoch !== undefined, 10_000, 'subscribed');

    lose = 1;
    const card = await handle.publish({ type: 'card.created', cardId: 'c1', title: 'Book the venue' });
    expect(card.duplicate).toBe(true);
    lose = 1;
    const brief = await handle.submitBrief({ goal: 'Sent twice, stored once' });
    const fresh = await handle.publish({ type: 'card.created', cardId: 'c2', title: 'Print the flyers' });
    expect(fresh.duplicate).toBe(false);
    expect(seen.filter((state) => state.status === 'reconnecting').length).toBeGreaterThanOrEqual(2);

    const log = await readAll(store, 'retry');
    expect(log.filter((record) => record.event.type === 'card.created').map((record) => record.offset)).toEqual([card.offset, fresh.offset]);
    expect(log.filter((record) => record.event.type === 'brief.submitted').map((record) => record.offset)).toEqual([brief.offset]);
    await until(() => handle.offset >= fresh.offset, 5_000, 'applied');
    expect(Object.keys(handle.getState().board)).toEqual(['c1', 'c2']);
  });

  it('detects a half-open event stream by its missing heartbeats and reconnects', async () => {
    const { running } = await serve({ heartbeatMs: 200 });
    const proxy = await freezableProxy(Number(new URL(running.url).port));
    const client = sse(running.wsUrl.replace(/:\d+\//, `:${proxy.port}/`), { heartbeatMs: 200 });
    const seen = statuses(client);
    const handle = client.session('heartbeat', { token: await running.token('heartbeat') });
    await until(() => handle.epoch !== undefined, 10_000, 'subscribed');
    // Heartbeat comments keep a quiet but healthy stream live.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(seen.some((state) => state.status !== 'live')).toBe(false);

    // Every connection stays open but carries nothing, as after a network change.
    proxy.freeze();
    const pending = handle.publish({ type: 'card.created', cardId: 'c1', title: 'After the freeze' });
    await expect(pending).resolves.toMatchObject({ offset: 1 });
    await until(() => handle.getState().board.c1 !== undefined, 5_000, 'card applied');
    expect(seen.some((state) => state.status === 'reconnecting')).toBe(true);
  });

  it('rejects a write the token does not allow with a typed error', async () => {
    const { running } = await serve();
    const handle = sse(running.wsUrl).session('readonly', { token: await running.token('readonly', ['read']) });
    await expect(handle.submitBrief({ goal: 'Not allowed' })).rejects.toMatchObject({ name: 'SessionClientError', code: 'forbidden' });
    await expect(handle.cancel('some-run')).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('refreshes its token by reopening the stream, and keeps the subscription past the first expiry', async () => {
    const { running } = await serve();
    let minted = 0;
    const handle = sse(running.wsUrl).session('refresh', {
      getToken: (session) => {
        minted += 1;
        return running.token(session, undefined, 'user-1', 3);
      },
    });
    await until(() => handle.epoch !== undefined, 10_000, 'subscribed');
    await until(() => minted >= 2, 10_000, 'a refresh');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const { offset } = await handle.publish({ type: 'card.created', cardId: 'c1', title: 'Check the venue' });
    await until(() => handle.offset >= offset, 5_000, 'card applied');
    expect(handle.getState().board.c1?.title).toBe('Check the venue');
    expect(handle.error).toBeUndefined();
  });

  it('falls back to SSE by itself when the server refuses the WebSocket upgrade, and says so', async () => {
    const store = new MemoryStore();
    const server = createMarketingTeamServer({
      store,
      tokens: { secret: SECRET },
      allowedOrigins: [ORIGIN],
      onError: () => undefined,
      limits: ROOMY_LIMITS,
      launcher: createScriptedProducer({ deltas: 50, deltasPerSecond: 2_000 }),
    });
    // Plain HTTP only, as behind a host that cannot upgrade: the upgrade request gets a 404.
    const http = createServer(createNodeListener(server));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      await server.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    });
    const port = (http.address() as AddressInfo).port;
    const client = connect(`ws://127.0.0.1:${port}${server.websocket.path}`);
    const seen = statuses(client);
    expect(client.getConnection().transport).toBe('websocket');
    const handle = client.session('fallback', { token: await server.tokens.mint({ session: 'fallback', userId: 'user-1', capabilities: ['read', 'write', 'control'], ttlSeconds: 600 }) });
    const { runId } = await handle.submitBrief({ goal: 'Works without WebSockets' });
    await until(() => runStatus(handle, runId) === 'completed', 20_000, 'run completed');
    expect(client.getConnection()).toMatchObject({ status: 'live', transport: 'sse' });
    // It never claimed to be live before it fell back.
    expect(seen.filter((state) => state.status === 'live').every((state) => state.transport === 'sse')).toBe(true);
    expect(JSON.stringify(handle.getState())).toBe(JSON.stringify(await logState(store, 'fallback')));
  });

  it('stays on WebSocket with auto while the server is down (nothing answers HTTP either)', async () => {
    const { running } = await serve();
    await running.close();
    cleanups.pop();
    const client = connect(running.wsUrl, { unreachableAfterAttempts: 2 });
    await until(() => client.getConnection().status === 'unreachable', 10_000, 'unreachable');
    expect(client.getConnection().transport).toBe('websocket');
  });

  it('close() ends its streams on the server', async () => {
    const { running } = await serve({ limits: { ...ROOMY_LIMITS, connectionsPerSession: 1 } });
    const client = sse(running.wsUrl);
    const handle = client.session('bye', { token: await running.token('bye') });
    await until(() => handle.epoch !== undefined, 10_000, 'subscribed');
    const token = await running.token('bye');
    // The session allows one stream at a time, so a second stream is refused while the client holds one.
    const tryStream = async () => {
      const response = await fetch(`${running.url}/sessions/bye/events`, { headers: { authorization: `Bearer ${token}` } });
      await response.body?.cancel();
      return response.status;
    };
    expect(await tryStream()).toBe(429);
    client.close();
    expect(client.getConnection().status).toBe('offline');
    await until(async () => (await tryStream()) === 200, 10_000, 'the stream released on the server');
  });

  it('posts a telemetry report made before any stream was answered with the first one, to the device the stream names', async () => {
    const metricsToken = 'sse-client-metrics-token-0123456789';
    const { running } = await serve({ metrics: { token: metricsToken } });
    const reports = async () => {
      const text = await (await fetch(`${running.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })).text();
      const line = text.split('\n').find((each) => each.startsWith('marketing_team_telemetry_reports_total{device="tablet"} '));
      return Number(line?.split(' ')[1] ?? 0);
    };
    const socket = new SseSocket(running.url);
    cleanups.push(() => socket.close());
    const frames: Array<{ type: string }> = [];
    socket.onmessage = ({ data }) => frames.push(JSON.parse(String(data)) as { type: string });
    await new Promise<void>((resolve) => (socket.onopen = () => resolve()));
    socket.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, clientId: 'tablet-1' }));
    await until(() => frames.some((frame) => frame.type === 'welcome'), 10_000, 'welcome');
    socket.send(JSON.stringify({ type: 'telemetry', device: 'tablet', timeToFirstTokenMs: [700], reconnects: 0, digestMismatches: 0 }));
    expect(await reports()).toBe(0);
    socket.send(JSON.stringify({ type: 'subscribe', session: 'reporting', token: await running.token('reporting') }));
    await until(async () => (await reports()) === 1, 10_000, 'the report in the metrics');
  });
});

/** A TCP proxy whose open connections can be frozen: kept open, carrying nothing either way. */
async function freezableProxy(targetPort: number): Promise<{ port: number; freeze(): void }> {
  const pairs: Array<[Socket, Socket]> = [];
  const frozen: Socket[] = [];
  const server = createTcpServer((client) => {
    const upstream = tcpConnect(targetPort, '127.0.0.1');
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
    pairs.push([client, upstream]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of [...pairs.flat(), ...frozen]) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return {
    port: (server.address() as AddressInfo).port,
    freeze() {
      for (const [client, upstream] of pairs.splice(0)) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
        frozen.push(client, upstream);
      }
    },
  };
}
