// The host page belongs to the person reading it: a run never scrolls it or moves focus, and
// events and announcements tell only what happened while the page watched, never the history
// it found at load (which arrives in several chunks for a finished run).
import '../src/index.js';
import type { MarketingTeamElement } from '../src/index.js';
import { deepQuery, deepQueryAll, equal, ok, waitFor } from './_assert.js';
import { afterEach, describe, it } from './_mocha.js';
import { callServer, frames, mintToken, serverUrl } from './_page.js';

const LONG = 60_000;

function sessionId(name: string): string {
  return `widget-${name}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

async function mount(session: string, parent: HTMLElement = document.body): Promise<MarketingTeamElement> {
  const element = document.createElement('marketing-team');
  element.endpoint = `${(await serverUrl()).replace(/^ws/, 'http')}/mt`;
  element.session = session;
  element.token = await mintToken(session, ['read', 'write', 'control']);
  parent.append(element);
  return element;
}

function lastRun(element: MarketingTeamElement) {
  const state = element.state;
  const id = state?.runOrder[state.runOrder.length - 1];
  return id ? state?.runs[id] : undefined;
}

/** Counts scroll movements of the page and `mt-*` events, and keeps what the live region said. */
function watch(element: MarketingTeamElement) {
  const seen = { scrolls: 0, events: [] as string[], said: [] as string[] };
  const onScroll = () => (seen.scrolls += 1);
  window.addEventListener('scroll', onScroll, true);
  for (const name of ['mt-run-started', 'mt-run-completed', 'mt-deliverable']) element.addEventListener(name, () => seen.events.push(name));
  const region = () => deepQuery(element, '[aria-live="polite"]');
  const observer = new MutationObserver(() => {
    const text = region()?.textContent?.trim();
    if (text) seen.said.push(text);
  });
  const attach = () => {
    const live = region();
    if (live) observer.observe(live, { childList: true, subtree: true, characterData: true });
    return live;
  };
  return { seen, attach, stop: () => (window.removeEventListener('scroll', onScroll, true), observer.disconnect()) };
}

afterEach(() => {
  for (const element of Array.from(document.body.querySelectorAll('marketing-team, .host-page'))) element.remove();
});

describe('the host page stays with the person', () => {
  let finished: string | undefined;

  it('a whole run moves neither scroll nor focus; its news fires and is announced once', async () => {
    const page = document.createElement('div');
    page.className = 'host-page';
    const hostButton = document.createElement('button');
    hostButton.textContent = 'Host page button';
    page.append(hostButton);
    document.body.append(page);
    const session = sessionId('quiet');
    const element = await mount(session, page);
    // Tall content below, so the page could scroll to a deliverable if anything asked it to.
    const below = document.createElement('div');
    below.style.height = '3000px';
    page.append(below);
    window.scrollTo(0, 0);
    hostButton.focus();
    const watcher = watch(element);
    await waitFor(() => deepQuery(element, 'mt-connection-status >>> [data-status="live"]'), 'live', LONG);
    await waitFor(() => watcher.attach(), 'live region');
    await element.submitBrief({ goal: 'Launch our reusable bottle to commuters', channels: ['x', 'instagram'] });
    await waitFor(() => lastRun(element)?.status === 'completed', 'the run to complete', LONG);
    await waitFor(() => deepQueryAll(element, 'mt-deliverable-card').length >= 5, 'deliverables shown');
    await frames();
    watcher.stop();
    equal(watcher.seen.scrolls, 0, 'page scroll events during the run');
    equal(window.scrollY, 0, 'page scroll position');
    equal(document.activeElement, hostButton, 'focus stays on the host page button');
    equal(watcher.seen.events.filter((name) => name === 'mt-run-completed').length, 1, 'one mt-run-completed');
    const deliverables = lastRun(element)!.deliverableIds.length;
    equal(watcher.seen.events.filter((name) => name === 'mt-deliverable').length, deliverables, 'one mt-deliverable per deliverable');
    ok(watcher.seen.said.some((text) => /Deliverable ready/.test(text)), 'new deliverables announced');
    // New deliverables are offered, not forced: a chip says how many arrived.
    const chip = await waitFor(() => deepQuery<HTMLButtonElement>(element, '[part="new-chip"]'), 'the "new" chip');
    ok(/new/i.test(chip.textContent ?? ''), `chip text (${chip.textContent})`);
    finished = session;
  });

  it('opening a finished session fires nothing, announces nothing and moves nothing', async () => {
    // Reuse the previous test's finished session, or finish one here without watching it.
    if (!finished) {
      const session = sessionId('history');
      const runner = await mount(session);
      await waitFor(() => deepQuery(runner, 'mt-connection-status >>> [data-status="live"]'), 'live', LONG);
      await runner.submitBrief({ goal: 'Launch our reusable bottle to commuters', channels: ['x', 'instagram'] });
      await waitFor(() => lastRun(runner)?.status === 'completed', 'the run to complete', LONG);
      runner.remove();
      finished = session;
    }
    const records = (await callServer<{ records: unknown[] }>('GET', `/test/log?session=${encodeURIComponent(finished)}`)).records;
    // The server replays a first page of 64 events, then larger ones: this history comes in several chunks.
    ok(records.length > 64 * 2, `history long enough to arrive in several chunks (${records.length} events)`);
    const page = document.createElement('div');
    page.className = 'host-page';
    const hostButton = document.createElement('button');
    hostButton.textContent = 'Host page button';
    page.append(hostButton);
    const below = document.createElement('div');
    below.style.height = '3000px';
    document.body.append(page);
    window.scrollTo(0, 0);
    hostButton.focus();
    const element = document.createElement('marketing-team');
    const watcher = watch(element);
    element.endpoint = `${(await serverUrl()).replace(/^ws/, 'http')}/mt`;
    element.session = finished;
    element.token = await mintToken(finished, ['read', 'write', 'control']);
    page.append(element, below);
    await waitFor(() => watcher.attach(), 'live region');
    await waitFor(() => element.state?.offset === records.length, 'the whole history applied', LONG);
    await waitFor(() => deepQueryAll(element, 'mt-deliverable-card').length >= 5, 'deliverables shown');
    await frames();
    await frames();
    watcher.stop();
    equal(watcher.seen.events.join(','), '', 'no mt-* events for history');
    equal(watcher.seen.said.join(' | '), '', 'nothing announced for history');
    equal(watcher.seen.scrolls, 0, 'page scroll events on open');
    equal(window.scrollY, 0, 'page scroll position');
    equal(document.activeElement, hostButton, 'focus stays on the host page button');
    equal(deepQuery(element, '[part="new-chip"]'), undefined, 'no "new" chip for history');
  });
});
