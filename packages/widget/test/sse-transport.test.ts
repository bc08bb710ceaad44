// The widget over the SSE + POST transport (`transport="sse"`), in real Chromium against the
// real test server: a campaign to completion, event streams killed mid-run and resumed, a stop
// from a second page on the WebSocket transport, and both pages converging on the log.
import type { SessionRecord, SessionState } from '@marketing-team/core';
import '../src/index.js';
import type { ConnectionInfo, MarketingTeamElement } from '../src/index.js';
import { deepQuery, equal, ok, waitFor } from './_assert.js';
import { afterEach, describe, it } from './_mocha.js';
import { callServer, mintToken, serverUrl } from './_page.js';
import { findMessage, listMessages } from '@marketing-team/core';

const LONG = 25_000;

function sessionId(name: string): string {
  return `widget-sse-${name}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

async function mount(session: string, transport: 'sse' | 'websocket'): Promise<MarketingTeamElement> {
  const element = document.createElement('marketing-team');
  // As a page writes it: attributes only.
  element.setAttribute('endpoint', `${(await serverUrl()).replace(/^ws/, 'http')}/mt`);
  element.setAttribute('transport', transport);
  element.setAttribute('session', session);
  element.setAttribute('token', await mintToken(session, ['read', 'write', 'control']));
  document.body.append(element);
  return element;
}

function status(element: MarketingTeamElement): string {
  return deepQuery(element, 'mt-connection-status >>> [part="status"]')?.textContent ?? '';
}

function runOf(element: MarketingTeamElement) {
  const state = element.state;
  const id = state?.runOrder[state.runOrder.length - 1];
  return id ? state?.runs[id] : undefined;
}

async function submit(element: MarketingTeamElement, goal: string): Promise<void> {
  const goalField = await waitFor(() => deepQuery<HTMLTextAreaElement>(element, 'mt-brief-form >>> textarea'), 'brief form');
  await waitFor(() => status(element).startsWith('Live'), 'live connection', LONG);
  goalField.value = goal;
  deepQuery<HTMLButtonElement>(element, 'mt-brief-form >>> [part="submit"]')!.click();
  await waitFor(() => runOf(element), 'the run to appear', LONG);
}

async function serverLog(session: string): Promise<SessionRecord[]> {
  return (await callServer<{ records: SessionRecord[] }>('GET', `/test/log?session=${encodeURIComponent(session)}`)).records;
}

/** Every message's text as stored, and the offset reached: what a client that applied the whole log holds. */
function assertMatchesLog(state: SessionState, records: SessionRecord[]): void {
  const texts = new Map<string, string>();
  for (const { event } of records) {
    if (event.type === 'message.started') texts.set(event.messageId, '');
    if (event.type === 'text.delta') texts.set(event.messageId, (texts.get(event.messageId) ?? '') + event.text);
  }
  ok(texts.size > 0, 'the log holds messages');
  equal(listMessages(state).length, texts.size, 'same number of messages');
  for (const [id, text] of texts) equal(findMessage(state, id)?.text, text, `text of message ${id}`);
  equal(state.offset, records[records.length - 1]!.offset, 'the client applied the whole log');
}

afterEach(() => {
  for (const element of Array.from(document.body.querySelectorAll('marketing-team'))) element.remove();
});

describe('<marketing-team transport="sse"> against a real server', () => {
  it('runs a campaign over SSE + POST, resumes after its streams are killed, and matches the log', async () => {
    const session = sessionId('run');
    const element = await mount(session, 'sse');
    const statuses: ConnectionInfo[] = [];
    element.addEventListener('mt-connection-change', (event) => statuses.push((event as CustomEvent<ConnectionInfo>).detail));
    await submit(element, 'Launch our reusable bottle to commuters');
    await waitFor(() => (element.state ? listMessages(element.state) : []).some((message) => message.text.length > 20), 'some streamed text', LONG);
    const { dropped } = await callServer<{ dropped: number }>('POST', '/test/drop-streams', { session });
    ok(dropped >= 1, 'the server killed the event stream');
    await waitFor(() => statuses.some((connection) => connection.status === 'reconnecting'), 'reconnecting status', LONG);
    await waitFor(() => deepQuery(element, 'mt-connection-status >>> [data-resumed]'), 'resumed status', LONG);
    await waitFor(() => runOf(element)?.status === 'completed', 'the run to complete', 60_000);
    ok(Object.keys(element.state!.deliverables).length > 0, 'deliverables arrived');
    ok(statuses.every((connection) => connection.transport === 'sse'), 'every status came over SSE');
    const records = await serverLog(session);
    await waitFor(() => element.state!.offset === records[records.length - 1]!.offset, 'the whole log applied', LONG);
    assertMatchesLog(element.state!, records);
  });

  it('converges with a WebSocket page on one session; stop on the WebSocket page stops the SSE page', async () => {
    const session = sessionId('converge');
    const overSse = await mount(session, 'sse');
    const overSocket = await mount(session, 'websocket');
    await submit(overSse, 'Announce our spring sale to young families');
    await waitFor(() => runOf(overSocket)?.status === 'running', 'the WebSocket page sees the run', LONG);
    await waitFor(() => (overSse.state ? listMessages(overSse.state) : []).some((message) => message.text.length > 0), 'text over SSE', LONG);
    await overSocket.cancel(runOf(overSocket)!.id);
    await waitFor(() => runOf(overSse)?.status === 'cancelled', 'the SSE page sees the stop', LONG);
    const records = await serverLog(session);
    const head = records[records.length - 1]!.offset;
    await waitFor(() => overSse.state!.offset === head && overSocket.state!.offset === head, 'both at the log head', LONG);
    equal(JSON.stringify(overSse.state), JSON.stringify(overSocket.state), 'byte-identical state');
    assertMatchesLog(overSse.state!, records);
  });
});
