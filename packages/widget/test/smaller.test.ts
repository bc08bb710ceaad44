// The smaller things a marketer notices: no LinkedIn ads when LinkedIn is unticked, no keyboard
// hint on a phone, a table that says it scrolls on a phone, and character counts only where the
// limit matters.
import '../src/index.js';
import { deepQuery, deepQueryAll, equal, ok, waitFor } from './_assert.js';
import { afterEach, after, describe, it } from './_mocha.js';
import { frames, mountElement, setViewport, showKind, uniqueSession } from './_page.js';

const LONG = 60_000;

afterEach(() => {
  for (const element of Array.from(document.body.querySelectorAll('marketing-team'))) element.remove();
});
after(async () => {
  await setViewport(800, 600);
});

describe('smaller things', () => {
  it('writes no LinkedIn ads without LinkedIn, shows counts only near limits, and fits phones', async () => {
    const session = uniqueSession('widget-small');
    const element = await mountElement(session);
    await waitFor(() => deepQuery(element, 'mt-connection-status >>> [data-status="live"]'), 'live', LONG);
    await setViewport(1280, 800);
    await frames();
    const hint = await waitFor(() => deepQuery(element, 'mt-brief-form >>> .hint.keys'), 'the keyboard hint');
    ok(hint.getBoundingClientRect().height > 0, 'keyboard hint shown on a wide screen');
    await setViewport(375, 800);
    await frames();
    equal(getComputedStyle(hint).display, 'none', 'no keyboard hint on a phone');
    await element.submitBrief({ goal: 'Launch our reusable bottle to commuters', channels: ['x', 'instagram'] });
    await waitFor(() => {
      const id = element.state?.runOrder[0];
      return id && element.state?.runs[id]?.status === 'completed';
    }, 'the run to complete', LONG);
    const state = element.state!;
    const ads = Object.values(state.deliverables).find((deliverable) => deliverable.kind === 'ad-copy');
    ok(ads && ads.kind === 'ad-copy', 'ad copy written');
    equal(ads.data.variants.filter((variant) => /linkedin/i.test(variant.platform)).length, 0, 'no LinkedIn variants');
    await waitFor(() => deepQueryAll(element, 'mt-deliverable-card').length === state.deliverableOrder.length, 'every card');
    const channels = deepQueryAll(element, '[part="variant"] .channel').map((channel) => channel.textContent?.toLowerCase() ?? '');
    ok(channels.length > 0 && !channels.some((channel) => channel.includes('linkedin')), `ad platforms shown (${channels.join(', ')})`);
    // Seen by a marketer: platforms showed as their ids ("x", "Linkedin"); they read as people write them.
    const shown = deepQueryAll(element, '[part="variant"] .channel').map((channel) => channel.textContent?.trim() ?? '');
    ok(shown.includes('X') && shown.includes('Google Ads') && !shown.includes('x') && !shown.includes('google'), `platform names (${shown.join(', ')})`);
    // Counts appear only for posts at 80 % of their limit or more.
    const posts = Object.values(state.deliverables).find((deliverable) => deliverable.kind === 'social-posts');
    ok(posts && posts.kind === 'social-posts');
    const near = posts.data.posts.filter((post) => Array.from(post.text).length >= post.characterLimit * 0.8).length;
    equal(deepQueryAll(element, '[part="post"] .count').length, near, 'counts only where the limit bites');
    // The measurement table says it scrolls on a phone, and only there.
    const scrollHint = await waitFor(() => deepQuery(element, '[data-kind="measurement-plan"] .scroll-hint'), 'the scroll hint');
    await showKind(element, 'measurement-plan');
    ok(getComputedStyle(scrollHint).display !== 'none', 'scroll hint on a phone');
    const wrap = deepQuery(element, '[data-kind="measurement-plan"] .table-wrap')!;
    ok(wrap.scrollWidth > wrap.clientWidth, 'the table does scroll on a phone');
    ok(document.documentElement.scrollWidth <= 375, `no page overflow at 375 (${document.documentElement.scrollWidth})`);
    await setViewport(1280, 800);
    await frames();
    equal(getComputedStyle(scrollHint).display, 'none', 'no scroll hint on a wide screen');
  });
});
