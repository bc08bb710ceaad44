// A/B variants of a social post deliverable, as two marketers on two pages see them: variants
// asked for on page A are written by a durable run and appear on page B; the variant B chooses
// becomes the current version on both pages, after a reload, and in the run's zip.
import type { MarketingTeamElement } from '../src/index.js';
import '../src/index.js';
import { deepQuery, deepQueryAll, deepText, equal, ok, waitFor } from './_assert.js';
import { afterEach, describe, it } from './_mocha.js';
import { mountElement, setViewport, uniqueSession, themedShots } from './_page.js';
import { readZip } from './_zip.js';

const LONG = 60_000;

afterEach(async () => {
  for (const element of Array.from(document.body.querySelectorAll('marketing-team'))) element.remove();
  await setViewport(800, 600);
});

const live = (element: MarketingTeamElement) => waitFor(() => deepQuery(element, 'mt-connection-status >>> [data-status="live"]'), 'live', LONG);
const runOf = (element: MarketingTeamElement, index: number) => {
  const id = element.state?.runOrder[index];
  return id ? element.state?.runs[id] : undefined;
};
const postsCard = (element: MarketingTeamElement) =>
  waitFor(() => deepQueryAll(element, 'mt-deliverable-card').find((card) => card.shadowRoot?.querySelector('[data-kind="social-posts"]')), 'the social posts card', LONG);

/** Shows the social posts' tab, as a person clicking it. */
async function openPostsTab(element: MarketingTeamElement): Promise<HTMLElement> {
  (await waitFor(() => deepQuery<HTMLButtonElement>(element, '[part~="tab"][data-kind="social-posts"]'), 'the social posts tab', LONG)).click();
  const card = await postsCard(element);
  await waitFor(() => card.getBoundingClientRect().height > 0, 'the social posts shown');
  return card;
}

describe('A/B variants on the card', () => {
  it('variants asked for on page A appear on page B; the one chosen there is the current version everywhere, after a reload and in the zip', async () => {
    const session = uniqueSession('widget-variants');
    const pageA = await mountElement(session);
    const pageB = await mountElement(session);
    await Promise.all([live(pageA), live(pageB)]);
    await pageA.submitBrief({ goal: 'Launch our reusable bottle to commuters', channels: ['x', 'linkedin'], deliverables: ['research-brief', 'social-posts'] });
    await waitFor(() => runOf(pageA, 0)?.status === 'completed' && runOf(pageB, 0)?.status === 'completed', 'the run to complete on both pages', LONG);
    const campaign = runOf(pageA, 0)!;

    // Page A asks for 3 variants, with an instruction.
    const onA = await openPostsTab(pageA);
    const postsId = onA.dataset.id!;
    const original = pageA.state!.deliverables[postsId]!;
    const research = deepQueryAll(pageA, 'mt-deliverable-card').find((card) => card.shadowRoot?.querySelector('[data-kind="research-brief"]'))!;
    ok(deepQuery(research, '[part="regenerate"]') && !deepQuery(research, '[part="variants-open"]'), 'no Variants on a research brief');
    deepQuery<HTMLButtonElement>(onA, '[part="variants-open"]')!.click();
    const form = await waitFor(() => deepQuery<HTMLFormElement>(onA, '[part="variants-form"]'), 'the variants form');
    deepQuery<HTMLInputElement>(form, 'input[name="count"][value="3"]')!.click();
    deepQuery<HTMLTextAreaElement>(form, 'textarea[name="instruction"]')!.value = 'Mention the free trial';
    await themedShots([pageA], () => onA, 'variants', 'asking');
    deepQuery<HTMLButtonElement>(form, '[part="variants-submit"]')!.click();

    // Page B sees them come: the variants run is not a package of its own, its variants sit on the card.
    const onB = await openPostsTab(pageB);
    await waitFor(() => deepQueryAll(onB, '[part~="variant-tab"]').length === 3 && !deepQuery(onB, '[data-writing]'), 'three variants on page B', LONG);
    const variantsRun = runOf(pageB, 1)!;
    equal(variantsRun.variantsOf?.deliverableId, postsId, 'the run wrote variants of the posts');
    equal(variantsRun.brief?.goal, campaign.brief?.goal, 'of the same brief');
    equal(deepQueryAll(pageB, '[part="package"]').length, 1, 'no package for the variants run');
    const letters = deepQueryAll(onB, '[part~="variant-tab"]').map((tab) => tab.dataset.letter).join('');
    equal(letters, 'ABC', 'lettered A, B, C');
    const variantIds = pageB.state!.deliverableOrder.filter((id) => pageB.state!.deliverables[id]!.runId === variantsRun.id);
    const texts = new Set([original, ...variantIds.map((id) => pageB.state!.deliverables[id]!)].map((deliverable) => (deliverable.kind === 'social-posts' ? deliverable.data.posts[0]!.text : '')));
    equal(texts.size, 4, 'each variant opens differently from the others and from the current version');
    await themedShots([pageB], () => onB, 'variants', 'variants');

    // Page B switches to variant B (by keyboard too) and uses it.
    deepQuery<HTMLButtonElement>(onB, '[part~="variant-tab"][data-letter="A"]')!.click();
    const shown = () => deepQuery(onB, '[part="variant-panel"]')?.dataset.variant;
    await waitFor(() => pageB.state!.deliverables[shown()!]?.title.endsWith('variant A'), 'variant A shown');
    deepQuery<HTMLButtonElement>(onB, '[part~="variant-tab"][data-letter="A"]')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true, composed: true }));
    await waitFor(() => pageB.state!.deliverables[shown()!]?.title.endsWith('variant B'), 'ArrowRight shows variant B');
    const chosen = pageB.state!.deliverables[variantIds.find((id) => id === deepQuery(onB, '[part="variant-panel"]')?.dataset.variant)!]!;
    ok(/variant B$/.test(chosen.title), `variant B is the one written as B (${chosen.title})`);
    deepQuery<HTMLButtonElement>(onB, '[part="variant-use"]')!.click();

    // Both pages converge on the chosen text, and say who chose which variant.
    for (const page of [pageA, pageB]) {
      await waitFor(() => page.state!.deliverables[postsId]!.markdown === chosen.markdown, 'the chosen variant is the current version', LONG);
      const card = await postsCard(page);
      await waitFor(() => deepQuery(card, '[part="edited"]')?.textContent?.includes('Variant B chosen by Tester · version 2'), 'who chose which variant');
      await waitFor(() => deepQuery(card, '[part~="variant-in-use"]')?.dataset.letter === 'B', 'variant B marked in use');
      const firstPost = chosen.kind === 'social-posts' ? chosen.data.posts[0]!.text : '';
      ok(deepText(card.shadowRoot!.querySelector('article')!).includes(firstPost.slice(0, 40)), 'the card shows the chosen text');
    }
    equal(pageA.state!.deliverableVersions[postsId]!.history.at(-1)!.variantId, chosen.id, 'the log names the variant');
    const shot = await postsCard(pageA);
    await themedShots([pageA], () => shot, 'variants', 'chosen');

    // A reload shows the same.
    pageA.remove();
    const reloaded = await mountElement(session);
    const again = await openPostsTab(reloaded);
    await waitFor(() => deepQuery(again, '[part~="variant-in-use"]')?.dataset.letter === 'B' && deepQuery(again, '[part="edited"]')?.textContent?.includes('Variant B'), 'the reload shows variant B in use', LONG);

    // The run's zip holds the chosen text.
    const endpoint = reloaded.endpoint!;
    const response = await fetch(`${endpoint}/sessions/${encodeURIComponent(session)}/runs/${encodeURIComponent(campaign.id)}/export.zip`, {
      headers: { authorization: `Bearer ${reloaded.token}` },
    });
    equal(response.status, 200, 'the export answers');
    const zip = await readZip(await response.arrayBuffer());
    const posts = [...zip.entries()].find(([name]) => /social-posts/.test(name));
    ok(posts, `the posts in the zip (${[...zip.keys()].join(', ')})`);
    const firstPost = chosen.kind === 'social-posts' ? chosen.data.posts[0]!.text : '';
    ok(new TextDecoder().decode(posts[1]).includes(firstPost.split('\n')[0]!), 'the zip holds the chosen variant');
    ok(new TextDecoder().decode(zip.get('README.md')).includes('variant B chosen by Tester (version 2)'), 'the README says which variant was chosen, by whom');
  });
});
