// Several runs in one session stay apart: each run's deliverables in a package of their own,
// newest first, with the run's brief; the board shows the current run's tasks once; lanes start
// afresh for a new run.
import '../src/index.js';
import type { MarketingTeamElement } from '../src/index.js';
import { deepQuery, deepQueryAll, equal, ok, waitFor } from './_assert.js';
import { afterEach, describe, it } from './_mocha.js';
import { mountElement, uniqueSession } from './_page.js';
import { listMessages } from '@marketing-team/core';

const LONG = 60_000;

afterEach(() => {
  for (const element of Array.from(document.body.querySelectorAll('marketing-team'))) element.remove();
});

function lastRun(element: MarketingTeamElement) {
  const state = element.state;
  const id = state?.runOrder[state.runOrder.length - 1];
  return id ? state?.runs[id] : undefined;
}

describe('several runs in one session', () => {
  it('groups deliverables by run, newest first, keeps each brief, one board and fresh lanes per run', async () => {
    const session = uniqueSession('widget-runs');
    const element = await mountElement(session);
    await waitFor(() => deepQuery(element, 'mt-connection-status >>> [data-status="live"]'), 'live', LONG);
    await element.submitBrief({ goal: 'Spring sale for young families', channels: ['x'], deliverables: ['research-brief', 'social-posts'] });
    await waitFor(() => lastRun(element)?.status === 'completed', 'the first run to complete', LONG);
    const first = lastRun(element)!.id;
    await element.submitBrief({ goal: 'Autumn webinar on data privacy', channels: ['instagram'], deliverables: ['research-brief', 'social-posts'] });
    await waitFor(() => lastRun(element)?.id !== first, 'the second run to start', LONG);
    const second = lastRun(element)!.id;
    // While the second run works, no lane shows a message of the first.
    await waitFor(() => listMessages(element.state!).some((message) => message.runId === second && message.text.length > 0), 'the second run streaming', LONG);
    const firstMessages = new Set(listMessages(element.state!).filter((message) => message.runId === first).map((message) => message.id));
    for (const text of deepQueryAll(element, 'mt-agent-lane >>> [part="text"]')) ok(!firstMessages.has(text.dataset.message ?? ''), 'lane shows the current run only');
    await waitFor(() => lastRun(element)?.status === 'completed', 'the second run to complete', LONG);
    await waitFor(() => deepQueryAll(element, '[part="package"]').length === 2, 'two packages');
    const packages = deepQueryAll(element, '[part="package"]');
    equal(packages.map((pack) => pack.dataset.run).join(), `${second},${first}`, 'newest first');
    ok(packages[0]!.textContent?.includes('Autumn webinar on data privacy'), 'the second brief with its package');
    ok(packages[1]!.textContent?.includes('Spring sale for young families'), 'the first brief stays visible');
    // Seen by a marketer: after six campaigns the page was 25,000 px tall. Earlier packages fold
    // to their header until asked for; the newest stays open.
    equal(deepQueryAll(packages[1]!, 'mt-deliverable-card').length, 0, 'the earlier package is folded');
    ok(!deepQuery(packages[0]!, '[part="package-toggle"]'), 'the newest package cannot be folded');
    const toggle = deepQuery<HTMLButtonElement>(packages[1]!, '[part="package-toggle"]')!;
    equal(toggle.getAttribute('aria-expanded'), 'false');
    ok(/Show its \d+ deliverables/.test(toggle.textContent ?? ''), `says what it holds (${toggle.textContent})`);
    toggle.click();
    await waitFor(() => deepQueryAll(packages[1]!, 'mt-deliverable-card').length >= 2, 'the earlier package opened');
    equal(toggle.getAttribute('aria-expanded'), 'true');
    for (const [index, runId] of [second, first].entries()) {
      const ids = deepQueryAll(packages[index]!, 'mt-deliverable-card').map((card) => card.dataset.id);
      ok(ids.length >= 2, `deliverables of ${runId}`);
      for (const id of ids) equal(element.state!.deliverables[id!]?.runId, runId, `deliverable ${id} in its run's package`);
    }
    // A run stopped before it wrote anything does not fold away the last finished package.
    const { runId: third } = (await element.submitBrief({ goal: 'Winter clearance', channels: ['x'] })) as { runId: string };
    await element.cancel(third);
    await waitFor(() => element.state!.runs[third]?.status === 'cancelled', 'the third run stopped', LONG);
    await waitFor(() => deepQueryAll(element, '[part="package"]').length >= 2 && deepQueryAll(element, '[part="package"]')[0]!.dataset.run === third, 'the stopped run listed first');
    const latest = deepQueryAll(element, '[part="package"]').find((pack) => pack.dataset.run === second)!;
    ok(!latest.hasAttribute('data-folded') && !deepQuery(latest, '[part="package-toggle"]'), 'the last finished package stays open');
    const titles = deepQueryAll(element, 'mt-task-board >>> [part="card"] h4, mt-task-board >>> [part="card"] .title').map((title) => title.textContent?.trim());
    const cards = deepQueryAll(element, 'mt-task-board >>> [part="card"]');
    equal(cards.length, Object.keys(lastRun(element)!.tasks).length, `the board shows the current run's tasks once (${titles.join(', ')})`);
  });
});
