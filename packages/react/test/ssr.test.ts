// @vitest-environment node
import { createElement, type ReactNode } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import {
  MarketingTeam,
  MarketingTeamProvider,
  useAgentStream,
  useConnection,
  useDeliverables,
  useRun,
  useSession,
  useSessionClient,
  useTaskBoard,
} from '../src/index.js';

function Page(): ReactNode {
  const session = useSession();
  const run = useRun();
  const lane = useAgentStream('content-creator');
  const deliverables = useDeliverables();
  const board = useTaskBoard();
  const connection = useConnection();
  const client = useSessionClient();
  return createElement(
    'main',
    null,
    createElement('p', { id: 'status' }, `${session.status}/${connection.status}/${session.state.offset}/${session.capabilities.length}`),
    createElement('p', { id: 'run' }, run ? run.id : 'no run'),
    createElement('p', { id: 'lane' }, `${lane.status}:${lane.text.length}`),
    createElement('p', { id: 'counts' }, `${deliverables.length} deliverables, ${board.cards.length} cards, client ${client === undefined ? 'absent' : 'present'}`),
    createElement(MarketingTeam, { theme: 'dark' }),
  );
}

/** Replaces browser globals with traps that record any read. */
function trapGlobals(names: string[]): { touched: string[]; restore(): void } {
  const touched: string[] = [];
  const saved = names.map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)] as const);
  for (const name of names) {
    Object.defineProperty(globalThis, name, {
      configurable: true,
      get() {
        touched.push(name);
        return undefined;
      },
    });
  }
  return {
    touched,
    restore() {
      for (const [name, descriptor] of saved) {
        if (descriptor) Object.defineProperty(globalThis, name, descriptor);
        else delete (globalThis as Record<string, unknown>)[name];
      }
    },
  };
}

describe('server rendering', () => {
  it('renders the empty state without touching window, document or WebSocket', () => {
    let sockets = 0;
    class CountingWebSocket {
      constructor() {
        sockets += 1;
        throw new Error('no socket may be opened during a server render');
      }
    }
    const traps = trapGlobals(['window', 'document', 'WebSocket', 'location', 'navigator', 'localStorage']);
    let html: string;
    try {
      html = renderToString(
        createElement(MarketingTeamProvider, {
          endpoint: '/mt',
          token: 'token-from-the-host',
          session: 'ssr-session',
          WebSocket: CountingWebSocket as never,
          children: createElement(Page),
        }),
      );
    } finally {
      traps.restore();
    }
    expect(traps.touched).toEqual([]);
    expect(sockets).toBe(0);
    expect(html).toContain('<p id="status">connecting/connecting/0/0</p>');
    expect(html).toContain('<p id="run">no run</p>');
    expect(html).toContain('<p id="lane">idle:0</p>');
    expect(html).toContain('0 deliverables, 0 cards, client absent');
    expect(html).toContain('<marketing-team');
  });
});
