import { describe, expect, it } from 'vitest';
import { hostileBanner } from '../../test/_hostile-markup.js';
import { inertSvg } from './_inert-svg.js';

describe('inertSvg', () => {
  it('drops the XHTML-namespaced script and every other way to run or load', () => {
    const svg = inertSvg(hostileBanner('http://beacon.invalid'));
    const lower = svg.toLowerCase();
    for (const forbidden of ['script', 'pwned', 'beacon.invalid', 'foreignobject', 'xmlns:h', 'h:', '<style', '<set', '<animate', 'javascript', 'onload']) {
      expect(lower, forbidden).not.toContain(forbidden);
    }
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="1200" height="628" viewBox="0 0 1200 628">')).toBe(true);
  });

  it('keeps the drawing: gradients, local references, shapes and text', () => {
    const svg = inertSvg(hostileBanner('http://beacon.invalid'));
    expect(svg).toContain('<stop offset="0" stop-color="#0a66c2"></stop>');
    expect(svg).toContain('<rect width="1200" height="628" fill="url(#sky)"></rect>');
    expect(svg).toContain('<text x="60" y="320" font-size="72" fill="#fff">Spring trail shoe</text>');
    expect(inertSvg('<svg viewBox="0 0 4 4"><use href="#a"/><image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/></svg>')).toBe(
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><use href="#a"></use><image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"></image></svg>',
    );
  });

  it('sees through character references and escapes', () => {
    const svg = inertSvg('<svg xmlns="http://www.w3.org/2000/svg"><rect fill="&#117;rl(http://x/#a)" style="fill:u\\72l(http://y)" width="1"/><title>&lt;script&gt;</title></svg>');
    expect(svg).toBe('<svg xmlns="http://www.w3.org/2000/svg"><rect width="1"></rect><title>&lt;script&gt;</title></svg>');
  });

  it('drops processing instructions and document type declarations before the root', () => {
    expect(inertSvg('<?xml version="1.0"?><?xml-stylesheet href="http://beacon.invalid/s.css"?><!DOCTYPE svg [<!ENTITY e SYSTEM "http://beacon.invalid/e">]><svg><text>&e;</text></svg>')).toBe(
      '<svg xmlns="http://www.w3.org/2000/svg"><text>&amp;e;</text></svg>',
    );
  });

  it('returns nothing for markup that is not an SVG document', () => {
    expect(inertSvg('<div>not svg</div>')).toBe('');
    expect(inertSvg('<h:svg xmlns:h="http://www.w3.org/2000/svg"><h:rect/></h:svg>')).toBe('');
  });
});
