// A run's package as tabs, one per kind of deliverable: counts on each tab, the arrow keys move
// between them, a deliverable that arrives in another tab marks that tab without moving the host
// page, and on a phone the strip scrolls sideways and shows that it does.
import type { MarketingTeamElement } from '../src/index.js';
import '../src/index.js';
import { deepQuery, deepQueryAll, equal, ok, waitFor } from './_assert.js';
import { afterEach, describe, it } from './_mocha.js';
import { frames, mountElement, press, screenshot, setViewport, uniqueSession } from './_page.js';

const LONG = 60_000;

afterEach(async () => {
  for (const element of Array.from(document.body.querySelectorAll('marketing-team, .host-page'))) element.remove();
  await setViewport(800, 600);
});

const tabs = (element: MarketingTeamElement) => deepQueryAll<HTMLButtonElement>(element, '[part~="tab"][role="tab"]');
const selected = (element: MarketingTeamElement) => tabs(element).find((tab) => tab.getAttribute('aria-selected') === 'true');
const lastRun = (element: MarketingTeamElement) => {
  const state = element.state;
  const id = state?.runOrder[state.runOrder.length - 1];
  return id ? state?.runs[id] : undefined;
};

/** The deliverable's shadow root's active element, down through shadow roots. */
function deepActive(): Element | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

describe("a run's package in tabs", () => {
  it('groups the package by kind with counts, marks news in other tabs without moving the page, and answers the arrow keys', async () => {
    const page = document.createElement('div');
    page.className = 'host-page';
    const hostButton = document.createElement('button');
    hostButton.textContent = 'Host page button';
    page.append(hostButton);
    document.body.append(page);
    const element = await mountElement(uniqueSession('widget-tabs'), { parent: page });
    const below = document.createElement('div');
    below.style.height = '3000px';
    page.append(below);
    let scrolls = 0;
    const onScroll = () => (scrolls += 1);
    window.addEventListener('scroll', onScroll, true);
    window.scrollTo(0, 0);
    hostButton.focus();
    await waitFor(() => deepQuery(element, 'mt-connection-status >>> [data-status="live"]'), 'live', LONG);
    await element.submitBrief({ goal: 'Launch our reusable bottle to commuters', channels: ['x', 'instagram', 'linkedin'] });

    // Once two kinds are in, the strip appears; later kinds arrive in tabs the person is not on.
    await waitFor(() => tabs(element).length >= 2, 'the strip of kinds', LONG);
    const first = selected(element)!;
    const marked = await waitFor(() => deepQueryAll(element, '[part~="tab-marked"]')[0], 'a tab marked as holding news', LONG);
    ok(marked !== first, 'the marked tab is not the one shown');
    ok(deepQuery(marked, '[part="tab-new"]') || marked.querySelector('[part="tab-new"]'), 'its marker');
    await waitFor(() => lastRun(element)?.status === 'completed', 'the run to complete', LONG);
    await frames();
    window.removeEventListener('scroll', onScroll, true);
    equal(scrolls, 0, 'page scroll events during the run');
    equal(window.scrollY, 0, 'page scroll position');
    equal(document.activeElement, hostButton, 'focus stays on the host page');
    equal(selected(element), first, 'the tab the page opened on stays selected');

    // One tab per kind, counting the posts, ads or concepts inside.
    const state = element.state!;
    const kinds = [...new Set(state.deliverableOrder.map((id) => state.deliverables[id]!.kind))];
    deepEqualKinds(tabs(element).map((tab) => tab.dataset.kind!), kinds);
    const posts = Object.values(state.deliverables).find((deliverable) => deliverable.kind === 'social-posts')!;
    const postsTab = tabs(element).find((tab) => tab.dataset.kind === 'social-posts')!;
    equal(postsTab.querySelector('[part="tab-count"]')!.textContent!.trim(), String(posts.kind === 'social-posts' ? posts.data.posts.length : 0), 'the posts tab counts the posts');
    equal(deepQueryAll(element, '[part="tabpanel"]:not([hidden])').length, 1, 'one panel shown');
    const shownPanel = deepQuery(element, '[part="tabpanel"]:not([hidden])')!;
    equal(shownPanel.getAttribute('aria-labelledby'), first.id, 'the shown panel is the selected tab’s');

    // The keyboard: arrows move and select (wrapping), Home and End jump; focus is visible.
    first.focus();
    await press('ArrowRight');
    await waitFor(() => selected(element) === tabs(element)[1], 'the second tab selected');
    equal(deepActive(), tabs(element)[1], 'focus moved with it');
    ok(getComputedStyle(tabs(element)[1]!).boxShadow !== 'none', 'the focused tab shows its focus');
    await press('End');
    await waitFor(() => selected(element) === tabs(element).at(-1), 'End selects the last tab');
    await press('ArrowRight');
    await waitFor(() => selected(element) === tabs(element)[0], 'ArrowRight wraps to the first');
    await press('ArrowLeft');
    await waitFor(() => selected(element) === tabs(element).at(-1), 'ArrowLeft wraps to the last');
    await press('Home');
    await waitFor(() => selected(element) === tabs(element)[0], 'Home selects the first');
    ok(!deepQueryAll(element, '[part~="tab-marked"]').includes(tabs(element).at(-1)!), 'a tab looked at is no longer marked');

    // The "new" chip (asked for by the person) opens the tab of the first new deliverable.
    tabs(element).at(-1)!.click();
    await waitFor(() => selected(element) === tabs(element).at(-1), 'the last tab shown');
    deepQuery<HTMLButtonElement>(element, '[part="new-chip"]')!.click();
    const firstKind = element.state!.deliverables[element.state!.deliverableOrder[0]!]!.kind;
    await waitFor(() => selected(element)?.dataset.kind === firstKind, 'the chip opened the first new deliverable’s tab');

    // On a phone the strip scrolls sideways, and fades at the side that has more.
    await setViewport(375, 800);
    await frames();
    window.scrollTo(0, 0);
    tabs(element)[0]!.click();
    const strip = deepQuery(element, '[part="tabs"]')!;
    await waitFor(() => strip.scrollWidth > strip.clientWidth, 'the strip wider than a phone');
    await waitFor(() => strip.parentElement!.hasAttribute('data-more-end'), 'the strip says more tabs follow');
    await waitFor(() => !strip.parentElement!.hasAttribute('data-more-start'), 'nothing hidden before the first tab, once it is shown');
    ok(strip.getBoundingClientRect().right <= 375 + 1, 'the strip fits the phone');
    const wide = deepQueryAll(element, '*').filter((node) => node.getBoundingClientRect().right > 376 && node.getBoundingClientRect().width > 0).map((node) => `${node.tagName}.${node.getAttribute('part') ?? node.className}:${Math.round(node.getBoundingClientRect().right)}`);
    equal(document.documentElement.scrollWidth <= 375 + 1, true, `the page does not scroll sideways (${document.documentElement.scrollWidth}: ${wide.slice(0, 12).join(' ')})`);

    for (const width of [1280, 375]) {
      for (const theme of ['light', 'dark']) {
        element.setAttribute('theme', theme);
        await setViewport(width, 900);
        await frames();
        const section = deepQuery(element, '[part="deliverables"]')!;
        section.scrollIntoView({ block: 'start' });
        await frames();
        const box = section.getBoundingClientRect();
        await screenshot(`test-output/package-tabs/package-${width}-${theme}.png`, {
          x: Math.max(0, box.left + window.scrollX),
          y: Math.max(0, box.top + window.scrollY),
          width: Math.min(box.width, width),
          height: Math.min(box.height, 1400),
        });
      }
    }
    // The strip scrolled to its end fades at its start instead.
    strip.scrollLeft = strip.scrollWidth;
    await waitFor(() => strip.parentElement!.hasAttribute('data-more-start') || strip.scrollWidth <= strip.clientWidth, 'the start fades once scrolled');
  });
});

function deepEqualKinds(actual: string[], expected: string[]): void {
  equal(actual.join(','), expected.join(','), 'one tab per kind, in the order they arrived');
}
