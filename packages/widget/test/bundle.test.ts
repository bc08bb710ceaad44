import { deepQuery, equal, waitFor } from './_assert.js';
import { describe, it } from './_mocha.js';
import { buildBundle, frames, mintToken, serverUrl } from './_page.js';

describe('the self-contained marketing-team.js', () => {
  it('runs from one module script tag with only attributes, connects and is themeable through ::part', async () => {
    const bundle = await buildBundle();
    const session = `widget-bundle-${Date.now().toString(36)}`;
    const token = await mintToken(session, ['read', 'write', 'control']);
    const endpoint = `${(await serverUrl()).replace(/^ws/, 'http')}/mt`;
    // A separate document, so the bundle registers its own elements.
    const frame = document.createElement('iframe');
    frame.style.width = '800px';
    frame.style.height = '600px';
    frame.srcdoc = `<!doctype html><html lang="en"><head><title>bundle</title>
      <style>marketing-team::part(goal) { outline: 3px solid rgb(255, 0, 0); }</style>
      <script type="module" src="${new URL(bundle, location.href).href}"></script></head>
      <body><marketing-team endpoint="${endpoint}" session="${session}" token="${token}"></marketing-team></body></html>`;
    document.body.append(frame);
    const element = await waitFor(() => frame.contentDocument?.querySelector('marketing-team')?.shadowRoot && frame.contentDocument.querySelector('marketing-team'), 'the bundled element to upgrade', 20_000);
    await waitFor(() => deepQuery(element, 'mt-connection-status >>> [data-status="live"]'), 'a live connection', 20_000);
    // The brief form and the board are chunks the element loads after its first paint.
    const goal = await waitFor(() => deepQuery<HTMLTextAreaElement>(element, 'mt-brief-form >>> textarea'), 'the brief form');
    await waitFor(() => deepQuery(element, 'mt-task-board >>> [part="board"]'), 'the task board');
    await frames();
    equal(frame.contentWindow!.getComputedStyle(goal).outlineColor, 'rgb(255, 0, 0)', 'the goal field is reachable with ::part');
    frame.remove();
  });
});
