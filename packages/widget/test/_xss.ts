export { hostileEvents } from './_hostile-events.js';
import { deepQueryAll, equal, ok } from './_assert.js';

declare global {
  interface Window {
    __pwned?: unknown;
  }
}

/** Asserts nothing hostile ran and no forbidden node or attribute exists in the rendered DOM. */
export function assertInert(root: Element): void {
  equal(window.__pwned, undefined, 'no injected code ran');
  equal(document.body.dataset.pwned, undefined, 'the landing page did not reach its parent');
  const all = deepQueryAll<Element>(root, '*');
  ok(all.length > 20, 'the widget rendered');
  equal(all.filter((element) => element.localName === 'script').length, 0, 'no script element');
  equal(all.filter((element) => ['svg', 'math', 'form', 'object', 'embed', 'style'].includes(element.localName) && element.closest('[part="content"]')).length, 0, 'no svg, math, form, object, embed or style from Markdown');
  for (const element of all) {
    for (const attribute of Array.from(element.attributes)) {
      ok(!attribute.name.toLowerCase().startsWith('on'), `no event handler attribute (${element.localName} ${attribute.name})`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(attribute.name)) {
        const value = attribute.value.trim().toLowerCase();
        ok(!value.startsWith('javascript:'), `no javascript: URL (${element.localName} ${attribute.name})`);
        if (attribute.name === 'src' && element.localName === 'img') {
          ok(value.startsWith('https:') || value.startsWith('http:') || (value.startsWith('data:image/svg+xml') && element.getAttribute('part') === 'banner'), `image source allowed (${value.slice(0, 40)})`);
        }
      }
    }
  }
  const frames = all.filter((element): element is HTMLIFrameElement => element.localName === 'iframe');
  ok(frames.length >= 1, 'landing page rendered in an iframe');
  for (const frame of frames) {
    ok(['landing-page', 'preview-frame'].includes(frame.getAttribute('part') ?? ''), `only our landing page iframes (${frame.getAttribute('part')})`);
    equal(frame.getAttribute('sandbox'), '', 'empty sandbox (no scripts, no same origin)');
    ok(!frame.hasAttribute('src'), 'srcdoc only');
  }
  const links = all.filter((element): element is HTMLAnchorElement => element.localName === 'a');
  ok(links.some((link) => link.getAttribute('href') === 'https://example.com/ok'), 'safe links survive');
  for (const link of links) {
    const href = link.getAttribute('href');
    if (href !== null) ok(/^(https?:|mailto:)/i.test(href), `link allowed (${href})`);
  }
}
