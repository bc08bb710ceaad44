import '../src/index.js';
import { landingPageDocument, renderMarkdown } from '../src/markdown/index.js';
import { deepEqual, deepQuery, deepQueryAll, deepText, equal, ok, waitFor } from './_assert.js';
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
    ok(lane && deepText(lane).includes('<script>window.__pwned="delta"</script>'), 'split tags shown as text');
    // A sandbox without allow-same-origin gives the frame an opaque origin: its document is not ours to read.
    equal(frame.contentDocument, null, 'landing page is cross-origin to us');
    assertInert(element);
    equal(deepQueryAll(element, 'mt-deliverable-card').length, 3);
  });

  it('sanitizes with allowlisted URL schemes, renders raw HTML as text and loads images only from allowed origins', () => {
    const source = '[a](javascript:alert(1)) [b](https://ok.example) <img src=x onerror=alert(1)> ![c](http://img.example/c.png)';
    const parse = (html: string) => {
      const template = document.createElement('template');
      template.innerHTML = html;
      return template.content;
    };
    const blocked = parse(renderMarkdown(source));
    const anchors = Array.from(blocked.querySelectorAll('a'));
    equal(anchors.length, 3);
    equal(anchors[0]!.hasAttribute('href'), false, 'javascript: link loses its href');
    equal(anchors[1]!.getAttribute('href'), 'https://ok.example');
    equal(anchors[1]!.getAttribute('rel'), 'noopener noreferrer nofollow');
    equal(anchors[2]!.getAttribute('href'), 'http://img.example/c.png', 'an image of an origin not allowed becomes a link');
    equal(blocked.querySelectorAll('img').length, 0, 'no image loads by default');
    ok(blocked.textContent?.includes('<img src=x onerror=alert(1)>'), 'raw HTML shows as text');
    const allowed = parse(renderMarkdown(source, { mediaOrigins: ['http://img.example'] }));
    const images = Array.from(allowed.querySelectorAll('img'));
    equal(images.length, 1);
    equal(images[0]!.getAttribute('src'), 'http://img.example/c.png', 'an image of an allowed origin loads');
    equal(images[0]!.hasAttribute('onerror'), false);
  });

  it('gives the landing page its own policy first and keeps its styles, but nothing that loads or navigates', () => {
    const page = landingPageDocument(
      '<!doctype html><html lang="fr"><head><!-- <head> --><meta http-equiv="refresh" content="0;url=https://x.example"><style>h1 { color: #3b2a1f }</style><link rel="stylesheet" href="https://x.example/s.css"></head><body><h1 class="hero">Salut</h1><img src="https://x.example/p.png"><img src="data:image/png;base64,iVBORw0KGgo="><iframe srcdoc="x"></iframe><object data="data:text/html,x"></object></body></html>',
      { mediaOrigins: ['https://cdn.example/path', 'javascript:alert(1)', "https://a.example; script-src 'unsafe-inline'"] },
    );
    ok(page.startsWith(`<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data: https://cdn.example; font-src data:; form-action 'none'; base-uri 'none'">`), page.slice(0, 200));
    const parsed = new DOMParser().parseFromString(page, 'text/html');
    equal(parsed.head.firstElementChild?.getAttribute('http-equiv'), 'Content-Security-Policy', 'the policy is the first element of the head');
    equal(parsed.querySelectorAll('meta[http-equiv]').length, 1, 'no other http-equiv (no refresh)');
    equal(parsed.querySelector('style')?.textContent, 'h1 { color: #3b2a1f }');
    equal(parsed.querySelector('h1.hero')?.textContent, 'Salut');
    equal(parsed.querySelectorAll('link, iframe, object, embed, [srcdoc]').length, 0);
    const sources = Array.from(parsed.querySelectorAll('img')).map((image) => image.getAttribute('src'));
    deepEqual(sources, [null, 'data:image/png;base64,iVBORw0KGgo='], 'only the embedded image keeps its source');
  });
});
