import DOMPurify from 'dompurify';
import { Marked } from 'marked';

// Model output is untrusted: links may only leave for the web or mail, images only load over
// http(s) (the SVG banner is our own <img>, never Markdown), and nothing executable survives.
const SAFE_LINK = /^(?:https?:|mailto:)/i;
const SAFE_IMAGE = /^https?:/i;

const marked = new Marked({ gfm: true, async: false });
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
      if (src === null || !SAFE_IMAGE.test(src.trim())) node.removeAttribute('src');
      node.removeAttribute('srcset');
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
}

/**
 * Turns untrusted Markdown into HTML that is safe to insert: Markdown through `marked`, then
 * DOMPurify with the HTML profile, no styles, forms, frames or embedded documents, links
 * limited to http, https and mailto, and images to http and https.
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
  const html = marked.parser(tokens);
  return getPurifier().sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'frame', 'object', 'embed', 'link', 'meta', 'base'],
    FORBID_ATTR: ['style', 'srcset', 'action', 'formaction'],
    ALLOW_DATA_ATTR: false,
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
  });
}
