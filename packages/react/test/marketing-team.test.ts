// @vitest-environment jsdom
import { cleanup, render } from '@testing-library/react';
import { createElement, createRef } from 'react';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { MarketingTeamElement, type ConnectionChangeDetail, type RunCompletedDetail } from '@marketing-team/widget';
import { MarketingTeam, MarketingTeamProvider } from '../src/index.js';
import { startTestServer, until } from './_server.js';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;

// Node resolves `@lit/react` to its server build (which leaves properties to server rendering);
// a browser bundle gets the browser build, so the DOM tests load that one.
vi.mock('@lit/react', async () => {
  const entry = createRequire(join(import.meta.dirname, '..', 'package.json')).resolve('@lit/react');
  const root = entry.slice(0, entry.lastIndexOf('/@lit/react/') + '/@lit/react/'.length);
  return (await import(join(root, 'development', 'index.js'))) as typeof import('@lit/react');
});

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  cleanup();
  while (cleanups.length > 0) await cleanups.pop()!();
});

describe('<MarketingTeam>', () => {
  it('renders the custom element with props set as properties and typed event props', () => {
    const strings = { title: 'Équipe marketing' };
    const getToken = vi.fn(() => 'a-token');
    const onError = vi.fn();
    const onRunCompleted = vi.fn();
    const ref = createRef<MarketingTeamElement>();
    const view = render(createElement(MarketingTeam, { ref, session: 'element-props', getToken, strings, theme: 'dark', onError, onRunCompleted, className: 'team' }));
    const element = view.container.querySelector('marketing-team');
    expect(element).toBeInstanceOf(MarketingTeamElement);
    expect(ref.current).toBe(element);
    const team = element as MarketingTeamElement;
    // Objects and functions travel as properties, never as attributes.
    expect(team.strings).toBe(strings);
    expect(team.getToken).toBe(getToken);
    expect(team.hasAttribute('strings')).toBe(false);
    expect(team.session).toBe('element-props');
    expect(team.theme).toBe('dark');
    expect(team.className).toBe('team');
    const detail: RunCompletedDetail = { runId: 'r1', status: 'completed', deliverableIds: [], run: {} as RunCompletedDetail['run'] };
    team.dispatchEvent(new CustomEvent('mt-run-completed', { detail }));
    expect(onRunCompleted).toHaveBeenCalledTimes(1);
    expect((onRunCompleted.mock.calls[0]![0] as CustomEvent<RunCompletedDetail>).detail).toBe(detail);
    expect(onError).not.toHaveBeenCalled();
  });

  it('inside a provider, shares its client and tokens and reports real events', async () => {
    const server = await startTestServer({ deltas: 30 });
    cleanups.push(() => server.close());
    const session = 'element-live';
    const statuses: string[] = [];
    const completed: RunCompletedDetail[] = [];
    const ref = createRef<MarketingTeamElement>();
    render(
      createElement(MarketingTeamProvider, {
        endpoint: server.endpoint,
        getToken: (id: string) => server.token(id),
        WebSocket,
        session,
        children: createElement(MarketingTeam, {
          ref,
          onConnectionChange: (event: CustomEvent<ConnectionChangeDetail>) => statuses.push(event.detail.status),
          onRunCompleted: (event: CustomEvent<RunCompletedDetail>) => completed.push(event.detail),
        }),
      }),
    );
    await until(() => ref.current?.client !== undefined, 'the provider client to reach the element');
    await until(() => statuses.includes('live'), 'mt-connection-change to say live');
    await until(() => (ref.current?.state?.offset ?? -1) >= 0 && ref.current?.client?.getConnection().status === 'live', 'the element to subscribe');
    // One socket for the whole page: the element uses the provider's client.
    expect(await server.sockets()).toBe(1);
    await ref.current!.submitBrief({ goal: 'Ship it from the element' });
    await until(() => completed.length === 1, 'mt-run-completed');
    expect(completed[0]!.status).toBe('completed');
    expect(ref.current!.state).toEqual(await server.logState(session));
  });
});
