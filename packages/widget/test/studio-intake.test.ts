import type { MarketingTeamStudioElement } from '../src/studio.js';
import { equal, ok, waitFor } from './_assert.js';
import { afterEach, describe, it } from './_mocha.js';
import { frames, screenshot, setViewport } from './_page.js';
import { mountStudio, q } from './_studio.js';

const LONG = 60_000;

const BRAND_BOOK = `# Notely Brand Book

## Voice
Calm, exact, never breathless. We speak to product managers as peers and say "you", never "users".

## Audience
Product managers at software companies who sit in too many meetings.

## Products
- Notely Recap: meeting notes that write themselves
- Notely Tasks: action items pulled from every call

## Words we never use
- revolutionary
- synergy
`;


/** Chooses files in the file input the way the browser's picker does. */
async function choose(studio: MarketingTeamStudioElement, files: File[]): Promise<void> {
  const input = q<HTMLInputElement>(studio, '#intake-files');
  const transfer = new DataTransfer();
  for (const file of files) transfer.items.add(file);
  input.files = transfer.files;
  input.dispatchEvent(new Event('change', { bubbles: true }));
  await studio.updateComplete;
}

async function shoot(studio: MarketingTeamStudioElement, name: string): Promise<void> {
  await frames();
  const box = q(studio, '[part="intake"]').getBoundingClientRect();
  await screenshot(`test-output/studio/${name}.png`, { x: Math.max(0, box.x), y: box.y + window.scrollY, width: Math.min(box.width, window.innerWidth), height: Math.min(box.height, 2400) });
}

afterEach(async () => {
  for (const studio of document.querySelectorAll('marketing-team-studio')) studio.remove();
  await setViewport(1280, 900);
});

describe('<marketing-team-studio> brand intake against a real server', () => {
  it('drafts the brand kit from uploaded and pasted documents, applies only the ticked fields, and is gone once saved', async () => {
    const workspace = `intake-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const studio = await mountStudio(workspace);
    const palette = [...studio.document.brand!.palette];
    await choose(studio, [
      new File([BRAND_BOOK], 'brand-book.md', { type: 'text/markdown' }),
      // PDF and DOCX are read by the same route; the server's tests upload real ones.
      new File(['Colours\nPrimary #0F766E and accent #F59E0B\n'], 'colours.txt', { type: 'text/plain' }),
    ]);
    const paste = q<HTMLTextAreaElement>(studio, '#intake-paste');
    paste.value = '## Disclaimers\nFree for teams of up to 5.';
    paste.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
    await studio.updateComplete;
    q<HTMLButtonElement>(studio, '[data-action="intake"]').click();

    const review = await waitFor(() => studio.shadowRoot!.querySelector('[part="intake-review"]'), 'the drafted brand kit', LONG);
    ok(review.textContent?.includes('brand-book.md, colours.txt, Pasted text'), `names its sources: ${review.textContent}`);
    const fields = [...review.querySelectorAll<HTMLInputElement>('[data-intake-field]')].map((box) => box.dataset.intakeField);
    for (const field of ['name', 'voiceGuide', 'audience', 'products', 'bannedTerms', 'requiredDisclaimers', 'palette']) ok(fields.includes(field), `drafted ${field}: ${fields.join()}`);

    await setViewport(1280, 900);
    await shoot(studio, 'intake-review-1280-light');
    await setViewport(375, 800);
    await shoot(studio, 'intake-review-375-light');
    studio.theme = 'dark';
    await studio.updateComplete;
    await shoot(studio, 'intake-review-375-dark');
    await setViewport(1280, 900);
    await shoot(studio, 'intake-review-1280-dark');
    studio.theme = 'light';

    // The editor keeps their own colours: untick them, apply the rest.
    q<HTMLInputElement>(studio, '[data-intake-field="palette"]').click();
    await studio.updateComplete;
    q<HTMLButtonElement>(studio, '[data-action="apply-intake"]').click();
    await studio.updateComplete;
    const brand = studio.document.brand!;
    equal(brand.name, 'Notely');
    ok(brand.voiceGuide.startsWith('Calm, exact'), `voice guide from the brand book: ${brand.voiceGuide}`);
    equal(brand.products.map((product) => product.name).join(), 'Notely Recap,Notely Tasks');
    equal(brand.bannedTerms.join(), 'revolutionary,synergy');
    equal(brand.requiredDisclaimers.join(), 'Free for teams of up to 5.');
    equal(brand.palette.join(), palette.join(), 'the unticked colours were left alone');
    equal((q<HTMLInputElement>(studio, '#f-brand-name')).value, 'Notely', 'the form shows the applied fields');
    // What the documents did not cover is still the sample's: named, not passed off as theirs.
    const left = q(studio, '[part="sample-notice"][data-sample-left]');
    ok(left.dataset.sampleLeft!.split(' ').includes('styleGuide') && left.dataset.sampleLeft!.split(' ').includes('strategy'), `sample fields named: ${left.dataset.sampleLeft}`);
    ok(left.textContent?.includes('Style rules'), `in the form's words: ${left.textContent}`);
    ok(!left.dataset.sampleLeft!.split(' ').includes('voiceGuide'), 'drafted fields are theirs');
    equal(studio.shadowRoot!.querySelector('[part="intake-review"]'), null, 'the review closes once applied');

    // Nothing is saved until the editor saves; then a reload does not offer the old draft again.
    equal(studio.savedVersion, undefined);
    q<HTMLButtonElement>(studio, '[part="save"]').click();
    await waitFor(() => studio.savedVersion === 1, 'version 1');
    studio.remove();
    const again = await mountStudio(workspace);
    await waitFor(() => again.savedVersion === 1, 'the saved brand loaded');
    again.step = 'brand';
    await waitFor(() => again.shadowRoot!.querySelector('[part="intake"]'), 'the brand step');
    await frames();
    equal(again.document.brand?.name, 'Notely');
    equal(again.shadowRoot!.querySelector('[part="intake-review"]'), null, 'the applied draft is not offered again');
  });

  it('names an unreadable document and keeps the form as it was', async () => {
    const studio = await mountStudio(`intake-bad-${Date.now().toString(36)}`);
    const before = JSON.stringify(studio.document);
    await choose(studio, [new File(['%PDF-1.4 not really a pdf'], 'broken.pdf', { type: 'application/pdf' })]);
    q<HTMLButtonElement>(studio, '[data-action="intake"]').click();
    const alert = await waitFor(() => studio.shadowRoot!.querySelector('[part="intake"] [role="alert"]'), 'the error', 20_000);
    ok(alert.textContent?.includes('broken.pdf'), `names the file: ${alert.textContent}`);
    equal(JSON.stringify(studio.document), before, 'nothing changed');
  });

  it('settles a draft for every editor: one discards it, the other stops offering it, and a reload does not bring it back', async () => {
    const workspace = `intake-two-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const first = await mountStudio(workspace, { userId: 'ada' });
    const second = await mountStudio(workspace, { userId: 'bo' });
    await choose(first, [new File([BRAND_BOOK], 'brand-book.md', { type: 'text/markdown' })]);
    q<HTMLButtonElement>(first, '[data-action="intake"]').click();
    await waitFor(() => first.shadowRoot!.querySelector('[part="intake-review"]'), 'the draft on the first studio', LONG);
    await waitFor(() => second.shadowRoot!.querySelector('[part="intake-review"]'), 'the draft on the second studio', LONG);
    q<HTMLButtonElement>(second, '[data-action="discard-intake"]').click();
    await waitFor(() => !first.shadowRoot!.querySelector('[part="intake-review"]'), 'the first studio to stop offering it', 20_000);
    first.remove();
    const again = await mountStudio(workspace);
    await frames();
    await new Promise((resolve) => setTimeout(resolve, 500));
    equal(again.shadowRoot!.querySelector('[part="intake-review"]'), null, 'not offered after a reload');
  });
});
