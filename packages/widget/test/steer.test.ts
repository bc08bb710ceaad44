// A steer is acknowledged where it was typed: sending, then received (stored in the log), then
// which agents applied it (`steer.applied`), and the deliverables that reflect it are marked.
import '../src/index.js';
import { deepQuery, deepQueryAll, ok, waitFor } from './_assert.js';
import { afterEach, describe, it } from './_mocha.js';
import { mountElement, uniqueSession } from './_page.js';

const LONG = 60_000;

afterEach(() => {
  for (const element of Array.from(document.body.querySelectorAll('marketing-team'))) element.remove();
});

describe('steering', () => {
  it('shows received, then who applied it, and marks the outputs that reflect it', async () => {
    const session = uniqueSession('widget-steer');
    const element = await mountElement(session);
    await waitFor(() => deepQuery(element, 'mt-connection-status >>> [data-status="live"]'), 'live', LONG);
    const states = new Set<string>();
    let watching = true;
    const record = () => {
      for (const status of deepQueryAll(element, 'mt-run-controls >>> [part="steer-status"]')) states.add(status.dataset.state ?? '');
      if (watching) requestAnimationFrame(record);
    };
    requestAnimationFrame(record);
    await element.submitBrief({ goal: 'Launch our reusable bottle to commuters', channels: ['x', 'instagram'] });
    const input = await waitFor(() => deepQuery<HTMLInputElement>(element, 'mt-run-controls >>> [part="steer-input"]'), 'the steer field', LONG);
    input.value = 'Make the tone more playful';
    deepQuery<HTMLButtonElement>(element, 'mt-run-controls >>> [part="steer-button"]')!.click();
    await waitFor(() => states.has('received') || states.has('applied'), 'the steer acknowledged as received', LONG);
    const applied = await waitFor(() => deepQuery(element, 'mt-run-controls >>> [part="steer-status"][data-state="applied"]'), 'who applied the steer', LONG);
    ok(/Applied by \S/.test(applied.textContent ?? ''), `applied text (${applied.textContent})`);
    ok(deepQuery(element, 'mt-run-controls >>> [part="steers"]')?.textContent?.includes('Make the tone more playful'), 'the instruction is shown');
    await waitFor(() => {
      const id = element.state?.runOrder[0];
      return id && element.state?.runs[id]?.status === 'completed';
    }, 'the run to complete', LONG);
    watching = false;
    ok(states.has('sending') || states.has('received'), `the steer was shown before any agent applied it (${[...states].join(',')})`);
    await waitFor(() => deepQueryAll(element, 'mt-deliverable-card >>> [part="steered"]').length >= 1, 'a deliverable marked as reflecting the steer');
  });
});
