// @vitest-environment jsdom
import { cleanup, render } from '@testing-library/react';
import { createElement, type ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MarketingTeamProvider, useAgentStream, useConnection, useSession, type UseSessionResult } from '../src/index.js';
import { startTestServer, until } from './_server.js';
import { listMessages } from '@marketing-team/core';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  cleanup();
  while (cleanups.length > 0) await cleanups.pop()!();
});

const DELTAS = 400;

describe('resume', () => {
  it('ends with exactly the server log after the sockets are dropped mid-stream', async () => {
    const server = await startTestServer({ deltas: DELTAS, deltasPerSecond: 1_000, snapshotEvery: 100 });
    cleanups.push(() => server.close());
    const session = 'resume';
    const texts: string[] = [];
    const offsets: number[] = [];
    const latest: { current?: UseSessionResult } = {};
    let resumes = 0;
    function Lane(): ReactNode {
      const lane = useAgentStream('market-researcher');
      texts.push(lane.text);
      return createElement('pre', null, lane.text);
    }
    function Probe(): ReactNode {
      latest.current = useSession();
      offsets.push(latest.current.state.offset);
      const connection = useConnection();
      if (connection.lastResume) resumes = Math.max(resumes, connection.lastResume.at);
      return null;
    }
    render(
      createElement(MarketingTeamProvider, {
        endpoint: server.endpoint,
        getToken: (id: string) => server.token(id),
        session,
        WebSocket,
        clientOptions: { backoff: { initialMs: 10, maxMs: 50 } },
        children: [createElement(Probe, { key: 'probe' }), createElement(Lane, { key: 'lane' })],
      }),
    );
    await until(() => latest.current?.status === 'live', 'live');
    const { runId } = await latest.current!.submitBrief({ goal: 'Survive the tunnel' });
    for (const share of [0.2, 0.45, 0.7]) {
      await until(() => (latest.current?.state.offset ?? 0) > DELTAS * share, `${share * 100}% of the stream`);
      const before = latest.current!.connection.lastResume;
      // Cut every TCP connection, like a lost network, then wait for the client to resume.
      expect(await server.dropConnections()).toBeGreaterThan(0);
      await until(() => latest.current?.connection.lastResume !== before, 'the resume');
    }
    await until(() => latest.current?.state.runs[runId]?.status === 'completed', 'the run to complete');
    expect(resumes).toBeGreaterThan(0);
    const log = await server.logState(session);
    expect(latest.current!.state).toEqual(log);
    const expected = listMessages(log)[0]!.text;
    expect(expected.split(' ').filter(Boolean)).toHaveLength(DELTAS);
    expect(texts.at(-1)).toBe(expected);
    // Never a gap or a duplicate on screen: each text shown is a prefix of the final one, offsets never go back.
    for (const text of texts) expect(expected.startsWith(text)).toBe(true);
    for (let index = 1; index < offsets.length; index += 1) expect(offsets[index]!).toBeGreaterThanOrEqual(offsets[index - 1]!);
  });
});
