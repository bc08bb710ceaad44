// A long brief is never cut mid-word: the form counts characters near the limit, refuses an
// over-long field with a friendly message and keeps the text; a brief the server or client
// validation refuses shows words a person understands, not a schema message.
import '../src/index.js';
import type { MarketingTeamElement } from '../src/index.js';
import { deepQuery, equal, ok, waitFor } from './_assert.js';
import { afterEach, describe, it } from './_mocha.js';
import { mountElement, uniqueSession } from './_page.js';

const LONG = 30_000;

afterEach(() => {
  for (const element of Array.from(document.body.querySelectorAll('marketing-team'))) element.remove();
});

async function mount(): Promise<MarketingTeamElement> {
  const session = uniqueSession('widget-long');
  const element = await mountElement(session);
  await waitFor(() => deepQuery(element, 'mt-connection-status >>> [data-status="live"]'), 'live', LONG);
  return element;
}

const words = (count: number) => Array.from({ length: count }, (_, index) => `word${index}`).join(' ');

describe('long briefs', () => {
  it('counts near the limit, refuses an over-long goal kindly and keeps every character', async () => {
    const element = await mount();
    const goal = await waitFor(() => deepQuery<HTMLTextAreaElement>(element, 'mt-brief-form >>> [part="goal"]'), 'the goal field');
    equal(deepQuery(element, 'mt-brief-form >>> [part="counter"]'), undefined, 'no counter for a short goal');
    // A trailing newline, as pasted text often has: counted as it is sent (trimmed), like the refusal.
    const text = `${words(1500)}\n`; // about 12,000 characters
    goal.value = text;
    goal.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true }));
    const counter = await waitFor(() => deepQuery(element, 'mt-brief-form >>> [part="counter"]'), 'the counter');
    ok(/[\d,]+ \/ 2,000 characters/.test(counter.textContent ?? ''), `counter text (${counter.textContent})`);
    ok(counter.hasAttribute('data-over'), 'marked over the limit');
    deepQuery<HTMLButtonElement>(element, 'mt-brief-form >>> [part="submit"]')!.click();
    const error = await waitFor(() => deepQuery(element, 'mt-brief-form >>> [part="error"]'), 'the friendly error');
    ok(/Campaign goal is [\d,]+ characters; please keep it to 2,000/.test(error.textContent ?? ''), `error text (${error.textContent})`);
    equal(/is ([\d,]+) characters/.exec(error.textContent ?? '')?.[1], /([\d,]+) \//.exec(counter.textContent ?? '')?.[1], 'the counter and the refusal give the same number');
    equal(goal.value, text, 'nothing was cut');
    equal(element.state?.runOrder.length, 0, 'no run started');
  });

  it('maps a brief refused by validation to plain words', async () => {
    const element = await mount();
    const errors: string[] = [];
    element.addEventListener('mt-error', (event) => errors.push((event as CustomEvent<{ message: string }>).detail.message));
    await element.submitBrief({ goal: words(600) });
    const banner = await waitFor(() => deepQuery(element, '[part="error"][role="alert"]'), 'the error banner');
    const text = banner.textContent ?? '';
    ok(text.includes('Campaign goal'), `names the field in the form's words (${text})`);
    ok(!/expected|too_big|Too big|<=|zod|invalid_/i.test(text), `no schema message (${text})`);
    equal(errors.length, 1, 'one mt-error');
  });
});
