// Crash versus thinking, and runs nobody watches: a hung model call reads as stalled on every
// page (not as an agent thinking) and clears when it moves again; a run that pauses when nobody
// watches says so, and goes on when a page opens. Against the real test server.
import '../src/index.js';
import { SessionClient } from '@marketing-team/core';
import type { MarketingTeamElement } from '../src/index.js';
import { deepQuery, equal, ok, waitFor } from './_assert.js';
import { FixtureClient } from './_fixtures.js';
import { afterEach, describe, it } from './_mocha.js';
import { callServer, mintToken, serverUrl, uniqueSession } from './_page.js';

const LONG = 25_000;
/** The test server's stall window for "HANG" briefs. */
const STALL_AFTER_MS = 1500;

const clients: SessionClient[] = [];
afterEach(async () => {
  for (const element of Array.from(document.body.querySelectorAll('marketing-team'))) element.remove();
  for (const client of clients.splice(0)) client.close();
  await callServer('POST', '/test/release-hang');
});

/**
 * A `<marketing-team>` on the test server with a client and a socket of its own (not shared with
 * the other elements of this page), as a page on another device has: closing it is that page closing.
 */
async function openPage(session: string): Promise<{ element: MarketingTeamElement; close(): void }> {
  const client = new SessionClient({ url: `${await serverUrl()}/mt/ws`, shareConnection: false });
  clients.push(client);
  const element = document.createElement('marketing-team');
  element.client = client;
  element.session = session;
  element.token = await mintToken(session, ['read', 'write', 'control']);
  document.body.append(element);
  return {
    element,
    close: () => {
      element.remove();
      client.close();
    },
  };
}

const researcherLane = (element: MarketingTeamElement) => deepQuery(element, 'mt-agent-lane >>> [part="lane"][data-agent="market-researcher"]');
const live = (element: MarketingTeamElement) => (deepQuery(element, 'mt-connection-status >>> [part="status"]')?.textContent ?? '').startsWith('Live');
const latestRun = (element: MarketingTeamElement) => {
  const state = element.state;
  return state ? state.runs[state.runOrder[state.runOrder.length - 1] ?? ''] : undefined;
};

interface LogRecord {
  offset: number;
  event: { type: string; runId?: string };
}
async function logTypes(session: string, runId: string): Promise<string[]> {
  const { records } = await callServer<{ records: LogRecord[] }>('GET', `/test/log?session=${encodeURIComponent(session)}`);
  return records.filter((record) => record.event.runId === runId).map((record) => record.event.type);
}

describe('<marketing-team> agent liveness', () => {
  it('shows a hung model call as "No progress for N s" on two pages within its window, distinct from working, and clears when it resumes', async () => {
    const session = uniqueSession('widget-stall');
    // Two elements, each with its own client and socket: two devices on one session.
    const pages = [(await openPage(session)).element, (await openPage(session)).element];
    for (const page of pages) await waitFor(() => live(page), 'live', LONG);
    await pages[0]!.submitBrief({ goal: 'HANG launch our reusable bottle', deliverables: ['research-brief', 'campaign-strategy'] });
    // First the agent is working ("In progress"): thinking, not stalled.
    const working = await waitFor(() => {
      const lane = researcherLane(pages[1]!);
      return lane?.dataset.status === 'working' && (lane.querySelector('.badge')?.textContent ?? '').includes('In progress') ? lane : undefined;
    }, 'the researcher working', LONG);
    ok(!working.hasAttribute('data-stalled'), 'not stalled while it writes');
    const workingAt = Date.now();

    for (const page of pages) await waitFor(() => researcherLane(page)?.hasAttribute('data-stalled'), 'the lane stalled on each page', STALL_AFTER_MS + 5000);
    const seenAfter = Date.now() - workingAt;
    ok(seenAfter < STALL_AFTER_MS + 3000, `seen within the window (${seenAfter} ms)`);
    for (const page of pages) {
      const badge = researcherLane(page)!.querySelector('[data-stalled]')!;
      ok(/^No progress for \d+ s$/.test(badge.textContent ?? ''), `badge says "${badge.textContent}"`);
      ok(!(researcherLane(page)!.textContent ?? '').includes('In progress'), 'no longer reads as working');
      const card = await waitFor(() => deepQuery(page, 'mt-task-board >>> [part="card"][data-status="in_progress"] [data-stalled]'), 'the stalled card');
      ok(/^No progress for \d+ s$/.test(card.textContent ?? ''), 'the board says it too');
    }
    // The count goes up while it stays stalled.
    const before = Number(/\d+/.exec(researcherLane(pages[0]!)!.querySelector('[data-stalled]')!.textContent ?? '')![0]);
    await waitFor(() => Number(/\d+/.exec(researcherLane(pages[0]!)?.querySelector('[data-stalled]')?.textContent ?? '')?.[0] ?? -1) > before, 'the seconds counting up', 4000);

    await callServer('POST', '/test/release-hang');
    for (const page of pages) await waitFor(() => researcherLane(page) && !researcherLane(page)!.hasAttribute('data-stalled'), 'the stall cleared on each page', LONG);
    const runId = latestRun(pages[0]!)!.id;
    const types = await logTypes(session, runId);
    ok(types.includes('task.stalled') && types.indexOf('task.resumed') > types.indexOf('task.stalled'), `stalled then resumed in the log: ${types.join(', ')}`);
  });
});

describe('<marketing-team> runs nobody watches', () => {
  it('pauses a "pause when unwatched" run when the last page closes and resumes it when a page opens', async () => {
    const session = uniqueSession('widget-pause');
    const firstPage = await openPage(session);
    const first = firstPage.element;
    await waitFor(() => live(first), 'live', LONG);
    await first.submitBrief({ goal: 'HANG launch our reusable bottle', deliverables: ['research-brief', 'campaign-strategy'], whenUnwatched: { action: 'pause', afterMs: 300 } });
    const runId = (await waitFor(() => (latestRun(first)?.status === 'running' ? latestRun(first) : undefined), 'the run', LONG)).id;
    firstPage.close();
    await waitFor(async () => (await logTypes(session, runId)).includes('run.paused'), 'run.paused in the log', LONG);

    const second = (await openPage(session)).element;
    await waitFor(async () => (await logTypes(session, runId)).includes('run.resumed'), 'run.resumed in the log once a page opened', LONG);
    await waitFor(() => latestRun(second)?.status === 'running' && !latestRun(second)?.paused, 'the page shows it running again', LONG);
    const summary = await waitFor(() => deepQuery(second, 'mt-run-progress >>> [part="progress"]:not([data-paused]) .status'), 'progress');
    equal(summary.textContent, 'Running');
  });

  it('says clearly that a run is paused because nobody was watching', async () => {
    const client = new FixtureClient();
    client.push([
      { type: 'brief.submitted', runId: 'r1', brief: { goal: 'Spring launch' }, by: { kind: 'human', id: 'u1' } },
      { type: 'run.started', runId: 'r1', tasks: [{ id: 'research', title: 'Research', skill: 'research-brief', agent: 'market-researcher', dependsOn: [] }], model: { provider: 'offline', name: 'x', offline: true } },
      { type: 'run.paused', runId: 'r1', reason: 'nobody has watched the session for 10 s', unwatchedMs: 10_000, by: { kind: 'system' } },
    ]);
    const element = document.createElement('marketing-team');
    element.session = 's1';
    element.token = 'fixture';
    element.client = client;
    document.body.append(element);
    const progress = await waitFor(() => deepQuery(element, 'mt-run-progress >>> [part="progress"][data-paused]'), 'the paused progress');
    equal(progress.querySelector('.status')?.textContent, 'Paused: nobody is watching; resumes when you return');
  });
});
