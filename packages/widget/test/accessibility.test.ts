import 'axe-core';
import '../src/index.js';
import type { MarketingTeamElement } from '../src/index.js';
import { deepQuery, deepQueryAll, equal, ok, waitFor } from './_assert.js';
import { FixtureClient, completedRunEvents } from './_fixtures.js';
import { afterEach, describe, it } from './_mocha.js';
import { frames, press, type } from './_page.js';

interface AxeResult {
  violations: { id: string; impact: string; help: string; nodes: { target: unknown[] }[] }[];
}
const axe = (window as unknown as { axe: { run: (context: Element, options?: object) => Promise<AxeResult> } }).axe;

function mount(client: FixtureClient, theme?: 'light' | 'dark'): MarketingTeamElement {
  const element = document.createElement('marketing-team');
  element.session = 's-a11y';
  element.token = 'fixture';
  element.client = client;
  if (theme) element.setAttribute('theme', theme);
  document.body.append(element);
  return element;
}

/** The focused element, through shadow roots. */
function focused(): Element | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

async function tabTo(predicate: (element: Element) => boolean, what: string, limit = 80): Promise<Element> {
  for (let index = 0; index < limit; index += 1) {
    await press('Tab');
    const active = focused();
    if (active && predicate(active)) return active;
  }
  throw new Error(`could not reach ${what} with Tab`);
}

describe('keyboard and screen readers', () => {
  afterEach(() => {
    for (const element of Array.from(document.body.querySelectorAll('marketing-team'))) element.remove();
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`has no axe violations in a finished run (${theme})`, async () => {
      const client = new FixtureClient();
      client.push(completedRunEvents());
      const element = mount(client, theme);
      await waitFor(() => deepQuery(element, '[part="content"] a'), 'Markdown rendered');
      await frames();
      const result = await axe.run(element, { resultTypes: ['violations'] });
      const summary = result.violations.map((violation) => `${violation.id} (${violation.impact}): ${violation.help} at ${JSON.stringify(violation.nodes.map((node) => node.target))}`);
      equal(summary.join('\n'), '', 'axe violations');
    });
  }

  it('has no axe violations with the brief form and read-only controls', async () => {
    const client = new FixtureClient();
    client.capabilities = ['read'];
    const element = mount(client);
    await waitFor(() => deepQuery(element, 'mt-brief-form >>> textarea'), 'brief form');
    await frames();
    const result = await axe.run(element, { resultTypes: ['violations'] });
    equal(result.violations.map((violation) => `${violation.id}: ${violation.help}`).join('\n'), '', 'axe violations');
  });

  it('submits a brief with Ctrl+Enter and stops the run using only the keyboard', async () => {
    const client = new FixtureClient();
    const element = mount(client);
    await waitFor(() => deepQuery(element, 'mt-brief-form >>> textarea'), 'brief form');
    (document.activeElement as HTMLElement | null)?.blur();
    await tabTo((active) => active.localName === 'textarea', 'the goal field');
    await type('Launch the commuter bottle');
    await press('Control+Enter');
    await waitFor(() => client.calls.length === 1, 'brief sent');
    equal(client.calls[0]!.method, 'submitBrief');
    equal((client.calls[0]!.args[0] as { goal: string }).goal, 'Launch the commuter bottle');
    ok(((client.calls[0]!.args[0] as { channels: string[] }).channels ?? []).includes('linkedin'), 'default channels sent');
    // The server would now start the run; the stop button is reachable and works with Enter.
    client.push(completedRunEvents('r9').slice(0, 2));
    await waitFor(() => deepQuery(element, 'mt-run-controls >>> [part="stop"]'), 'stop button');
    await tabTo((active) => active.getAttribute('part') === 'stop' && active.textContent?.trim() === 'Stop the run', 'the stop button');
    await press('Enter');
    await waitFor(() => client.calls.length === 2, 'cancel sent');
    equal(client.calls[1]!.method, 'cancel');
    equal(client.calls[1]!.args[0], 'r9');
  });

  it('announces completions politely, never moves focus, and offers new deliverables with a chip', async () => {
    const client = new FixtureClient();
    const events = completedRunEvents('r1');
    const firstDeliverable = events.findIndex((event) => event.type === 'deliverable.created');
    client.push(events.slice(0, firstDeliverable - 1));
    const element = mount(client);
    await waitFor(() => deepQuery(element, 'mt-run-controls >>> [part="steer-input"]'), 'controls');
    const steer = deepQuery<HTMLInputElement>(element, 'mt-run-controls >>> [part="steer-input"]')!;
    steer.focus();
    client.push(events.slice(firstDeliverable - 1, firstDeliverable + 1));
    await waitFor(() => deepQuery(element, 'mt-deliverable-card'), 'deliverable');
    await frames();
    equal(focused(), steer, 'focus stays in the field being typed in');
    const live = deepQuery(element, '[aria-live="polite"]');
    ok(live?.textContent?.includes('finished Research the market'), `completion announced (${live?.textContent})`);
    steer.blur();
    const next = events.findIndex((event, index) => index > firstDeliverable && event.type === 'deliverable.created');
    client.push(events.slice(firstDeliverable + 1, next + 1));
    await waitFor(() => deepQueryAll(element, 'mt-deliverable-card').length === 2, 'the second deliverable');
    await frames();
    equal(focused(), document.body, 'focus stays where the person left it');
    // Focus moves only when the person asks, through the chip.
    const chip = await waitFor(() => deepQuery<HTMLButtonElement>(element, '[part="new-chip"]'), 'the new chip');
    chip.click();
    await waitFor(() => focused()?.getAttribute('part') === 'deliverable', 'focus on the first new deliverable');
    equal(deepQuery(element, '[part="new-chip"]'), undefined, 'the chip goes once looked at');
  });
});
