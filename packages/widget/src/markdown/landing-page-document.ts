import DOMPurify from 'dompurify';
import { isAllowedMedia, mediaOriginsOf } from '../internal/_media-origins.js';

/** Options of {@link landingPageDocument}. */
export interface LandingPageDocumentOptions {
  /** Origins the page's images may load from; none by default. */
  mediaOrigins?: readonly string[];
}

let purifier: ReturnType<typeof DOMPurify> | undefined;
let allowedOrigins: readonly string[] = [];

function getPurifier(): ReturnType<typeof DOMPurify> {
  if (purifier) return purifier;
  const instance = DOMPurify(window);
  instance.addHook('afterSanitizeAttributes', (node) => {
    if (node.nodeName === 'IMG') {
      const src = node.getAttribute('src');
      if (src === null || !(/^data:image\//i.test(src.trim()) || isAllowedMedia(src, allowedOrigins))) node.removeAttribute('src');
    }
  });
  purifier = instance;
  return instance;
}

/**
 * The `srcdoc` of the landing page preview: the model's page through DOMPurify (HTML only: no
 * scripts, frames, embedded documents, forms, media, links to stylesheets, meta refresh or base;
 * images only embedded or from the allowed origins), after a Content-Security-Policy that is the
 * document's first element, so nothing in the page can come before it or swallow it. The policy
 * allows inline styles and images from `data:` and the allowed origins only; it holds even for
 * CSS the sanitizer keeps (`url()` in a stylesheet).
 */
export function landingPageDocument(html: string, options: LandingPageDocumentOptions = {}): string {
  if (typeof html !== 'string') throw new TypeError('html: expected a string');
  const origins = mediaOriginsOf(options.mediaOrigins);
  allowedOrigins = origins;
  let body: string;
  try {
    body = getPurifier().sanitize(html, {
      WHOLE_DOCUMENT: true,
      USE_PROFILES: { html: true },
      FORBID_TAGS: ['iframe', 'frame', 'frameset', 'object', 'embed', 'link', 'meta', 'base', 'form', 'input', 'video', 'audio', 'source', 'track', 'picture', 'portal', 'noscript', 'template'],
      FORBID_ATTR: ['srcset', 'poster', 'background', 'action', 'formaction', 'ping', 'srcdoc'],
      ALLOW_DATA_ATTR: false,
      ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|tel:|#|data:image\/)/i,
    });
  } finally {
    allowedOrigins = [];
  }
  const policy = `default-src 'none'; style-src 'unsafe-inline'; img-src data:${origins.map((origin) => ` ${origin}`).join('')}; font-src data:; form-action 'none'; base-uri 'none'`;
  return `<!doctype html><meta http-equiv="Content-Security-Policy" content="${policy}"><meta name="referrer" content="no-referrer">${body}`;
}
