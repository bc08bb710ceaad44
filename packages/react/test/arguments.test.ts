// @vitest-environment jsdom
import { cleanup, render } from '@testing-library/react';
import { createElement, type ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SessionClientError } from '@marketing-team/core';
import { MarketingTeamProvider, MarketingTeamSession, useAgentStream, useRun, useSession } from '../src/index.js';

afterEach(() => cleanup());

/** Renders `tree` and returns what it threw (React reports it to the console; that noise is silenced). */
function thrownBy(tree: ReactNode): unknown {
  const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    render(tree);
    return undefined;
  } catch (error) {
    return error;
  } finally {
    quiet.mockRestore();
  }
}

function Uses({ hook }: { hook: () => unknown }): ReactNode {
  hook();
  return null;
}

describe('arguments', () => {
  it('the provider needs exactly one of endpoint and client, and names a bad prop', () => {
    const neither = thrownBy(createElement(MarketingTeamProvider, { token: 't' }));
    expect(neither).toBeInstanceOf(SessionClientError);
    expect((neither as SessionClientError).field).toBe('props.endpoint');
    const badToken = thrownBy(createElement(MarketingTeamProvider, { endpoint: '/mt', token: 42 as unknown as string }));
    expect((badToken as SessionClientError).code).toBe('invalid_argument');
    expect((badToken as SessionClientError).field).toBe('props.token');
    const badSession = thrownBy(createElement(MarketingTeamProvider, { endpoint: '/mt', session: 'not a valid id!' }));
    expect((badSession as SessionClientError).field).toBe('props.session');
  });

  it('hooks name what is missing or malformed', () => {
    const outside = thrownBy(createElement(Uses, { hook: () => useSession('s1') }));
    expect((outside as SessionClientError).field).toBe('MarketingTeamProvider');
    const noSession = thrownBy(createElement(MarketingTeamProvider, { endpoint: '/mt', children: createElement(Uses, { hook: () => useRun() }) }));
    expect((noSession as SessionClientError).field).toBe('session');
    const badAgent = thrownBy(
      createElement(MarketingTeamProvider, { endpoint: '/mt', session: 's1', children: createElement(Uses, { hook: () => useAgentStream('') }) }),
    );
    expect((badAgent as SessionClientError).field).toBe('agent');
    const badRun = thrownBy(createElement(MarketingTeamProvider, { endpoint: '/mt', session: 's1', children: createElement(Uses, { hook: () => useRun('no spaces allowed') }) }));
    expect((badRun as SessionClientError).field).toBe('runId');
    const badScope = thrownBy(
      createElement(MarketingTeamProvider, {
        endpoint: '/mt',
        children: createElement(MarketingTeamSession, { session: 's1', getToken: 'nope' as never, children: null }),
      }),
    );
    expect((badScope as SessionClientError).field).toBe('props.getToken');
  });
});
