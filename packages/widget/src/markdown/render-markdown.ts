import DOMPurify from 'dompurify';
import { Marked, type Tokens } from 'marked';
import { isAllowedMedia, mediaOriginsOf } from '../internal/_media-origins.js';

// This module is the lazily loaded sanitizer chunk; the landing page sanitizer and the
// full-screen preview (only ever shown for a sanitized page) ride along.
export { landingPageDocument, type LandingPageDocumentOptions } from './landing-page-document.js';
export { inertSvg } from './inert-svg.js';
export { LandingPreviewElement } from './landing-preview.js';
export { renderAdCopy, renderCreative, renderMeasurement, renderPosts } from './deliverable-bodies.js';

// Model output is untrusted: links may only leave for the web or mail, images load only from
// origins the host allowed (none by default), and nothing executable survives.
const SAFE_LINK = /^(?:https?:|mailto:)/i;

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

// The origins of the render under way (rendering is synchronous, so one variable is enough).
let allowedOrigins: readonly string[] = [];

const marked = new Marked({
  gfm: true,
  async: false,
  // Raw HTML in model Markdown is never markup: without these tokenizers a tag is plain text,
  // so `<!--`, `<style>` or `<template>` can no longer make a sanitizer drop what follows.
  tokenizer: {
    html: () => undefined,
    tag: () => undefined,
  },
  renderer: {
    html: ({ text }: Tokens.HTML | Tokens.Tag) => escapeHtml(text),
    // An image from an origin the host did not allow becomes a link: nothing loads until the reader asks.
    image: ({ href, title, text }: Tokens.Image) =>
      isAllowedMedia(href, allowedOrigins)
        ? `<img src="${escapeHtml(href)}" alt="${escapeHtml(text)}"${title ? ` title="${escapeHtml(title)}"` : ''}>`
        : `<a href="${escapeHtml(href)}"${title ? ` title="${escapeHtml(title)}"` : ''}>${escapeHtml(text || href)}</a>`,
  },
});

// Exactly what marked writes for Markdown; nothing else can come out of it.
const ALLOWED_TAGS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'br', 'hr', 'strong', 'em', 'del', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a', 'img', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'input'];
const ALLOWED_ATTR = ['href', 'title', 'alt', 'src', 'align', 'start', 'type', 'checked', 'disabled', 'class'];

let purifier: ReturnType<typeof DOMPurify> | undefined;

function getPurifier(): ReturnType<typeof DOMPurify> {
  if (purifier) return purifier;
  // A private instance, so our hooks never touch a DOMPurify the host page uses.
  const instance = DOMPurify(window);
  instance.addHook('afterSanitizeAttributes', (node) => {
    if (node.nodeName === 'A') {
      const href = node.getAttribute('href');
      if (href !== null && !SAFE_LINK.test(href.trim())) node.removeAttribute('href');
      node.setAttribute('rel', 'noopener noreferrer nofollow');
      node.setAttribute('target', '_blank');
    } else if (node.nodeName === 'IMG') {
      const src = node.getAttribute('src');
      if (src === null || !isAllowedMedia(src, allowedOrigins)) node.removeAttribute('src');
    } else if (node.nodeName === 'INPUT') {
      // task list checkboxes only, and read-only
      node.setAttribute('type', 'checkbox');
      node.setAttribute('disabled', '');
    }
  });
  purifier = instance;
  return instance;
}

/** Options of {@link renderMarkdown}. */
export interface RenderMarkdownOptions {
  /**
   * The level (1-6) the document's highest heading becomes; the levels below it follow without
   * gaps, capped at 6. Absent leaves headings as written.
   */
  topHeading?: number;
  /**
   * Origins (`https://cdn.example`) Markdown images may load from. Empty by default: every image
   * becomes a link, so model output makes the browser fetch nothing.
   */
  mediaOrigins?: readonly string[];
}

/**
 * Turns untrusted Markdown into HTML that is safe to insert: Markdown through `marked` with raw
 * HTML rendered as text, then DOMPurify limited to the elements Markdown produces, links to
 * http, https and mailto, and images to the allowed origins.
 */
export function renderMarkdown(markdown: string, options: RenderMarkdownOptions = {}): string {
  if (typeof markdown !== 'string') throw new TypeError('markdown: expected a string');
  const top = options.topHeading;
  if (top !== undefined && (!Number.isInteger(top) || top < 1 || top > 6)) {
    throw new RangeError('options.topHeading: an integer from 1 to 6');
  }
  const tokens = marked.lexer(markdown);
  // Headings of model output sit below the page's own and skip no level, so the outline stays in order.
  if (top !== undefined) {
    const depths = new Set<number>();
    marked.walkTokens(tokens, (token) => {
      if (token.type === 'heading') depths.add(token.depth as number);
    });
    const levels = new Map([...depths].sort((a, b) => a - b).map((depth, index) => [depth, Math.min(6, top + index)]));
    marked.walkTokens(tokens, (token) => {
      if (token.type === 'heading') token.depth = levels.get(token.depth as number) ?? 6;
    });
  }
  allowedOrigins = mediaOriginsOf(options.mediaOrigins);
  try {
    const html = marked.parser(tokens);
    return getPurifier().sanitize(html, {
      ALLOWED_TAGS,
      ALLOWED_ATTR,
      ALLOW_DATA_ATTR: false,
      ALLOW_ARIA_ATTR: false,
      ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
    });
  } finally {
    allowedOrigins = [];
  }
}
