import '../src/index.js';
import type { MarketingTeamElement, SessionLoadedDetail } from '../src/index.js';
import { deepQuery, deepQueryAll, equal, ok, waitFor } from './_assert.js';
import { applyRecords } from '@marketing-team/core';
import { FixtureClient, completedRunEvents, toRecords } from './_fixtures.js';
import { afterEach, describe, it } from './_mocha.js';
import { frames } from './_page.js';

function mount(client: FixtureClient): MarketingTeamElement {
  const element = document.createElement('marketing-team');
  element.session = 's1';
  element.token = 'fixture';
  element.client = client;
  document.body.append(element);
  return element;
}

afterEach(() => {
  for (const element of Array.from(document.body.querySelectorAll('marketing-team'))) element.remove();
});

describe('<marketing-team> over fixture state', () => {
  it('fires for news that arrives in the same batch as the last of the history, and never for the history', async () => {
    const client = new FixtureClient();
    client.history = { caughtUp: false };
    const element = mount(client);
    const fired: string[] = [];
    for (const name of ['mt-run-started', 'mt-run-completed', 'mt-deliverable']) element.addEventListener(name, (event) => fired.push(`${name}:${(event as CustomEvent<{ runId: string }>).detail.runId}`));
    client.push(completedRunEvents('r1').slice(0, 3));
    await frames();
    // The rest of the history and a new run's start, applied together (one batch, one frame).
    client.state = applyRecords(client.state, toRecords(completedRunEvents('r1').slice(3), client.state.offset));
    client.history = { caughtUp: true, historyState: client.state };
    client.push(completedRunEvents('r2').slice(0, 2));
    await waitFor(() => fired.length > 0, 'an event for the new run');
    await frames();
    equal(fired.join(','), 'mt-run-started:r2');
  });

  it('fires mt-session-loaded once the history is shown, once per session', async () => {
    const client = new FixtureClient();
    client.history = { caughtUp: false };
    const element = mount(client);
    const loaded: { session: string; runs: number }[] = [];
    element.addEventListener('mt-session-loaded', (event) => {
      const { session, state } = (event as CustomEvent<SessionLoadedDetail>).detail;
      loaded.push({ session, runs: state.runOrder.length });
    });
    client.push(completedRunEvents('r1').slice(0, 3));
    await frames();
    equal(loaded.length, 0, 'not before the history is in');
    client.history = { caughtUp: true, historyState: client.state };
    client.push(completedRunEvents('r1').slice(3));
    await waitFor(() => loaded.length > 0, 'mt-session-loaded');
    client.push(completedRunEvents('r2').slice(0, 2));
    await frames();
    equal(JSON.stringify(loaded), JSON.stringify([{ session: 's1', runs: 1 }]));
  });

  it('renders lanes, deliverables by kind, the board and a finished progress bar', async () => {
    const client = new FixtureClient();
    client.push(completedRunEvents());
    const element = mount(client);
    await waitFor(() => deepQueryAll(element, 'mt-agent-lane').length === 5, 'five lanes');
    await waitFor(() => deepQueryAll(element, 'mt-deliverable-card').length === 6, 'six deliverables');
    const bar = deepQuery(element, '[role="progressbar"]');
    ok(bar);
    equal(bar.getAttribute('aria-valuenow'), '5');
    equal(bar.getAttribute('aria-valuemax'), '5');
    const lane = await waitFor(() => deepQuery(element, '[data-agent="data-analyst"] >>> mt-markdown >>> [part="content"] p'), 'the lane text as Markdown');
    equal(lane.textContent, 'Plan measurement: done with care.');
    // Social posts: counted characters and the over-limit flag on the X post.
    // Counts show only where the limit bites (near or over it).
    const counts = deepQueryAll(element, '[part="post"] .count');
    ok(counts.length >= 1 && counts.length <= 3, `counts shown (${counts.length})`);
    ok(deepQuery(element, '[part="post"][data-channel="x"] .count[data-over]'), 'X post marked over the limit');
    // Landing page only in an empty sandbox, once sanitized; banner only as an image.
    const frame = await waitFor(() => deepQuery<HTMLIFrameElement>(element, 'iframe[part="landing-page"]'), 'the sanitized landing page');
    equal(frame.getAttribute('sandbox'), '');
    ok(frame.srcdoc.startsWith('<!doctype html><meta http-equiv="Content-Security-Policy"'), 'its own policy comes first');
    const banner = deepQuery<HTMLImageElement>(element, 'img[part="banner"]');
    ok(banner?.src.startsWith('data:image/svg+xml'));
    equal(deepQueryAll(element, 'svg').length, 0, 'no inline svg');
    // The unsafe palette entry is dropped.
    equal(deepQueryAll(element, '.swatch').length, 2);
    // Measurement plan as a table.
    equal(deepQueryAll(element, '[part="table"] tbody tr').length, 2);
    // Board: every task card done.
    equal(deepQueryAll(element, '[data-column="done"] [part="card"]').length, 5);
    // Offline labels.
    ok(deepQuery(element, 'mt-run-progress >>> [data-offline]'));
  });

  it('streams deltas into only the lane that changed, batched per frame', async () => {
    const client = new FixtureClient();
    const events = completedRunEvents();
    client.push(events.slice(0, 2));
    const element = mount(client);
    await waitFor(() => deepQueryAll(element, 'mt-agent-lane').length === 5, 'five lanes');
    await frames();
    const lanes = deepQueryAll<HTMLElement & { updateComplete: Promise<boolean> }>(element, 'mt-agent-lane');
    const renders = new Map<Element, number>();
    for (const lane of lanes) {
      renders.set(lane, 0);
      const original = (lane as unknown as { update: (changed: unknown) => void }).update.bind(lane);
      (lane as unknown as { update: (changed: unknown) => void }).update = (changed) => {
        renders.set(lane, (renders.get(lane) ?? 0) + 1);
        original(changed);
      };
    }
    client.push([
      { type: 'task.started', runId: 'r1', taskId: 'research', agent: 'market-researcher' },
      { type: 'message.started', runId: 'r1', taskId: 'research', agent: 'market-researcher', messageId: 'm1' },
    ]);
    await frames();
    for (let index = 0; index < 50; index += 1) {
      client.push([{ type: 'text.delta', runId: 'r1', taskId: 'research', agent: 'market-researcher', messageId: 'm1', text: `t${index} ` }]);
    }
    await frames();
    const researcher = lanes.find((lane) => lane.shadowRoot?.querySelector('[data-agent="market-researcher"]'));
    ok(researcher);
    ok(researcher.shadowRoot?.querySelector<HTMLElement & { markdown: string }>('[part="text"] mt-markdown')?.markdown.endsWith('t49 '), 'all deltas shown');
    ok((renders.get(researcher) ?? 0) < 10, `researcher lane rendered ${renders.get(researcher)} times for 50 deltas`);
    for (const lane of lanes) if (lane !== researcher) equal(renders.get(lane), 0, 'other lanes untouched');
  });

  it('disables stop and steer with a visible reason when the token lacks control', async () => {
    const client = new FixtureClient();
    client.capabilities = ['read'];
    client.push(completedRunEvents().slice(0, 4));
    const element = mount(client);
    const stop = await waitFor(() => deepQuery<HTMLButtonElement>(element, 'mt-run-controls >>> [part="stop"]'), 'stop button');
    ok(stop.disabled, 'stop disabled');
    ok(deepQuery<HTMLButtonElement>(element, 'mt-run-controls >>> [part="steer-button"]')?.disabled, 'steer disabled');
    const reason = deepQuery(element, 'mt-run-controls >>> [part="reason"]');
    ok(reason?.textContent?.includes('control'), 'reason shown');
    stop.click();
    ok(deepQuery<HTMLButtonElement>(element, 'mt-agent-lane >>> [part="stop"]')?.disabled, 'lane stop disabled');
    ok(deepQuery<HTMLButtonElement>(element, 'mt-brief-form >>> [part="submit"]') === undefined, 'no brief form while running');
    equal(client.calls.length, 0, 'nothing sent');
  });

  it('sends stop, steer, approve and request changes through the client', async () => {
    const client = new FixtureClient();
    const events = completedRunEvents();
    client.push(events.slice(0, 2));
    client.push([
      { type: 'task.started', runId: 'r1', taskId: 'strategy', agent: 'campaign-strategist' },
      { type: 'review.requested', runId: 'r1', taskId: 'strategy' },
    ]);
    const element = mount(client);
    const stop = await waitFor(() => deepQuery<HTMLButtonElement>(element, 'mt-run-controls >>> [part="stop"]'), 'stop button');
    stop.click();
    const input = deepQuery<HTMLInputElement>(element, 'mt-run-controls >>> [part="steer-input"]');
    ok(input);
    input.value = 'more playful';
    deepQuery<HTMLButtonElement>(element, 'mt-run-controls >>> [part="steer-button"]')!.click();
    deepQuery<HTMLButtonElement>(element, '[data-agent="campaign-strategist"] >>> [part="stop"]')!.click();
    const approve = await waitFor(() => deepQuery<HTMLButtonElement>(element, 'mt-task-board >>> [part="approve"]'), 'approve button');
    approve.click();
    deepQuery<HTMLButtonElement>(element, 'mt-task-board >>> [part="request-changes"]')!.click();
    const comment = await waitFor(() => deepQuery<HTMLInputElement>(element, 'mt-task-board >>> input[name="comment"]'), 'comment field');
    comment.value = 'Lead with price';
    comment.form!.requestSubmit();
    await waitFor(() => client.calls.length === 5, 'five calls');
    equal(JSON.stringify(client.calls.map((call) => [call.method, ...call.args])), JSON.stringify([
      ['cancel', 'r1', null],
      ['steer', 'r1', 'more playful', null],
      ['cancel', 'r1', { agent: 'campaign-strategist' }],
      ['approve', 'r1', 'strategy'],
      ['requestChanges', 'r1', 'strategy', 'Lead with price'],
    ]));
  });

  it('reports a refused action with mt-error and an alert', async () => {
    const client = new FixtureClient();
    client.push(completedRunEvents().slice(0, 4));
    client.failWith = new Error('forbidden: this token cannot cancel');
    const element = mount(client);
    const errors: string[] = [];
    element.addEventListener('mt-error', (event) => errors.push((event as CustomEvent<{ action: string; message: string }>).detail.action));
    const stop = await waitFor(() => deepQuery<HTMLButtonElement>(element, 'mt-run-controls >>> [part="stop"]'), 'stop button');
    stop.click();
    const alert = await waitFor(() => deepQuery(element, '[part="error"][role="alert"]'), 'error banner');
    ok(alert.textContent?.includes('this token cannot cancel'));
    equal(errors.join(), 'cancel');
  });

  it('does not repeat a deliverable title that its Markdown starts with', async () => {
    const client = new FixtureClient();
    const events = completedRunEvents();
    const research = events.find((event) => event.type === 'deliverable.created');
    ok(research && research.type === 'deliverable.created');
    research.deliverable = { ...research.deliverable, markdown: `# ${research.deliverable.title}\n\nBody text.` };
    client.push(events);
    const element = mount(client);
    const content = await waitFor(() => deepQuery(element, 'mt-deliverable-card >>> [part="content"]'), 'Markdown');
    await waitFor(() => content.textContent?.includes('Body text.'), 'body');
    ok(!content.textContent?.includes(research.deliverable.title), 'title not repeated');
  });

  it('replaces strings and follows the theme attribute', async () => {
    const client = new FixtureClient();
    client.push(completedRunEvents());
    const element = mount(client);
    element.strings = { title: 'Équipe marketing', deliverablesHeading: 'Livrables' };
    element.setAttribute('theme', 'dark');
    await waitFor(() => deepQuery(element, '[part="header"] >>> h2')?.textContent === 'Équipe marketing', 'title replaced');
    ok(deepQueryAll(element, 'h3').some((heading) => heading.textContent === 'Livrables'));
    const lane = deepQuery(element, 'mt-agent-lane');
    ok(lane);
    equal(lane.getAttribute('theme'), 'dark');
  });

  it('shows reconnecting with the attempt, then back online, and queued messages', async () => {
    const client = new FixtureClient();
    const element = mount(client);
    const label = () => deepQuery(element, 'mt-connection-status >>> [part="status"]')?.textContent ?? '';
    await waitFor(() => label().includes('Live'), 'live');
    client.setConnection({ status: 'reconnecting', attempt: 2, lastResume: null, queued: 1 });
    await waitFor(() => label().includes('attempt 2') && label().includes('1 message queued'), 'reconnecting');
    client.setConnection({ status: 'live', attempt: 0, lastResume: { caughtUp: 7, at: Date.now() }, queued: 0 });
    await waitFor(() => label().startsWith('Back online'), 'back online');
  });
});
