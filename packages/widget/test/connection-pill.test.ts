// The status pill tells the truth in plain words: offline as soon as the browser says so, "Back
// online" for a moment after a reconnect has caught up, then "Live" again (no jargon that stays).
import '../src/index.js';
import type { MarketingTeamElement } from '../src/index.js';
import { deepQuery, ok, waitFor } from './_assert.js';
import { afterEach, describe, it } from './_mocha.js';
import { mountElement, uniqueSession } from './_page.js';

const LONG = 30_000;

afterEach(() => {
  for (const element of Array.from(document.body.querySelectorAll('marketing-team'))) element.remove();
});

function pill(element: MarketingTeamElement): string {
  return deepQuery(element, 'mt-connection-status >>> [part="status"]')?.textContent?.trim() ?? '';
}

describe('the connection pill', () => {
  it('shows offline within a second of the browser going offline, then back online, then live', async () => {
    const session = uniqueSession('widget-pill');
    const element = await mountElement(session);
    await waitFor(() => pill(element) === 'Live', 'live', LONG);
    window.dispatchEvent(new Event('offline'));
    // The one bound in this file: the issue asks for offline within 1 s of the browser's event.
    await waitFor(() => pill(element).startsWith('Offline'), 'offline shown within a second', 1000);
    window.dispatchEvent(new Event('online'));
    await waitFor(() => pill(element).startsWith('Back online'), 'back online after the reconnect caught up', LONG);
    ok(!/caught up|events?|Resumed/i.test(pill(element)), `no jargon (${pill(element)})`);
    await waitFor(() => pill(element) === 'Live', '"Back online" gives way to "Live"', LONG);
  });
});
