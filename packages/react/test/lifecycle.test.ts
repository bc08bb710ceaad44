// @vitest-environment jsdom
import { cleanup, render } from '@testing-library/react';
import { StrictMode, createElement, type ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SessionClient, type ClientFrame, type SessionHandle } from '@marketing-team/core';
import { MarketingTeamProvider, useAgentStream, useConnection, useRun, useSession, type UseSessionResult } from '../src/index.js';
import { startTestServer, until, type TestServer } from './_server.js';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  cleanup();
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function serve(): Promise<TestServer> {
  const server = await startTestServer({ deltas: 40 });
  cleanups.push(() => server.close());
  return server;
}

/** The `ws` WebSocket, recording every socket opened and every frame sent through it. */
function recordingWebSocket(): { WebSocket: typeof WebSocket; sockets: WebSocket[]; sent: ClientFrame[] } {
  const sockets: WebSocket[] = [];
  const sent: ClientFrame[] = [];
  class RecordingWebSocket extends WebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
    override send(data: string): void {
      sent.push(JSON.parse(data) as ClientFrame);
      super.send(data);
    }
  }
  return { WebSocket: RecordingWebSocket as unknown as typeof WebSocket, sockets, sent };
}

function Viewer({ into }: { into: { current?: UseSessionResult } }): ReactNode {
  into.current = useSession();
  useRun();
  useAgentStream('market-researcher');
  useConnection();
  return createElement('output', null, into.current.status);
}

const afterTasks = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('lifecycle', () => {
  it('StrictMode double mount of a provider opens one socket', async () => {
    const server = await serve();
    const session = 'strict-provider';
    const recording = recordingWebSocket();
    const latest: { current?: UseSessionResult } = {};
    const view = render(
      createElement(
        StrictMode,
        null,
        createElement(MarketingTeamProvider, {
          endpoint: server.endpoint,
          token: await server.token(session),
          session,
          WebSocket: recording.WebSocket,
          children: [createElement(Viewer, { key: 'a', into: latest }), createElement(Viewer, { key: 'b', into: {} })],
        }),
      ),
    );
    await until(() => latest.current?.status === 'live', 'live');
    const { runId } = await latest.current!.submitBrief({ goal: 'Strict' });
    await until(() => latest.current?.state.runs[runId]?.status === 'completed', 'the run to complete');
    expect(recording.sockets).toHaveLength(1);
    expect(latest.current!.state).toEqual(await server.logState(session));
    view.unmount();
    await until(async () => (await server.sockets()) === 0, 'the socket to close');
    expect(recording.sockets[0]!.readyState).toBe(WebSocket.CLOSED);
  });

  it('StrictMode double mount on a live connection subscribes once', async () => {
    const server = await serve();
    const session = 'strict-live';
    const recording = recordingWebSocket();
    const client = new SessionClient({ url: `${server.endpoint}/ws`, WebSocket: recording.WebSocket });
    cleanups.push(() => client.close());
    await until(() => client.getConnection().status === 'live', 'the connection');
    const latest: { current?: UseSessionResult } = {};
    render(
      createElement(
        StrictMode,
        null,
        createElement(MarketingTeamProvider, {
          client,
          token: await server.token(session),
          session,
          children: [createElement(Viewer, { key: 'a', into: latest }), createElement(Viewer, { key: 'b', into: {} })],
        }),
      ),
    );
    await until(() => latest.current?.status === 'live', 'the session');
    const { runId } = await latest.current!.submitBrief({ goal: 'Strict on a live socket' });
    await until(() => latest.current?.state.runs[runId]?.status === 'completed', 'the run to complete');
    // Effects ran mount, unmount, mount; the wire saw one subscribe and no unsubscribe.
    expect(recording.sent.filter((frame) => frame.type === 'subscribe')).toHaveLength(1);
    expect(recording.sent.filter((frame) => frame.type === 'unsubscribe')).toHaveLength(0);
    expect(latest.current!.state).toEqual(await server.logState(session));
  });

  it('unmounting a provider that created its client closes the socket on the server', async () => {
    const server = await serve();
    const session = 'own-client';
    const latest: { current?: UseSessionResult } = {};
    const view = render(
      createElement(MarketingTeamProvider, { endpoint: server.endpoint, token: await server.token(session), session, WebSocket, children: createElement(Viewer, { into: latest }) }),
    );
    await until(() => latest.current?.status === 'live', 'live');
    expect(await server.sockets()).toBe(1);
    view.unmount();
    await until(async () => (await server.sockets()) === 0, 'the server to see the socket close');
  });

  it('unmounting hooks on a given client releases every handle and listener and leaves the client open', async () => {
    const server = await serve();
    const session = 'given-client';
    const client = new SessionClient({ url: `${server.endpoint}/ws`, WebSocket });
    cleanups.push(() => client.close());
    // Count what the hooks hold on the real client.
    const handles: SessionHandle[] = [];
    let sessionListeners = 0;
    let connectionListeners = 0;
    const session$ = client.session.bind(client);
    client.session = (id, auth) => {
      const handle = session$(id, auth);
      handles.push(handle);
      const subscribe = handle.subscribe;
      Object.defineProperty(handle, 'subscribe', {
        value: (listener: () => void) => {
          sessionListeners += 1;
          const off = subscribe(listener);
          let done = false;
          return () => {
            if (!done) sessionListeners -= 1;
            done = true;
            off();
          };
        },
      });
      return handle;
    };
    const subscribeConnection = client.subscribeConnection;
    Object.defineProperty(client, 'subscribeConnection', {
      value: (listener: () => void) => {
        connectionListeners += 1;
        const off = subscribeConnection(listener);
        let done = false;
        return () => {
          if (!done) connectionListeners -= 1;
          done = true;
          off();
        };
      },
    });
    // A second device watches the same session, to see presence from the server's side.
    const observer = new SessionClient({ url: `${server.endpoint}/ws`, WebSocket });
    cleanups.push(() => observer.close());
    const watching = observer.session(session, { token: await server.token(session, ['read', 'presence']) });

    const latest: { current?: UseSessionResult } = {};
    const view = render(
      createElement(MarketingTeamProvider, {
        client,
        token: await server.token(session),
        session,
        children: [createElement(Viewer, { key: 'a', into: latest }), createElement(Viewer, { key: 'b', into: {} })],
      }),
    );
    await until(() => latest.current?.status === 'live', 'live');
    await until(() => watching.viewers.some((viewer) => viewer.clientId === client.clientId), 'the observer to see the hooks');
    expect(handles).toHaveLength(1);
    expect(sessionListeners).toBeGreaterThan(0);
    expect(connectionListeners).toBeGreaterThan(0);

    view.unmount();
    await afterTasks();
    expect(sessionListeners).toBe(0);
    expect(connectionListeners).toBe(0);
    expect(handles.every((handle) => handle.released)).toBe(true);
    expect(client.closed).toBe(false);
    await until(() => !watching.viewers.some((viewer) => viewer.clientId === client.clientId), 'the server to drop the subscription');
    expect(client.getConnection().status).toBe('live');
  });
});
