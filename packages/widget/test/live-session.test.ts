import type { SessionRecord, SessionState } from '@marketing-team/core';
import '../src/index.js';
import type { ConnectionInfo, MarketingTeamElement } from '../src/index.js';
import { deepQuery, deepQueryAll, deepText, equal, ok, waitFor } from './_assert.js';
import { after, afterEach, describe, it } from './_mocha.js';
import { callServer, frames, mintToken, screenshot, serverUrl, setViewport } from './_page.js';
import { assertInert } from './_xss.js';
import { findMessage, listMessages } from '@marketing-team/core';

const LONG = 25_000;

function sessionId(name: string): string {
  return `widget-${name}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

async function mount(session: string, capabilities: ('read' | 'write' | 'control')[] = ['read', 'write', 'control']): Promise<MarketingTeamElement> {
  const element = document.createElement('marketing-team');
  element.endpoint = `${(await serverUrl()).replace(/^ws/, 'http')}/mt`;
  element.session = session;
  element.token = await mintToken(session, capabilities);
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

/** Message texts as the server stored them: every delta of each message, in log order. */
function textsOfLog(records: SessionRecord[]): Map<string, string> {
  const texts = new Map<string, string>();
  for (const { event } of records) {
    if (event.type === 'message.started') texts.set(event.messageId, '');
    if (event.type === 'text.delta') texts.set(event.messageId, (texts.get(event.messageId) ?? '') + event.text);
  }
  return texts;
}

function assertSameTexts(state: SessionState, records: SessionRecord[]): void {
  const expected = textsOfLog(records);
  ok(expected.size > 0, 'the log holds messages');
  equal(listMessages(state).length, expected.size, 'same number of messages');
  for (const [id, text] of expected) equal(findMessage(state, id)?.text, text, `text of message ${id}`);
  equal(state.offset, records[records.length - 1]!.offset, 'the client applied the whole log');
}

afterEach(() => {
  for (const element of Array.from(document.body.querySelectorAll('marketing-team'))) element.remove();
});

after(async () => {
  await setViewport(800, 600);
});

describe('<marketing-team> against a real server', () => {
  it('streams a brief into lanes, ends with deliverables and a finished progress bar', async () => {
    const session = sessionId('run');
    const element = await mount(session);
    const fired: string[] = [];
    for (const name of ['mt-run-started', 'mt-run-completed', 'mt-deliverable']) element.addEventListener(name, () => fired.push(name));
    await submit(element, 'Launch our reusable bottle to commuters');
    await waitFor(() => deepQueryAll(element, 'mt-agent-lane >>> [part="text"]').some((text) => deepText(text).length > 0), 'streaming text', LONG);
    await waitFor(() => runOf(element)?.status === 'completed', 'the run to complete', 60_000);
    await frames();
    const bar = deepQuery(element, '[role="progressbar"]')!;
    ok(Number(bar.getAttribute('aria-valuemax')) > 0, 'tasks planned');
    equal(bar.getAttribute('aria-valuenow'), bar.getAttribute('aria-valuemax'), 'every task done');
    ok(deepQueryAll(element, 'mt-deliverable-card').length >= 5, 'deliverables shown');
    ok(deepQuery(element, 'mt-deliverable-card >>> [data-offline]'), 'offline output labelled');
    ok(fired.includes('mt-run-started') && fired.includes('mt-run-completed') && fired.includes('mt-deliverable'), `events fired: ${fired.join(',')}`);
    assertSameTexts(element.state!, await serverLog(session));
    // Screenshots of the finished run, wide and narrow.
    await setViewport(1280, 900);
    await frames();
    await screenshot('test-output/widget-1280.png');
    await setViewport(375, 800);
    await frames();
    ok(document.documentElement.scrollWidth <= 375, `no horizontal overflow at 375 px (${document.documentElement.scrollWidth})`);
    await screenshot('test-output/widget-375.png');
    await setViewport(800, 600);
  });

  it('connects with getToken alone, asking for the session the element shows', async () => {
    const session = sessionId('gettoken');
    const asked: string[] = [];
    const element = document.createElement('marketing-team');
    element.endpoint = `${(await serverUrl()).replace(/^ws/, 'http')}/mt`;
    element.session = session;
    element.getToken = async (id) => {
      asked.push(id);
      return mintToken(id, ['read', 'write']);
    };
    document.body.append(element);
    await waitFor(() => status(element).startsWith('Live'), 'live connection', LONG);
    equal(asked[0], session);
    // write without control: the brief form works, stop and steer would not.
    await waitFor(() => deepQuery<HTMLButtonElement>(element, 'mt-brief-form >>> [part="submit"]')?.disabled === false, 'brief form enabled');
  });

  it('shows reconnecting then resumed after the server drops the socket, with the log text exactly once', async () => {
    const session = sessionId('drop');
    const element = await mount(session);
    const statuses: ConnectionInfo[] = [];
    element.addEventListener('mt-connection-change', (event) => statuses.push((event as CustomEvent<ConnectionInfo>).detail));
    await submit(element, 'Grow newsletter sign-ups for a coffee roaster');
    await waitFor(() => (element.state ? listMessages(element.state) : []).some((message) => message.text.length > 20), 'some streamed text', LONG);
    const { dropped } = await callServer<{ dropped: number }>('POST', '/test/drop', { session });
    ok(dropped >= 1, 'the server dropped the socket');
    await waitFor(() => statuses.some((connection) => connection.status === 'reconnecting' && connection.attempt >= 1), 'reconnecting status', LONG);
    await waitFor(() => deepQuery(element, 'mt-connection-status >>> [data-resumed]'), 'resumed status', LONG);
    ok(status(element).startsWith('Back online'), `back online label (${status(element)})`);
    await waitFor(() => runOf(element)?.status === 'completed', 'the run to complete', 60_000);
    const records = await serverLog(session);
    assertSameTexts(element.state!, records);
    // The lanes show messages of the log (their text, once, is checked on the state above).
    const expected = textsOfLog(records);
    for (const text of deepQueryAll(element, 'mt-agent-lane >>> [part="text"]')) {
      const id = text.getAttribute('data-message');
      if (id) ok(expected.has(id), `lane message ${id} is in the log`);
    }
  });

  it('converges two pages on one session; stop in one stops the other', async () => {
    const session = sessionId('two');
    const first = await mount(session);
    const second = await mount(session);
    await submit(first, 'Announce our spring sale to young families');
    const runId = runOf(first)!.id;
    await waitFor(() => runOf(second)?.id === runId && listMessages(second.state!).some((message) => message.text.length > 0), 'the second page streaming', LONG);
    const stop = await waitFor(() => deepQuery<HTMLButtonElement>(first, 'mt-run-controls >>> [part="stop"]'), 'stop button');
    stop.click();
    await waitFor(() => runOf(second)?.status === 'cancelled', 'the second page to see the cancel', LONG);
    await waitFor(() => deepQuery(second, 'mt-run-progress >>> [data-status="cancelled"]'), 'stopped shown on the second page');
    const records = await serverLog(session);
    ok(records.some((record) => record.event.type === 'run.cancelled'), 'run.cancelled stored');
    await waitFor(() => first.state!.offset === second.state!.offset && first.state!.offset === records[records.length - 1]!.offset, 'both caught up', LONG);
    equal(JSON.stringify(first.state), JSON.stringify(second.state), 'same state on both pages');
  });

  it('gives a read-only token no working stop, and the server refuses a forged cancel', async () => {
    const session = sessionId('readonly');
    const owner = await mount(session);
    await submit(owner, 'Promote a webinar on data privacy');
    const runId = runOf(owner)!.id;
    const reader = await mount(session, ['read']);
    const stop = await waitFor(() => deepQuery<HTMLButtonElement>(reader, 'mt-run-controls >>> [part="stop"]'), 'reader stop button', LONG);
    await waitFor(() => stop.disabled, 'stop disabled for the reader');
    ok(deepQuery(reader, 'mt-run-controls >>> [part="reason"]')?.textContent?.includes('control'), 'reason visible');
    stop.click();
    // Forge the frame ourselves with the read-only token.
    const token = await mintToken(session, ['read']);
    const socket = new WebSocket(`${await serverUrl()}/mt/ws`);
    const frames: { type: string; code?: string; clientMsgId?: string }[] = [];
    socket.addEventListener('message', (event) => frames.push(JSON.parse(String(event.data))));
    await new Promise((resolve, reject) => {
      socket.addEventListener('open', resolve, { once: true });
      socket.addEventListener('error', reject, { once: true });
    });
    socket.send(JSON.stringify({ type: 'hello', protocol: 1, clientId: 'forger' }));
    await waitFor(() => frames.some((frame) => frame.type === 'welcome'), 'welcome');
    socket.send(JSON.stringify({ type: 'subscribe', session, token }));
    await waitFor(() => frames.some((frame) => frame.type === 'subscribed'), 'subscribed');
    socket.send(JSON.stringify({ type: 'cancel', session, clientMsgId: 'forged-cancel-1', runId }));
    const refusal = await waitFor(() => frames.find((frame) => frame.type === 'error' && frame.clientMsgId === 'forged-cancel-1'), 'refusal', LONG);
    equal(refusal.code, 'forbidden');
    socket.close();
    const records = await serverLog(session);
    equal(records.filter((record) => record.event.type === 'cancel.requested' || record.event.type === 'run.cancelled').length, 0, 'nothing cancelled');
    await owner.cancel(runId);
  });

  it('keeps hostile model output from the server inert', async () => {
    const session = sessionId('xss');
    const element = await mount(session);
    await submit(element, 'XSS: every trick');
    await waitFor(() => runOf(element)?.status === 'completed', 'the hostile run to complete', LONG);
    await waitFor(() => deepQuery(element, '[part="content"] a[href="https://example.com/ok"]'), 'sanitized Markdown', LONG);
    const frame = await waitFor(() => deepQuery<HTMLIFrameElement>(element, 'iframe[part="landing-page"]'), 'landing frame');
    await new Promise<void>((resolve) => {
      frame.addEventListener('load', () => resolve(), { once: true });
      setTimeout(resolve, 1500);
    });
    await frames();
    ok(deepText(deepQuery(element, '[data-agent="market-researcher"] >>> [part="text"]')!).includes('<scr'), 'split tags shown as text');
    assertInert(element);
  });
});
