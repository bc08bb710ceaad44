// Taking a task over from its agent, as two pages of one session see it: page A takes the
// strategy over mid-run, page B shows it taken over; A writes it and marks it done (or hands it
// back to the agent); both pages converge and keep it after a reload.
import type { MarketingTeamElement } from '../src/index.js';
import { SessionClient } from '@marketing-team/core';
import '../src/index.js';
import { deepQuery, deepQueryAll, equal, ok, waitFor } from './_assert.js';
import { afterEach, describe, it } from './_mocha.js';
import { callServer, mountElement, serverUrl, setViewport, uniqueSession, themedShots } from './_page.js';

const LONG = 20_000;

/** Clients the test opened itself, closed after each test. */
const clients: SessionClient[] = [];

afterEach(async () => {
  for (const element of Array.from(document.body.querySelectorAll('marketing-team'))) element.remove();
  for (const client of clients.splice(0)) client.close();
  await setViewport(800, 600);
});

const live = (element: MarketingTeamElement) => waitFor(() => deepQuery(element, 'mt-connection-status >>> [data-status="live"]'), 'live', LONG);
const runOf = (element: MarketingTeamElement) => {
  const id = element.state?.runOrder[0];
  return id ? element.state?.runs[id] : undefined;
};
const strategyId = (element: MarketingTeamElement) => runOf(element)?.taskOrder.find((id) => id.endsWith(':strategy'));
const strategyCard = (element: MarketingTeamElement) =>
  waitFor(() => {
    const id = strategyId(element);
    return id ? deepQuery(element, `mt-task-board >>> [part="card"][data-task="${id}"]`) : undefined;
  }, 'the strategy card', LONG);
/** A part of the strategy's card, looked up afresh: the card moves to another column as its status changes. */
const inStrategy = <T extends HTMLElement = HTMLElement>(element: MarketingTeamElement, selector: string) => {
  const id = strategyId(element);
  const card = id ? deepQuery(element, `mt-task-board >>> [part="card"][data-task="${id}"]`) : undefined;
  return card ? deepQuery<T>(card, selector) : undefined;
};
const brief = { goal: 'Launch our reusable bottle to commuters', channels: ['x', 'linkedin'] as const, deliverables: ['research-brief', 'campaign-strategy', 'social-posts'] as const };

/** Two pages on one session; page A takes the strategy over while the research runs; page B sees it. */
async function takenOver(prefix: string) {
  const session = uniqueSession(prefix);
  const pageA = await mountElement(session);
  const pageB = await mountElement(session);
  await Promise.all([live(pageA), live(pageB)]);
  await pageA.submitBrief({ ...brief, channels: [...brief.channels], deliverables: [...brief.deliverables] });
  const card = await strategyCard(pageA);
  const take = await waitFor(() => deepQuery<HTMLButtonElement>(card, '[part="take-over"]'), 'Take over on the strategy', LONG);
  ok(runOf(pageA)?.status === 'running' || runOf(pageA)?.status === 'planned', 'the run goes on');
  take.click();
  for (const page of [pageA, pageB]) {
    await waitFor(() => inStrategy(page, '[part="taken-over"]')?.textContent?.includes('Taken over by Tester'), 'taken over by Tester', LONG);
  }
  // The research finishes; the strategy's dependants wait for the person.
  await waitFor(() => Object.values(runOf(pageB)!.tasks).filter((task) => task.dependsOn.length === 0).every((task) => task.status === 'done'), 'the research done', LONG);
  const social = Object.values(runOf(pageB)!.tasks).find((task) => task.id.endsWith(':social'))!;
  equal(social.status, 'todo', 'the social posts wait for the strategy');
  equal(runOf(pageB)!.status, 'running', 'the run is still running');
  return { session, pageA, pageB };
}

/** A page of `userId`, whose token grants presence, so the page knows whose it is. */
async function mountAs(session: string, userId: string): Promise<MarketingTeamElement> {
  const element = document.createElement('marketing-team');
  // A client of its own, as on the person's own device: presence tells each page whose it is.
  const client = new SessionClient({ url: `${await serverUrl()}/mt/ws`, transport: 'websocket', deviceName: `${userId}'s laptop` });
  clients.push(client);
  element.client = client;
  element.session = session;
  element.token = (await callServer<{ token: string }>('POST', '/test/token', { session, userId, capabilities: ['read', 'write', 'control', 'presence'] })).token;
  document.body.append(element);
  return element;
}

describe('taking a task over from its agent', () => {
  it('only the person who took the task over gets its form; someone else sees who has it', async () => {
    const session = uniqueSession('widget-takeover-other');
    const mine = await mountAs(session, 'dana');
    const theirs = await mountAs(session, 'sam');
    await Promise.all([live(mine), live(theirs)]);
    await mine.submitBrief({ ...brief, channels: [...brief.channels], deliverables: [...brief.deliverables] });
    (await waitFor(() => inStrategy<HTMLButtonElement>(mine, '[part="take-over"]'), 'Take over on the strategy', LONG)).click();
    await waitFor(() => inStrategy(theirs, '[part="taken-over"]'), 'taken over, on the other person’s page', LONG);
    await waitFor(() => inStrategy(mine, '[part="takeover-editor"]'), 'the form on the page of the person who took it over', LONG);
    // Until presence says whose page it is, a page offers the form; then only the holder's does.
    await waitFor(() => !inStrategy(theirs, '[part="takeover-editor"]') && !inStrategy(theirs, '[part="take-over"]'), 'no form and no Take over for someone else', LONG);
    ok(inStrategy(mine, '[part="takeover-editor"]'), 'the holder keeps the form');
  });

  it('page A takes the strategy over and marks it done with its text; both pages converge, after a reload too', async () => {
    const { session, pageA, pageB } = await takenOver('widget-takeover-done');
    await themedShots([pageB], () => deepQuery(pageB, 'mt-task-board'), 'takeover', 'taken-over');
    const form = await waitFor(() => inStrategy<HTMLFormElement>(pageA, '[part="takeover-editor"]'), 'the editor on page A');
    deepQuery<HTMLInputElement>(form, 'input[name="title"]')!.value = 'Commuter strategy by Tester';
    deepQuery<HTMLTextAreaElement>(form, 'textarea[name="markdown"]')!.value = '# Commuter strategy by Tester\n\nLead with the morning train: one bottle, refilled at the office.';
    await themedShots([pageA], () => deepQuery(pageA, 'mt-task-board'), 'takeover', 'editing');
    deepQuery<HTMLButtonElement>(form, '[part="takeover-done"]')!.click();

    for (const page of [pageA, pageB]) {
      await waitFor(() => runOf(page)?.status === 'completed', 'the run completes', LONG);
      const id = strategyId(page)!;
      const task = runOf(page)!.tasks[id]!;
      equal(task.doneBy?.by.kind, 'human', 'done by a person');
      const deliverable = page.state!.deliverables[task.deliverableId!]!;
      equal(deliverable.title, 'Commuter strategy by Tester', 'the person text is the deliverable');
      equal(page.state!.deliverableVersions[deliverable.id]!.history[0]!.by.kind, 'human', 'the version is the person’s');
      await waitFor(() => inStrategy(page, '[part="taken-over-done"]')?.textContent?.includes('Done by Tester'), 'Done by Tester');
    }
    // The strategy's card says whose words these are.
    (await waitFor(() => deepQuery<HTMLButtonElement>(pageB, '[part~="tab"][data-kind="campaign-strategy"]'), 'the strategy tab', LONG)).click();
    const strategy = await waitFor(
      () => deepQueryAll(pageB, 'mt-deliverable-card').find((card) => card.shadowRoot?.querySelector('[data-kind="campaign-strategy"]')),
      'the strategy card',
      LONG,
    );
    await waitFor(() => deepQuery(strategy, '[part="edited"]')?.textContent?.includes('Written by Tester'), 'Written by Tester on the card');
    await themedShots([pageA], () => deepQuery(pageA, 'mt-task-board'), 'takeover', 'done');
    pageA.remove();
    const reloaded = await mountElement(session);
    await strategyCard(reloaded);
    await waitFor(() => inStrategy(reloaded, '[part="taken-over-done"]')?.textContent?.includes('Done by Tester'), 'the reload says Done by Tester', LONG);
    ok(!inStrategy(reloaded, '[part="take-over"]'), 'nothing left to take over');
  });

  it('page A hands the strategy back with a draft; the agent finishes it on both pages, after a reload too', async () => {
    const { session, pageA, pageB } = await takenOver('widget-takeover-back');
    const form = await waitFor(() => inStrategy<HTMLFormElement>(pageA, '[part="takeover-editor"]'), 'the editor on page A');
    deepQuery<HTMLTextAreaElement>(form, 'textarea[name="markdown"]')!.value = 'Start from the morning train.';
    deepQuery<HTMLButtonElement>(form, '[part="takeover-hand-back"]')!.click();
    for (const page of [pageA, pageB]) {
      await waitFor(() => runOf(page)?.status === 'completed', 'the run completes', LONG);
      const task = runOf(page)!.tasks[strategyId(page)!]!;
      equal(task.status, 'done', 'the agent finished it');
      equal(task.handedBack?.by.kind, 'human', 'handed back by a person');
      ok(!task.doneBy && !task.takenOver, 'no longer the person’s');
      await waitFor(() => inStrategy(page, '[data-handed-back]')?.textContent?.includes('Handed back by Tester'), 'Handed back by Tester');
    }
    await themedShots([pageB], () => deepQuery(pageB, 'mt-task-board'), 'takeover', 'handed-back');
    pageA.remove();
    const reloaded = await mountElement(session);
    await strategyCard(reloaded);
    await waitFor(() => inStrategy(reloaded, '[data-handed-back]')?.textContent?.includes('Handed back by Tester'), 'the reload says Handed back', LONG);
  });
});
