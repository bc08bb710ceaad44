// Everything can be taken away: a copy button on every deliverable (Markdown, HTML for the
// landing page, sanitized as shown), and a full-screen landing page preview at phone and desktop
// widths that stays in an empty sandbox under its own policy.
import '../src/index.js';
import { deepQuery, deepQueryAll, equal, ok, waitFor } from './_assert.js';
import { afterEach, describe, it } from './_mocha.js';
import { frames, mountElement, screenshot, setViewport, uniqueSession } from './_page.js';

const LONG = 60_000;

afterEach(() => {
  for (const element of Array.from(document.body.querySelectorAll('marketing-team'))) element.remove();
});

describe('taking the package away', () => {
  it('copies every deliverable and previews the landing page full screen at phone and desktop widths', async () => {
    const session = uniqueSession('widget-take');
    const element = await mountElement(session);
    await waitFor(() => deepQuery(element, 'mt-connection-status >>> [data-status="live"]'), 'live', LONG);
    await element.submitBrief({ goal: 'Launch our reusable bottle to commuters', channels: ['x', 'instagram'] });
    await waitFor(() => {
      const id = element.state?.runOrder[0];
      return id && element.state?.runs[id]?.status === 'completed';
    }, 'the run to complete', LONG);
    // What reaches the clipboard, recorded (the page is not focused under test, so the real one may refuse).
    const copied: string[] = [];
    Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText: async (text: string) => void copied.push(text) } });
    const cards = await waitFor(() => {
      const found = deepQueryAll(element, 'mt-deliverable-card');
      return found.length === element.state!.deliverableOrder.length && found.length >= 5 ? found : undefined;
    }, 'every card');
    for (const card of cards) {
      const button = await waitFor(() => deepQuery<HTMLButtonElement>(card, '[part="copy"][data-copy="markdown"]'), 'a copy button on every card');
      const before = copied.length;
      button.click();
      await waitFor(() => copied.length === before + 1, 'copied');
      const deliverable = element.state!.deliverables[card.dataset.id!]!;
      ok(copied[before]!.startsWith(`# ${deliverable.title}`), `the Markdown of ${deliverable.kind}`);
      ok(!copied[before]!.includes('```json'), 'no JSON block');
      await waitFor(() => button.textContent?.includes('Copied'), 'the button says it copied');
    }
    // Each kind has its tab: choosing the last one shows its card, below the sticky strip of kinds.
    window.scrollTo(0, 0);
    const last = cards[cards.length - 1]!;
    const kind = element.state!.deliverables[last.dataset.id!]!.kind;
    deepQuery<HTMLButtonElement>(element, `[part~="tab"][data-kind="${kind}"]`)!.click();
    await waitFor(() => last.getBoundingClientRect().height > 0, 'the chosen kind shown');
    const strip = deepQuery(element, '[part="tabs"]')!.getBoundingClientRect();
    ok(last.getBoundingClientRect().top >= strip.bottom - 1, `the card starts below the strip of kinds (${last.getBoundingClientRect().top} vs ${strip.bottom})`);
    equal(window.scrollY, 0, 'choosing a tab does not scroll the page');
    window.scrollTo(0, 0);
    const landing = cards.find((card) => card.shadowRoot?.querySelector('[data-kind="landing-page"]'))!;
    ok(landing, 'a landing page card');
    deepQuery<HTMLButtonElement>(element, '[part~="tab"][data-kind="landing-page"]')!.click();
    await waitFor(() => landing.getBoundingClientRect().height > 0, 'the landing page tab shown');
    const copyHtml = await waitFor(() => deepQuery<HTMLButtonElement>(landing, '[part="copy"][data-copy="html"]'), 'copy HTML');
    copyHtml.click();
    await waitFor(() => copied.length === cards.length + 1, 'HTML copied');
    const htmlCopy = copied[copied.length - 1]!;
    ok(htmlCopy.startsWith('<!doctype html><meta http-equiv="Content-Security-Policy"'), 'the sanitized document with its policy');
    ok(!/<script/i.test(htmlCopy), 'no script in the copied HTML');
    // Full screen, desktop then phone.
    window.scrollTo(0, 0);
    deepQuery<HTMLButtonElement>(landing, '[part="preview-open"]')!.click();
    const dialog = await waitFor(() => deepQuery<HTMLDialogElement>(landing, 'dialog[part="preview"][open]'), 'the preview open');
    const frame = await waitFor(() => deepQuery<HTMLIFrameElement>(dialog, 'iframe[part="preview-frame"]'), 'the preview frame');
    equal(frame.getAttribute('sandbox'), '', 'an empty sandbox');
    ok(frame.srcdoc.startsWith('<!doctype html><meta http-equiv="Content-Security-Policy"'), 'its own policy first');
    await setViewport(1280, 800);
    await frames();
    ok(Math.abs(dialog.getBoundingClientRect().width - window.innerWidth) < 2, 'the preview fills the window');
    equal(Math.round(frame.getBoundingClientRect().width), 1280 - 24, 'desktop width within the window');
    await screenshot('test-output/landing-preview-desktop.png');
    deepQuery<HTMLButtonElement>(dialog, '[data-width="phone"]')!.click();
    await waitFor(() => Math.round(frame.getBoundingClientRect().width) === 375, 'phone width');
    await screenshot('test-output/landing-preview-phone.png');
    deepQuery<HTMLButtonElement>(dialog, '[part="preview-close"]')!.click();
    await waitFor(() => !dialog.open, 'the preview closed');
    await waitFor(() => !deepQuery(landing, 'iframe[part="preview-frame"]'), 'no preview frame once closed');
    await setViewport(800, 600);
  });
});
