// @vitest-environment jsdom
import { cleanup, render } from '@testing-library/react';
import { createElement, type ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SessionClientError, type RunState } from '@marketing-team/core';
import {
  MarketingTeamProvider,
  MarketingTeamSession,
  useAgentStream,
  useConnection,
  useDeliverables,
  useMarketingTeamActions,
  useRun,
  useSession,
  useTaskBoard,
  type UseSessionResult,
} from '../src/index.js';
import { startTestServer, until, type TestServer } from './_server.js';
import { listMessages } from '@marketing-team/core';

// Updates arrive from real sockets, outside React's act().
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  cleanup();
  while (cleanups.length > 0) await cleanups.pop()!();
});

const DELTAS = 120;

// One server process for the file; every test uses its own session.
let shared: TestServer;
beforeAll(async () => {
  shared = await startTestServer({ deltas: DELTAS, deltasPerSecond: 1_500, tasks: 2, snapshotEvery: 50 });
});
afterAll(() => shared?.close());
const serve = async (): Promise<TestServer> => shared;

/** The agents of the scripted producer's two tasks, in order. */
const AGENTS = ['market-researcher', 'campaign-strategist'];

function provider(server: TestServer, session: string, token: string, children: ReactNode): ReactNode {
  return createElement(MarketingTeamProvider, {
    endpoint: server.endpoint,
    token,
    session,
    WebSocket,
    clientOptions: { backoff: { initialMs: 20, maxMs: 200 } },
    children,
  });
}

/** Keeps the latest `useSession` result of a tree where the test can read it. */
function probe(into: { current?: UseSessionResult }): ReactNode {
  function Probe(): ReactNode {
    into.current = useSession();
    return createElement('output', { 'data-status': into.current.status }, String(into.current.state.offset));
  }
  return createElement(Probe, { key: 'probe' });
}

const ended = (run: RunState | undefined) => run !== undefined && ['completed', 'cancelled', 'failed', 'interrupted'].includes(run.status);

describe('hooks against a real server', () => {
  it('streams a run into the lanes; an idle lane never re-renders; the final state is the log', async () => {
    const server = await serve();
    const session = 'stream-lanes';
    const token = await server.token(session);
    const renders: Record<string, number> = {};
    const seen: Record<string, string[]> = {};
    function Lane({ agent }: { agent: string }): ReactNode {
      const lane = useAgentStream(agent);
      renders[agent] = (renders[agent] ?? 0) + 1;
      (seen[agent] ??= []).push(lane.text);
      return createElement('pre', { 'data-testid': agent, 'data-status': lane.status }, lane.text);
    }
    let runSeen: RunState | undefined;
    function Progress(): ReactNode {
      runSeen = useRun();
      return createElement('p', { 'data-testid': 'run' }, runSeen?.status ?? 'none');
    }
    const latest: { current?: UseSessionResult } = {};
    const agents = [...AGENTS, 'data-analyst'];
    const view = render(
      provider(server, session, token, [
        probe(latest),
        createElement(Progress, { key: 'progress' }),
        ...agents.map((agent) => createElement(Lane, { key: agent, agent })),
      ]),
    );
    await until(() => latest.current?.status === 'live', 'live');
    expect(latest.current!.capabilities).toEqual(['read', 'write', 'control']);
    const { runId, offset } = await latest.current!.submitBrief({ goal: 'Launch the spring collection' });
    // The brief's ack carries the offset the server stored it at.
    const stored = await server.read(session, offset - 1, 1);
    expect(stored[0]?.event).toMatchObject({ type: 'brief.submitted', runId });

    await until(() => ended(latest.current?.state.runs[runId]), 'the run to end');
    await until(() => view.getByTestId('run').textContent === 'completed', 'useRun to show completed');
    expect(runSeen?.id).toBe(runId);
    const log = await server.logState(session);
    const finalText = (agent: string) => listMessages(log).find((message) => message.agent === agent)?.text ?? '';
    expect(finalText(agents[0]!).split(' ').filter(Boolean)).toHaveLength(DELTAS);
    expect(view.getByTestId(agents[0]!).textContent).toBe(finalText(agents[0]!));
    expect(view.getByTestId(agents[1]!).textContent).toBe(finalText(agents[1]!));
    // Streaming text reached the lane in steps, and every step was a prefix of the final text.
    expect(renders[agents[0]!]).toBeGreaterThan(2);
    for (const agent of AGENTS) {
      for (const text of seen[agent]!) expect(finalText(agent).startsWith(text)).toBe(true);
    }
    // Nothing in the log is about this agent, so its lane rendered once.
    expect(renders['data-analyst']).toBe(1);
    expect(latest.current!.state).toEqual(log);
  });

  it('two hook trees on one session converge on the same state as the log', async () => {
    const server = await serve();
    const session = 'two-trees';
    const latestA: { current?: UseSessionResult } = {};
    const latestB: { current?: UseSessionResult } = {};
    // Seeing the other viewers needs the presence capability.
    render(provider(server, session, await server.token(session, ['read', 'write', 'control', 'presence']), probe(latestA)));
    render(provider(server, session, await server.token(session), probe(latestB)));
    await until(() => latestA.current?.status === 'live' && latestB.current?.status === 'live', 'both live');
    const { runId } = await latestA.current!.submitBrief({ goal: 'Two screens, one run' });
    await until(() => ended(latestA.current?.state.runs[runId]) && ended(latestB.current?.state.runs[runId]), 'both to see the end');
    const log = await server.logState(session);
    expect(latestA.current!.state).toEqual(log);
    expect(latestB.current!.state).toEqual(log);
    // Each tree watches through its own socket: the server sees two viewers.
    await until(() => latestA.current!.viewers.length === 2, 'presence of both');
  });

  it('a provider with transport "sse" runs the hooks over SSE + POST, converging with a WebSocket tree', async () => {
    const server = await serve();
    const session = 'over-sse';
    const overSse: { current?: UseSessionResult } = {};
    const overSocket: { current?: UseSessionResult } = {};
    let transport: string | undefined;
    function Transport(): ReactNode {
      transport = useConnection().transport;
      return null;
    }
    const sseTree = createElement(MarketingTeamProvider, {
      endpoint: server.endpoint,
      transport: 'sse',
      token: await server.token(session),
      session,
      clientOptions: { backoff: { initialMs: 20, maxMs: 200 } },
      children: [probe(overSse), createElement(Transport, { key: 'transport' })],
    });
    render(sseTree);
    render(provider(server, session, await server.token(session), probe(overSocket)));
    await until(() => overSse.current?.status === 'live' && overSocket.current?.status === 'live', 'both live');
    expect(transport).toBe('sse');
    const { runId } = await overSse.current!.submitBrief({ goal: 'Over plain HTTP' });
    await until(() => ended(overSse.current?.state.runs[runId]) && ended(overSocket.current?.state.runs[runId]), 'both to see the end');
    const log = await server.logState(session);
    expect(overSse.current!.state).toEqual(log);
    expect(overSocket.current!.state).toEqual(log);
  });

  it('actions resolve on the server ack and reject a cancel the token does not allow', async () => {
    const server = await serve();
    const session = 'rights';
    const writer: { current?: UseSessionResult } = {};
    render(provider(server, session, await server.token(session), probe(writer)));
    let readOnly: ReturnType<typeof useMarketingTeamActions> | undefined;
    let readOnlyView: UseSessionResult | undefined;
    function Reader(): ReactNode {
      readOnly = useMarketingTeamActions();
      readOnlyView = useSession();
      return null;
    }
    render(provider(server, session, await server.token(session, ['read']), createElement(Reader)));
    await until(() => writer.current?.status === 'live' && readOnlyView?.status === 'live', 'both live');
    expect(readOnlyView!.canControl).toBe(false);
    expect(readOnlyView!.canWrite).toBe(false);
    const { runId } = await writer.current!.submitBrief({ goal: 'Stop me' });
    const refused = await readOnly!.cancel(runId).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(SessionClientError);
    expect((refused as SessionClientError).code).toBe('forbidden');
    const ack = await writer.current!.cancel(runId, undefined, 'changed my mind');
    const [record] = await server.read(session, ack.offset - 1, 1);
    expect(record?.event).toMatchObject({ type: 'cancel.requested', runId, reason: 'changed my mind' });
    await until(() => writer.current?.state.runs[runId]?.status === 'cancelled', 'the run to be cancelled');
  });

  it('useDeliverables, useTaskBoard and useConnection keep their identity while text streams', async () => {
    const server = await serve();
    const session = 'stable-parts';
    const latest: { current?: UseSessionResult } = {};
    const boards: unknown[] = [];
    const galleries: unknown[] = [];
    const statuses: string[] = [];
    function Parts(): ReactNode {
      boards.push(useTaskBoard());
      galleries.push(useDeliverables());
      statuses.push(useConnection().status);
      return null;
    }
    render(provider(server, session, await server.token(session), [probe(latest), createElement(Parts, { key: 'parts' })]));
    await until(() => latest.current?.status === 'live', 'live');
    const { runId } = await latest.current!.submitBrief({ goal: 'Watch the board' });
    await until(() => ended(latest.current?.state.runs[runId]), 'the run to end');
    const board = boards.at(-1) as ReturnType<typeof useTaskBoard>;
    expect(board.cards.map((card) => card.status)).toEqual(['done', 'done']);
    expect(board.columns.done).toHaveLength(2);
    // One board object per change of the cards, far fewer than the deltas streamed.
    expect(new Set(boards).size).toBeLessThan(12);
    expect(new Set(galleries).size).toBe(1);
    expect(statuses).toContain('live');
  });

  it('a MarketingTeamSession token is used over the provider one; a refused session says why', async () => {
    const server = await serve();
    const readOnly: { current?: UseSessionResult } = {};
    const scoped: { current?: UseSessionResult } = {};
    const refused: { current?: UseSessionResult } = {};
    function Into({ into, session }: { into: { current?: UseSessionResult }; session?: string }): ReactNode {
      into.current = useSession(session);
      return null;
    }
    render(
      createElement(MarketingTeamProvider, {
        endpoint: server.endpoint,
        // The provider's token reads `scoped-a` only.
        token: await server.token('scoped-a', ['read']),
        WebSocket,
        children: [
          createElement(Into, { key: 'a', into: readOnly, session: 'scoped-a' }),
          createElement(MarketingTeamSession, {
            key: 'b',
            session: 'scoped-b',
            token: await server.token('scoped-b'),
            children: createElement(Into, { into: scoped }),
          }),
          // No token of its own: the provider's, which names another session.
          createElement(Into, { key: 'c', into: refused, session: 'scoped-c' }),
        ],
      }),
    );
    await until(() => readOnly.current?.status === 'live' && scoped.current?.status === 'live', 'both sessions live');
    expect(readOnly.current!.capabilities).toEqual(['read']);
    expect(scoped.current!.session).toBe('scoped-b');
    expect(scoped.current!.canControl).toBe(true);
    await until(() => refused.current?.status === 'refused', 'the refusal');
    expect(refused.current!.error?.code).toBe('forbidden');
    expect(refused.current!.state.offset).toBe(0);
  });
});

describe('liveness and pauses through the hooks', () => {
  it('useAgentStream says when an agent is stalled rather than thinking, useRun when its run is paused; both clear', async () => {
    const server = await serve();
    const session = 'stalled-lane';
    const system = { kind: 'system' } as const;
    const research = { runId: 'r1', taskId: 'research', agent: 'market-researcher' } as const;
    await server.append(session, [
      { type: 'brief.submitted', runId: 'r1', brief: { goal: 'Hung model' }, by: { kind: 'human', id: 'user-1' } },
      { type: 'run.started', runId: 'r1', tasks: [{ id: 'research', title: 'Research', skill: 'research-brief', agent: 'market-researcher', dependsOn: [] }], model: { provider: 'offline', name: 'x', offline: true } },
      { type: 'task.started', ...research },
      { type: 'message.started', ...research, messageId: 'm1' },
      { type: 'text.delta', ...research, messageId: 'm1', text: 'Hel' },
    ]);
    let lane: ReturnType<typeof useAgentStream> | undefined;
    let run: RunState | undefined;
    function Lane(): ReactNode {
      lane = useAgentStream('market-researcher');
      run = useRun('r1');
      return createElement('p', null, lane.stalled ? 'stalled' : lane.status);
    }
    render(provider(server, session, await server.token(session), createElement(Lane)));
    await until(() => lane?.streaming === true, 'the lane streaming');
    expect(lane!.stalled).toBeUndefined();

    await server.append(session, [{ type: 'task.stalled', ...research, sinceMs: 30_000, reason: 'the model has sent no more output for 30 s' }]);
    await until(() => lane?.stalled !== undefined, 'the lane stalled');
    expect(lane!.stalled!.reason).toBe('the model has sent no more output for 30 s');
    expect(lane!.status).toBe('working');
    await server.append(session, [{ type: 'text.delta', ...research, messageId: 'm1', text: 'lo' }]);
    await until(() => lane !== undefined && lane.stalled === undefined && lane.text === 'Hello', 'the stall cleared by the next text');

    await server.append(session, [{ type: 'run.paused', runId: 'r1', reason: 'nobody has watched the session for 10 s', unwatchedMs: 10_000, by: system }]);
    await until(() => run?.paused !== undefined, 'the run paused');
    expect(run!.paused).toMatchObject({ reason: 'nobody has watched the session for 10 s', unwatchedMs: 10_000 });
    await server.append(session, [{ type: 'run.resumed', runId: 'r1', reason: 'someone opened the session again', by: system }]);
    await until(() => run !== undefined && run.paused === undefined, 'the run resumed');
  });
});
