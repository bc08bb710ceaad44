import DOMPurify from 'dompurify';

let purifier: ReturnType<typeof DOMPurify> | undefined;

// Only references inside the image itself (`#gradient`) survive: nothing may load from elsewhere.
const LOCAL_REFERENCE = /^\s*#/;

/**
 * The model's SVG banner made safe to save as a file: an SVG opened as a document runs its
 * scripts, so it goes through DOMPurify's SVG profile (no scripts, event handlers,
 * `foreignObject` or HTML), and every link or image reference that leaves the image is removed.
 * Returns an empty string when nothing drawable is left.
 */
export function inertSvg(svg: string): string {
  if (!purifier) {
    purifier = DOMPurify(window);
    purifier.addHook('afterSanitizeAttributes', (node) => {
      for (const name of ['href', 'xlink:href', 'src']) {
        const value = node.getAttribute(name);
        if (value !== null && !LOCAL_REFERENCE.test(value)) node.removeAttribute(name);
      }
      const style = node.getAttribute('style');
      if (style !== null && /url\s*\(|@import/i.test(style)) node.removeAttribute('style');
    });
  }
  const clean = purifier.sanitize(svg, {
    USE_PROFILES: { svg: true, svgFilters: true },
    FORBID_TAGS: ['foreignObject', 'script', 'style', 'a', 'image', 'use'],
    NAMESPACE: 'http://www.w3.org/2000/svg',
  });
  return /^<svg[\s>]/i.test(clean.trim()) ? `<?xml version="1.0" encoding="UTF-8"?>\n${clean.trim()}\n` : '';
}
