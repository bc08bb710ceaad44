import { describe, expect, it } from 'vitest';
import { hostileLandingPage } from '../../test/_hostile-markup.js';
import { LANDING_PAGE_POLICY, inertLandingPage } from './_inert-landing-page.js';

const beacon = 'http://beacon.invalid';

describe('inertLandingPage', () => {
  const page = inertLandingPage(hostileLandingPage(beacon), { title: 'Spring <launch>', disclaimers: ['Terms apply.'] });

  it('puts the Content-Security-Policy first in a head it builds itself, out of reach of model comments', () => {
    expect(page.startsWith(`<!doctype html>\n<html lang="en">\n<head>\n<meta http-equiv="Content-Security-Policy" content="${LANDING_PAGE_POLICY}">`)).toBe(true);
    expect(page).not.toContain('<!--');
    expect(page).toContain('<title>Spring &lt;launch&gt;</title>');
  });

  it('keeps nothing that runs, embeds a document, navigates or loads from elsewhere', () => {
    const lower = page.toLowerCase();
    for (const forbidden of ['<script', 'srcdoc', '<iframe', '<object', '<embed', '<base', '<link', 'refresh', '<svg', '<math', '<video', '<audio', '<source', '<form', '<template', 'onload', 'onerror', 'javascript', 'background=', 'beacon.invalid']) {
      expect(lower, forbidden).not.toContain(forbidden);
    }
    // the only meta elements are the four built here
    expect(page.match(/<meta /g)).toHaveLength(4);
  });

  it('keeps ordinary content and styles, and adds the disclaimer the model left in a comment', () => {
    expect(page).toContain('<h1>Spring trail shoe</h1>');
    expect(page).toContain('<p class="lede">Lighter on every climb.</p>');
    expect(page).toContain('<p>Ready for the weekend?</p>');
    expect(page).toContain('<button>Join</button>');
    expect(page).toMatch(/<style>\s*body \{ background: none \}<\/style>/);
    expect(page).toMatch(/<footer class="mt-required-disclaimers"[^>]*><p[^>]*>Terms apply\.<\/p><\/footer>\n<\/body>/);
  });

  it('keeps embedded images, drops relative and remote ones', () => {
    const images = inertLandingPage('<img src="data:image/png;base64,iVBORw0KGgo=" alt="a"><img src="photo.jpg" alt="b"><img src="//cdn.example/c.png" alt="c">', { title: 't', disclaimers: [] });
    expect(images).toContain('<img alt="a" src="data:image/png;base64,iVBORw0KGgo=" />');
    expect(images).toContain('<img alt="b" />');
    expect(images).toContain('<img alt="c" />');
  });

  it('does not count a disclaimer hidden in an attribute, and does not repeat a visible one', () => {
    const hidden = inertLandingPage('<p title="Terms apply.">x</p>', { title: 't', disclaimers: ['Terms apply.'] });
    expect(hidden).toContain('mt-required-disclaimers');
    const commented = inertLandingPage('<p>x</p><!-- Terms apply.', { title: 't', disclaimers: ['Terms apply.'] });
    expect(commented).toMatch(/mt-required-disclaimers[^\n]*Terms apply\.<\/p><\/footer>\n<\/body>/);
    const shown = inertLandingPage('<footer><p>Terms apply.</p></footer>', { title: 't', disclaimers: ['Terms apply.'] });
    expect(shown).not.toContain('mt-required-disclaimers');
  });
});
