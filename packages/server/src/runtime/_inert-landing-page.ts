import sanitizeHtml from 'sanitize-html';
import { inertCss } from './_inert-css.js';

/** The policy every exported landing page carries: inline styles and data images only. */
export const LANDING_PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; form-action 'none'; base-uri 'none'";

const BLOCKS = ['header', 'footer', 'main', 'section', 'article', 'aside', 'nav', 'div', 'span', 'p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'address', 'figure', 'figcaption', 'blockquote', 'details', 'summary', 'hr', 'br', 'pre'];
const INLINE = ['a', 'strong', 'em', 'b', 'i', 'u', 's', 'small', 'mark', 'sub', 'sup', 'q', 'cite', 'code', 'kbd', 'abbr', 'time', 'img'];
const LISTS = ['ul', 'ol', 'li', 'dl', 'dt', 'dd'];
const TABLES = ['table', 'caption', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'colgroup', 'col'];
// Buttons and fields stay as look-alikes: without <form> and without scripts they go nowhere.
const CONTROLS = ['button', 'label', 'input'];

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...BLOCKS, ...INLINE, ...LISTS, ...TABLES, ...CONTROLS, 'style'],
  // <style> is allowed on purpose: its text goes through inertCss, and the page's policy backs it up.
  allowVulnerableTags: true,
  allowedAttributes: {
    '*': ['class', 'id', 'title', 'lang', 'dir', 'role', 'aria-*', 'style'],
    a: ['href'],
    img: ['src', 'alt', 'width', 'height'],
    td: ['colspan', 'rowspan'],
    th: ['colspan', 'rowspan', 'scope'],
    col: ['span'],
    ol: ['start', 'reversed'],
    time: ['datetime'],
    label: ['for'],
    button: ['type', 'disabled'],
    input: ['type', 'placeholder', 'name', 'value', 'checked', 'disabled', 'required'],
  },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesByTag: { img: ['data'] },
  allowProtocolRelative: false,
  // Text of these never shows as page text: a <title>, <noscript> or <iframe> of the model is dropped whole.
  nonTextTags: ['script', 'textarea', 'option', 'noscript', 'title', 'template', 'iframe', 'noembed', 'noframes', 'xmp', 'object'],
  disallowedTagsMode: 'discard',
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'noopener noreferrer nofollow' } }),
    img: (tagName, attribs) => {
      // Only embedded images: a relative or remote source would load from the disk or the network.
      const { src, ...rest } = attribs;
      return { tagName, attribs: src !== undefined && /^data:image\/(png|gif|jpe?g|webp|avif|svg\+xml)[;,]/i.test(src.trim()) ? { ...rest, src } : rest };
    },
    input: (tagName, attribs) => ({ tagName, attribs: /^(image|submit|reset|file|hidden)$/i.test(attribs.type ?? '') ? { ...attribs, type: 'text' } : attribs }),
  },
};

/** What {@link inertLandingPage} puts around the model's markup. */
export interface LandingPageFrame {
  /** The page title (escaped here). */
  title: string;
  /** Required disclaimers, added in a footer of their own when the sanitized page does not show them. */
  disclaimers: readonly string[];
}

/**
 * A landing page written by a model, made safe to open as a file: the markup goes through
 * sanitize-html with an allowlist (no scripts, frames, embedded documents, forms, meta refresh,
 * base, links to stylesheets, comments, event handlers or remote loads; CSS through `inertCss`),
 * and the result is placed in a document built here, whose first element is the
 * Content-Security-Policy, so no model text can come before the policy or swallow it.
 */
export function inertLandingPage(html: string, frame: LandingPageFrame): string {
  const body = sanitizeHtml(html, {
    ...OPTIONS,
    transformTags: {
      ...OPTIONS.transformTags,
      // Style attributes get the same treatment as style elements.
      '*': (tagName, attribs) => (attribs.style === undefined ? { tagName, attribs } : { tagName, attribs: { ...attribs, style: inertCss(attribs.style) } }),
    },
  }).replace(/(<style[^>]*>)([\s\S]*?)(<\/style>)/gi, (_match, open: string, css: string, close: string) =>
    // Markup in a stylesheet is a sign of a parser-confusion attempt (the text is raw in one
    // context and markup in another), and no real stylesheet needs it: such CSS is dropped.
    `${open}${css.includes('<') ? '' : inertCss(css)}${close}`,
  );
  // Only text a reader sees counts: a disclaimer in an attribute or a stylesheet does not.
  const visible = sanitizeHtml(body, { allowedTags: [], allowedAttributes: {}, nonTextTags: ['style'] }).toLowerCase();
  const missing = frame.disclaimers.filter((disclaimer) => !visible.includes(escapeHtml(disclaimer).toLowerCase()));
  // Inline and marked important, so a model stylesheet cannot hide the footer by its selectors.
  const footer =
    missing.length > 0
      ? `\n<footer class="mt-required-disclaimers" style="display:block !important;visibility:visible !important;opacity:1 !important;position:static !important;margin:24px 0 !important;padding:12px 16px !important;font:14px/1.4 system-ui,sans-serif !important;color:#222 !important;background:#fff !important">${missing.map((d) => `<p style="display:block !important;margin:0 !important">${escapeHtml(d)}</p>`).join('')}</footer>`
      : '';
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    `<meta http-equiv="Content-Security-Policy" content="${LANDING_PAGE_POLICY}">`,
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(frame.title)}</title>`,
    '</head>',
    '<body>',
    `${body}${footer}`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
