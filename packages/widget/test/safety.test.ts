import '../src/index.js';
import { renderMarkdown } from '../src/markdown/index.js';
import { deepQuery, deepQueryAll, equal, ok, waitFor } from './_assert.js';
import { FixtureClient, completedRunEvents } from './_fixtures.js';
import { after, describe, it } from './_mocha.js';
import { frames } from './_page.js';
import { assertInert, hostileEvents } from './_xss.js';

describe('untrusted model output (fixture state)', () => {
  after(() => {
    for (const element of Array.from(document.body.querySelectorAll('marketing-team'))) element.remove();
  });

  it('renders hostile Markdown, deltas, landing page and banner inert', async () => {
    const client = new FixtureClient();
    client.push(completedRunEvents('r1').slice(0, 2));
    client.push(hostileEvents('r1'));
    const element = document.createElement('marketing-team');
    element.session = 's-xss';
    element.token = 'fixture';
    element.client = client;
    document.body.append(element);
    // Wait until the sanitizer has loaded and rendered, and the landing page frame has loaded.
    await waitFor(() => deepQuery(element, '[part="content"] a[href="https://example.com/ok"]'), 'sanitized Markdown');
    const frame = await waitFor(() => deepQuery<HTMLIFrameElement>(element, 'iframe[part="landing-page"]'), 'landing frame');
    await new Promise<void>((resolve) => {
      if (frame.contentDocument === null) resolve();
      frame.addEventListener('load', () => resolve(), { once: true });
      setTimeout(resolve, 2000);
    });
    await frames();
    const lane = deepQuery(element, '[data-agent="market-researcher"] >>> [part="text"]');
    ok(lane?.textContent?.includes('<script>window.__pwned="delta"</script>'), 'split tags shown as text');
    // A sandbox without allow-same-origin gives the frame an opaque origin: its document is not ours to read.
    equal(frame.contentDocument, null, 'landing page is cross-origin to us');
    assertInert(element);
    equal(deepQueryAll(element, 'mt-deliverable-card').length, 3);
  });

  it('sanitizes with allowlisted URL schemes and strips handlers', () => {
    const html = renderMarkdown('[a](javascript:alert(1)) [b](https://ok.example) <img src=x onerror=alert(1)> ![c](http://img.example/c.png)');
    const template = document.createElement('template');
    template.innerHTML = html;
    const anchors = Array.from(template.content.querySelectorAll('a'));
    equal(anchors.length, 2);
    equal(anchors[0]!.hasAttribute('href'), false, 'javascript: link loses its href');
    equal(anchors[1]!.getAttribute('href'), 'https://ok.example');
    equal(anchors[1]!.getAttribute('rel'), 'noopener noreferrer nofollow');
    const images = Array.from(template.content.querySelectorAll('img'));
    equal(images.some((image) => image.hasAttribute('onerror')), false);
    ok(images.some((image) => image.getAttribute('src') === 'http://img.example/c.png'), 'http image kept');
    equal(images.filter((image) => image.getAttribute('src') === 'x').length, 0, 'relative image source dropped');
  });
});
