// A run that ended badly says why in plain words and offers to continue; an outage of the
// server reads as one, with the time it started.
import '../src/index.js';
import type { MarketingTeamElement } from '../src/index.js';
import { deepQuery, deepQueryAll, equal, ok, waitFor } from './_assert.js';
import { FixtureClient } from './_fixtures.js';
import { after, afterEach, describe, it } from './_mocha.js';
import { callServer, frames, mountElement, screenshot, serverUrl, setViewport, uniqueSession } from './_page.js';

const LONG = 25_000;

afterEach(() => {
  for (const element of Array.from(document.body.querySelectorAll('marketing-team'))) element.remove();
});

after(async () => {
  await setViewport(800, 600);
});

function runs(element: MarketingTeamElement) {
  const state = element.state;
  return (state?.runOrder ?? []).map((id) => state!.runs[id]!);
}

describe('<marketing-team> when a run ends badly', () => {
  it('says why in plain words, and continue runs only what was left, against a real server', async () => {
    const session = uniqueSession('widget-ended');
    const element = await mountElement(session);
    const goal = await waitFor(() => deepQuery<HTMLTextAreaElement>(element, 'mt-brief-form >>> textarea'), 'brief form');
    await waitFor(() => (deepQuery(element, 'mt-connection-status >>> [part="status"]')?.textContent ?? '').startsWith('Live'), 'live', LONG);
    goal.value = 'Launch our reusable bottle to commuters';
    deepQuery<HTMLButtonElement>(element, 'mt-brief-form >>> [part="submit"]')!.click();
    await waitFor(() => {
      const run = runs(element)[0];
      return run && run.taskOrder.filter((id) => run.tasks[id]?.status === 'done').length >= 1;
    }, 'a first task done', LONG);
    const first = runs(element)[0]!;
    await callServer('POST', '/test/interrupt', { session, runId: first.id });
    const notice = await waitFor(() => deepQuery(element, 'mt-run-controls >>> [part="ended"]'), 'the ended notice', LONG);
    equal(notice.querySelector('.why')?.textContent, 'The run stopped because the server restarted.');
    ok(!deepQuery(element, 'mt-run-controls >>> [part="stop"]'), 'no stop button on an ended run');
    for (const theme of ['light', 'dark'] as const) {
      element.setAttribute('theme', theme);
      for (const width of [1280, 375]) {
        await setViewport(width, 900);
        await frames();
        ok(document.documentElement.scrollWidth <= width, `no horizontal overflow at ${width} px`);
        await screenshot(`test-output/run-interrupted-${width}-${theme}.png`);
      }
    }
    element.removeAttribute('theme');
    await setViewport(800, 600);

    const kept = first.taskOrder.filter((id) => first.tasks[id]?.status === 'done').length;
    deepQuery<HTMLButtonElement>(element, 'mt-run-controls >>> [part="continue"]')!.click();
    await waitFor(() => runs(element)[1]?.status === 'completed', 'the continued run to complete', 60_000);
    const second = runs(element)[1]!;
    equal(second.continues, first.id);
    equal(second.taskOrder.filter((id) => second.tasks[id]?.status === 'done').length, second.taskOrder.length, 'every task done');
    ok(kept >= 1 && second.deliverableIds.length >= kept, 'the finished work is in the continued run');
    ok(!deepQuery(element, 'mt-run-controls >>> [part="ended"]'), 'the notice is gone once the continued run is shown');
  });

  it('offers start again, which submits the same brief as a new run', async () => {
    const client = new FixtureClient();
    client.push([
      { type: 'brief.submitted', runId: 'r1', brief: { goal: 'Spring launch' }, by: { kind: 'human', id: 'u1' } },
      { type: 'run.failed', runId: 'r1', error: { code: 'overloaded', message: 'upstream 529' } },
    ]);
    const element = document.createElement('marketing-team');
    element.session = 's1';
    element.token = 'fixture';
    element.client = client;
    document.body.append(element);
    const notice = await waitFor(() => deepQuery(element, 'mt-run-controls >>> [part="ended"]'), 'the ended notice');
    equal(notice.querySelector('.why')?.textContent, 'The AI model is overloaded right now.');
    deepQuery<HTMLButtonElement>(element, 'mt-run-controls >>> [part="restart"]')!.click();
    await waitFor(() => client.calls.some((call) => call.method === 'submitBrief'), 'submitBrief');
    const call = client.calls.find((candidate) => candidate.method === 'submitBrief')!;
    equal((call.args[0] as { goal: string }).goal, 'Spring launch');
    deepQuery<HTMLButtonElement>(element, 'mt-run-controls >>> [part="continue"]')!.click();
    await waitFor(() => client.calls.some((candidate) => candidate.method === 'continueRun'), 'continueRun');
    equal(client.calls.find((candidate) => candidate.method === 'continueRun')!.args[0], 'r1');
  });

  it('says the server is unreachable, and since when, rather than reconnecting forever', async () => {
    const client = new FixtureClient();
    const since = new Date(2026, 11, 2, 14, 2).getTime();
    client.setConnection({ status: 'unreachable', attempt: 4, queued: 0, downSince: since });
    const element = document.createElement('marketing-team');
    element.session = 's1';
    element.token = 'fixture';
    element.client = client;
    document.body.append(element);
    const label = await waitFor(() => deepQuery(element, 'mt-connection-status >>> [part="status"]'), 'status');
    await frames();
    const expected = new Date(since).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    equal(label.textContent, `Can't reach the server since ${expected} · retrying`);
    equal(label.getAttribute('data-status'), 'unreachable');
    equal(deepQueryAll(element, 'mt-connection-status').length, 1);
  });

  // Seen by a marketer: stopping one agent ended the run as "Done, 0 of 8 tasks done", with the
  // other agents waiting forever and nothing to do about it.
  it('says a run that ended with tasks undone is partly done, why, and continues it, against a real server', async () => {
    const session = uniqueSession('widget-gaps');
    const element = await mountElement(session);
    const goal = await waitFor(() => deepQuery<HTMLTextAreaElement>(element, 'mt-brief-form >>> textarea'), 'brief form');
    await waitFor(() => (deepQuery(element, 'mt-connection-status >>> [part="status"]')?.textContent ?? '').startsWith('Live'), 'live', LONG);
    goal.value = 'Launch our reusable bottle to commuters';
    deepQuery<HTMLButtonElement>(element, 'mt-brief-form >>> [part="submit"]')!.click();
    const first = await waitFor(() => runs(element)[0]?.status === 'running' ? runs(element)[0] : undefined, 'the run to start', LONG);
    // Stop the researcher, whose work every other task waits on.
    await element.cancel(first.id, { agent: 'market-researcher' });
    await waitFor(() => runs(element)[0]?.status === 'completed' || runs(element)[0]?.status === 'failed', 'the run to end', LONG);
    const ended = runs(element)[0]!;
    const notice = await waitFor(() => deepQuery(element, 'mt-run-controls >>> [part="ended"]'), 'the ended notice', LONG);
    ok(/not done: .*stopped/.test(notice.querySelector('.why')?.textContent ?? ''), `says what did not run: ${notice.querySelector('.why')?.textContent}`);
    if (ended.status === 'completed') {
      equal(deepQuery(element, 'mt-run-progress >>> .status')?.textContent?.trim(), 'Partly done', 'not "Done"');
    }
    deepQuery<HTMLButtonElement>(element, 'mt-run-controls >>> [part="continue"]')!.click();
    await waitFor(() => runs(element)[1]?.status === 'completed', 'the continued run to complete', 60_000);
    const second = runs(element)[1]!;
    equal(second.continues, ended.id);
    equal(second.taskOrder.filter((id) => second.tasks[id]?.status === 'done').length, second.taskOrder.length, 'every task done');
  });

  // Seen by a marketer: a session the host's token route refused still read "Live", and a brief
  // sat "1 message queued" forever without a word.
  it('says a session it cannot open could not be opened, instead of looking live', async () => {
    const element = document.createElement('marketing-team');
    element.endpoint = `${(await serverUrl()).replace(/^ws/, 'http')}/mt`;
    element.session = uniqueSession('widget-refused');
    element.getToken = () => Promise.reject(new Error('not allowed to join this session'));
    document.body.append(element);
    const alert = await waitFor(() => deepQuery(element, '[part="error"]'), 'the error', LONG);
    ok(alert.textContent?.includes('This session could not be opened: not allowed to join this session'), `says why: ${alert.textContent}`);
  });
});
