// The package as a marketer works on it, on the card itself: an inline edit is an event in the
// log that every page shows (and a reload too), an edit made on a stale version is refused with
// words, review gates are chosen in the brief form and decided on the card (with the comment kept
// in the log), and every deliverable and the whole run can be downloaded.
import type { MarketingTeamElement } from '../src/index.js';
import '../src/index.js';
import { deepQuery, deepQueryAll, deepText, equal, ok, waitFor } from './_assert.js';
import { afterEach, describe, it } from './_mocha.js';
import { frames, mountElement, setViewport, uniqueSession, themedShots } from './_page.js';
import { readZip } from './_zip.js';

const LONG = 60_000;

afterEach(async () => {
  for (const element of Array.from(document.body.querySelectorAll('marketing-team'))) element.remove();
  await setViewport(800, 600);
});

const live = (element: MarketingTeamElement) => waitFor(() => deepQuery(element, 'mt-connection-status >>> [data-status="live"]'), 'live', LONG);
const lastRun = (element: MarketingTeamElement) => {
  const state = element.state;
  const id = state?.runOrder[state.runOrder.length - 1];
  return id ? state?.runs[id] : undefined;
};
const cardOf = (element: MarketingTeamElement, kind: string) =>
  waitFor(() => deepQueryAll(element, 'mt-deliverable-card').find((card) => card.shadowRoot?.querySelector(`[data-kind="${kind}"]`)), `the ${kind} card`, LONG);

/** Types into a field as a person would, so the form reads what was typed. */
function fill(field: HTMLInputElement | HTMLTextAreaElement, value: string): void {
  field.value = value;
  field.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
}

describe('editing, reviewing and downloading on the card', () => {
  it('edits a deliverable inline: the other page and a reload show the edited version, and a stale edit is refused in words', async () => {
    const session = uniqueSession('widget-edit');
    const pageA = await mountElement(session);
    const pageB = await mountElement(session);
    await Promise.all([live(pageA), live(pageB)]);
    await pageA.submitBrief({ goal: 'Launch our reusable bottle to commuters', channels: ['x'], deliverables: ['research-brief', 'social-posts'] });
    await waitFor(() => lastRun(pageA)?.status === 'completed' && lastRun(pageB)?.status === 'completed', 'the run to complete on both pages', LONG);

    // Page A edits the research brief's text.
    const research = await cardOf(pageA, 'research-brief');
    const id = research.dataset.id!;
    deepQuery<HTMLButtonElement>(research, '[part="edit"]')!.click();
    const text = await waitFor(() => deepQuery<HTMLTextAreaElement>(research, '[part="editor"] textarea[data-field="markdown"]'), 'the editor');
    equal(text.value, pageA.state!.deliverables[id]!.markdown, 'the editor starts from the current text');
    fill(text, '## Who we speak to\n\nCommuters who cycle to work and EDITED-ON-PAGE-A refill at the office.');
    await themedShots([pageA, pageB], () => deepQueryAll(pageA, 'mt-deliverable-card').find((card) => card.dataset.id === id), 'edit-review', 'card-editing');
    deepQuery<HTMLButtonElement>(research, '[part="editor-save"]')!.click();
    await waitFor(() => !deepQuery(research, '[part="editor"]'), 'the editor closed once stored');

    const cardOnB = await waitFor(() => deepQueryAll(pageB, 'mt-deliverable-card').find((card) => card.dataset.id === id), 'the card on page B');
    await waitFor(() => deepText(cardOnB).includes('EDITED-ON-PAGE-A'), 'page B shows the edited text', LONG);
    await waitFor(() => deepQuery(cardOnB, '[part="edited"]')?.textContent?.includes('Edited by Tester · version 2'), 'page B says who edited it');
    await themedShots([pageA, pageB], () => cardOnB, 'edit-review', 'card-edited');
    equal(pageB.state!.deliverableVersions[id]!.version, 2, 'version 2 on page B');
    const stored = pageB.state!.deliverableVersions[id]!.history[1]!;
    equal(stored.by.kind, 'human', 'the edit is by a person');

    // Page B edits a social post (a structured kind): page A shows it, counted afresh.
    const postsOnB = await cardOf(pageB, 'social-posts');
    const postsId = postsOnB.dataset.id!;
    deepQuery<HTMLButtonElement>(postsOnB, '[part="edit"]')!.click();
    const post = await waitFor(() => deepQuery<HTMLTextAreaElement>(postsOnB, '[part="editor"] textarea[data-field="text"]'), 'a post field');
    fill(post, 'Refill, ride, repeat: EDITED-ON-PAGE-B.');
    deepQuery<HTMLButtonElement>(postsOnB, '[part="editor-save"]')!.click();
    const postsOnA = await cardOf(pageA, 'social-posts');
    await waitFor(() => deepText(postsOnA).includes('EDITED-ON-PAGE-B'), 'page A shows the edited post', LONG);
    equal(pageA.state!.deliverables[postsId]!.kind === 'social-posts' && pageA.state!.deliverables[postsId]!.data.posts[0]!.characterCount, 'Refill, ride, repeat: EDITED-ON-PAGE-B.'.length, 'the count follows the text');

    // Both pages open the research brief; B saves first, so A's edit (made on version 2) is refused.
    const cardOnA = (await waitFor(() => deepQueryAll(pageA, 'mt-deliverable-card').find((card) => card.dataset.id === id), 'the card on A'))!;
    deepQuery<HTMLButtonElement>(cardOnA, '[part="edit"]')!.click();
    deepQuery<HTMLButtonElement>(cardOnB, '[part="edit"]')!.click();
    fill(await waitFor(() => deepQuery<HTMLTextAreaElement>(cardOnB, 'textarea[data-field="markdown"]'), 'B editor'), 'B WINS the race.');
    deepQuery<HTMLButtonElement>(cardOnB, '[part="editor-save"]')!.click();
    await waitFor(() => pageA.state!.deliverableVersions[id]!.version === 3, 'version 3 reaches page A', LONG);
    fill(await waitFor(() => deepQuery<HTMLTextAreaElement>(cardOnA, 'textarea[data-field="markdown"]'), 'A editor'), 'A came second.');
    deepQuery<HTMLButtonElement>(cardOnA, '[part="editor-save"]')!.click();
    const refusal = await waitFor(() => deepQuery(cardOnA, '[part="editor"] [role="alert"]'), 'the refusal on page A', LONG);
    ok(refusal.textContent!.includes('Someone changed this while you were editing'), `the refusal in words (${refusal.textContent})`);
    equal(deepQuery<HTMLTextAreaElement>(cardOnA, 'textarea[data-field="markdown"]')!.value, 'A came second.', 'the person’s text is kept');
    deepQuery<HTMLButtonElement>(cardOnA, '[part="editor-cancel"]')!.click();
    await waitFor(() => deepText(cardOnA).includes('B WINS the race.'), 'page A shows the stored version after cancel');

    // A reload (a new page on the session) shows the edited versions.
    pageA.remove();
    const reloaded = await mountElement(session);
    const again = await waitFor(() => deepQueryAll(reloaded, 'mt-deliverable-card').find((card) => card.dataset.id === id), 'the card after reload', LONG);
    await waitFor(() => deepText(again).includes('B WINS the race.') && deepQuery(again, '[part="edited"]')?.textContent?.includes('version 3'), 'the reload shows version 3', LONG);
    await waitFor(() => deepText((deepQueryAll(reloaded, 'mt-deliverable-card').find((card) => card.dataset.id === postsId))!).includes('EDITED-ON-PAGE-B'), 'and the edited post');
  });

  it('chooses review gates in the brief form; approve and request changes on the card release and reopen the task on both pages', async () => {
    const session = uniqueSession('widget-review');
    const pageA = await mountElement(session);
    const pageB = await mountElement(session);
    await Promise.all([live(pageA), live(pageB)]);
    // The brief, through the form: research and strategy, with the research waiting for approval.
    const form = await waitFor(() => deepQuery(pageA, 'mt-brief-form'), 'the brief form');
    fill(await waitFor(() => deepQuery<HTMLTextAreaElement>(form, 'textarea[name="goal"]'), 'the goal field'), 'Grow sign-ups for our budgeting app among students');
    for (const box of deepQueryAll<HTMLInputElement>(form, 'input[name="channels"]')) box.checked = box.value === 'instagram';
    for (const box of deepQueryAll<HTMLInputElement>(form, 'input[name="deliverables"]')) box.checked = ['research-brief', 'campaign-strategy'].includes(box.value);
    const gate = await waitFor(() => deepQuery<HTMLInputElement>(form, 'input[name="reviewGates"][value="research-brief"]'), 'the review gate choice');
    gate.click();
    deepQuery<HTMLButtonElement>(form, '[part="submit"]')!.click();
    const run = await waitFor(() => lastRun(pageB), 'the run on page B', LONG);
    equal(JSON.stringify(run.brief?.reviewGates), '["research-brief"]', 'the brief carries the gate');
    const researchTask = () => Object.values(lastRun(pageB)?.tasks ?? {}).find((task) => task.skill.includes('research') && task.dependsOn.length === 0 && task.review);
    await waitFor(() => researchTask()?.status === 'review', 'the research waits for review on page B', LONG);
    const strategyTask = () => Object.values(lastRun(pageB)!.tasks).find((task) => task.title.toLowerCase().includes('strateg'))!;
    equal(strategyTask().status, 'todo', 'the strategy waits behind the gate');

    const card = await cardOf(pageA, 'research-brief');
    const id = card.dataset.id!;
    await waitFor(() => deepQuery(card, '[part="review"]'), 'the approval box on the card');
    await themedShots([pageA, pageB], () => deepQueryAll(pageA, 'mt-deliverable-card').find((found) => found.dataset.id === id), 'edit-review', 'card-review');

    // Request changes without a comment does nothing; with one it reopens the task everywhere.
    deepQuery<HTMLButtonElement>(card, '[part="review-request-changes"]')!.click();
    await frames();
    equal(researchTask()?.status, 'review', 'no comment, no request');
    fill(deepQuery<HTMLTextAreaElement>(card, '[part="review"] textarea')!, 'Focus on students who share flats');
    deepQuery<HTMLButtonElement>(card, '[part="review-request-changes"]')!.click();
    const cardOnB = await waitFor(() => deepQueryAll(pageB, 'mt-deliverable-card').find((found) => found.dataset.id === id), 'the card on page B');
    await waitFor(() => deepQuery(cardOnB, '[part="comments"]')?.textContent?.includes('Focus on students who share flats'), 'page B shows the comment on the card', LONG);
    await waitFor(() => pageB.state!.deliverableVersions[id]!.version >= 2, 'the research rewritten', LONG);
    await waitFor(() => researchTask()?.status === 'review' && deepQuery(card, '[part="review"]'), 'the new version waits for review', LONG);

    fill(deepQuery<HTMLTextAreaElement>(card, '[part="review"] textarea')!, 'Good to go');
    deepQuery<HTMLButtonElement>(card, '[part="review-approve"]')!.click();
    await waitFor(() => researchTask()?.status === 'done', 'approved on page B', LONG);
    await waitFor(() => !deepQuery(cardOnB, '[part="review"]'), 'no approval box on page B once approved');
    await waitFor(() => lastRun(pageB)?.status === 'completed', 'the strategy ran after the approval', LONG);
    ok(deepQuery(cardOnB, '[part="comments"]')!.textContent!.includes('Good to go'), 'the approval comment on page B');

    pageA.remove();
    const reloaded = await mountElement(session);
    const again = await waitFor(() => deepQueryAll(reloaded, 'mt-deliverable-card').find((found) => found.dataset.id === id), 'the card after reload', LONG);
    await waitFor(() => {
      const comments = deepQuery(again, '[part="comments"]')?.textContent ?? '';
      return comments.includes('Focus on students who share flats') && comments.includes('Good to go');
    }, 'the comments after reload', LONG);
  });

  it('downloads each deliverable (Markdown, inert HTML, SVG) and the run as a zip, without touching the host page', async () => {
    const session = uniqueSession('widget-download');
    const element = await mountElement(session);
    await live(element);
    await element.submitBrief({ goal: 'Launch our reusable bottle to commuters', channels: ['x'], deliverables: ['research-brief', 'landing-page', 'creative-concepts'] });
    await waitFor(() => lastRun(element)?.status === 'completed', 'the run to complete', LONG);
    // An edit first: the package must hold the edited version.
    const research = await cardOf(element, 'research-brief');
    deepQuery<HTMLButtonElement>(research, '[part="edit"]')!.click();
    fill(await waitFor(() => deepQuery<HTMLTextAreaElement>(research, 'textarea[data-field="markdown"]'), 'the editor'), 'Commuters EDITED-FOR-THE-ZIP.');
    deepQuery<HTMLButtonElement>(research, '[part="editor-save"]')!.click();
    await waitFor(() => element.state!.deliverableVersions[research.dataset.id!]?.version === 2, 'the edit stored', LONG);

    // Record what would be saved, instead of saving it; and anything added to the host page.
    const saved: { name: string; blob: Blob; inShadow: boolean }[] = [];
    const blobs = new Map<string, Blob>();
    const createObjectURL = URL.createObjectURL;
    const click = HTMLAnchorElement.prototype.click;
    URL.createObjectURL = (blob: Blob | MediaSource) => {
      const url = createObjectURL.call(URL, blob);
      blobs.set(url, blob as Blob);
      return url;
    };
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
      if (!this.download) return click.call(this);
      saved.push({ name: this.download, blob: blobs.get(this.href)!, inShadow: this.getRootNode() instanceof ShadowRoot });
    };
    const added: Node[] = [];
    const observer = new MutationObserver((records) => records.forEach((record) => added.push(...record.addedNodes)));
    observer.observe(document.documentElement, { childList: true, subtree: true });
    try {
      deepQuery<HTMLButtonElement>(research, '[part="download"][data-download="deliverable"]')!.click();
      await waitFor(() => saved.length === 1, 'the research brief saved');
      ok(saved[0]!.name.endsWith('.md'), `Markdown (${saved[0]!.name})`);
      ok((await saved[0]!.blob.text()).includes('EDITED-FOR-THE-ZIP'), 'the edited version');

      const landing = await cardOf(element, 'landing-page');
      (await waitFor(() => deepQuery<HTMLButtonElement>(landing, '[part="download"][data-download="deliverable"]'), 'the landing download')).click();
      await waitFor(() => saved.length === 2, 'the landing page saved');
      ok(saved[1]!.name.endsWith('.html'), `HTML (${saved[1]!.name})`);
      const page = await saved[1]!.blob.text();
      ok(page.startsWith('<!doctype html><meta http-equiv="Content-Security-Policy"'), 'the inert page, its policy first');
      ok(!/<script/i.test(page), 'no script');

      const creative = await cardOf(element, 'creative-concepts');
      deepQuery<HTMLButtonElement>(creative, '[part="download"][data-download="banner"]')!.click();
      await waitFor(() => saved.length === 3, 'the banner saved');
      ok(saved[2]!.name.endsWith('.svg'), `SVG (${saved[2]!.name})`);
      const svg = await saved[2]!.blob.text();
      ok(/<svg[\s>]/.test(svg) && !/<script|on\w+=|href="http/i.test(svg), 'a drawable, inert SVG');

      (await waitFor(() => deepQuery<HTMLButtonElement>(element, '[part="package-download"]'), 'the package download')).click();
      await waitFor(() => saved.length === 4, 'the package saved', LONG);
      equal(saved[3]!.name, `campaign-${lastRun(element)!.id}.zip`, 'the zip named after the run');
      const zip = await readZip(await saved[3]!.blob.arrayBuffer());
      const names = [...zip.keys()].sort();
      for (const name of ['README.md', 'research-brief.md', 'research-brief.json', 'landing-page.html', 'landing-page.md', 'creative-concepts.md', 'banner.svg', 'banner.png', 'run.json']) {
        ok(names.includes(name), `${name} in the zip (${names.join(', ')})`);
      }
      ok(new TextDecoder().decode(zip.get('research-brief.md')).includes('EDITED-FOR-THE-ZIP'), 'the zip holds the edited version');
      ok(new TextDecoder().decode(zip.get('README.md')).includes('edited by Tester (version 2)'), 'the README names the edit');
      ok(saved.every((file) => file.inShadow), 'every anchor lived in a shadow root');
      equal(added.length, 0, 'nothing was added to the host page');
    } finally {
      observer.disconnect();
      URL.createObjectURL = createObjectURL;
      HTMLAnchorElement.prototype.click = click;
    }
  });

  it('writes one deliverable again with an instruction in a new run that keeps the rest, seen on both pages', async () => {
    const session = uniqueSession('widget-regenerate');
    const pageA = await mountElement(session);
    const pageB = await mountElement(session);
    await Promise.all([live(pageA), live(pageB)]);
    await pageA.submitBrief({ goal: 'Launch our reusable bottle to commuters', channels: ['x'], deliverables: ['research-brief', 'social-posts'] });
    await waitFor(() => lastRun(pageA)?.status === 'completed', 'the run to complete', LONG);
    const first = lastRun(pageA)!;
    const posts = await cardOf(pageA, 'social-posts');
    const before = pageA.state!.deliverables[posts.dataset.id!]!;
    deepQuery<HTMLButtonElement>(posts, '[part="regenerate"]')!.click();
    const instruction = await waitFor(() => deepQuery<HTMLTextAreaElement>(posts, '[part="regenerate-form"] textarea'), 'what should change');
    fill(instruction, 'Make it playful and mention the refill stations');
    await themedShots([pageA], () => deepQueryAll(pageA, 'mt-deliverable-card').find((card) => card.dataset.id === before.id), 'edit-review', 'card-regenerate');
    deepQuery<HTMLButtonElement>(posts, '[part="regenerate-submit"]')!.click();
    await waitFor(() => lastRun(pageA)?.id !== first.id && lastRun(pageA)?.status === 'completed', 'the new run to complete', LONG);
    await waitFor(() => lastRun(pageB)?.id === lastRun(pageA)?.id && lastRun(pageB)?.status === 'completed', 'page B to show it', LONG);
    const second = lastRun(pageA)!;
    equal(second.continues, first.id, 'it continues the first run');
    const byKind = (run: typeof first, kind: string) => run.deliverableIds.map((id) => pageA.state!.deliverables[id]!).find((deliverable) => deliverable.kind === kind)!;
    equal(byKind(second, 'research-brief').markdown, byKind(first, 'research-brief').markdown, 'the research brief is kept as it was');
    ok(byKind(second, 'social-posts').markdown !== before.markdown, 'the posts were written again');
    ok(pageA.state!.runs[second.id]!.tasks[byKind(second, 'social-posts').taskId]!.messageIds.length > 0, 'by the agent, in the new run');
  });
});
