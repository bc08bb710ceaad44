// CSS from model output may only style: nothing in it may fetch. The export's
// Content-Security-Policy blocks fetches as well; this keeps a page inert even where the policy is
// not honoured (a mail client, a preview pane).

const ESCAPE_OR_FETCHER = /\\|image-set\s*\(|expression\s*\(|-moz-binding|behavior\s*:/i;

/**
 * CSS with every `@import` removed and every `url(...)` that is not a `data:` image or a `#`
 * fragment replaced by `none`. CSS with escapes (which can spell `url(` so no pattern sees it),
 * `image-set()` or legacy script hooks is dropped whole.
 */
export function inertCss(css: string): string {
  if (ESCAPE_OR_FETCHER.test(css)) return '';
  return css
    .replace(/@import[^;]*(;|$)/gi, '')
    .replace(/url\s*\(\s*(['"]?)([^'")]*)\1\s*\)/gi, (match, _quote: string, target: string) =>
      /^(#|data:image\/(png|gif|jpe?g|webp|avif|svg\+xml)[;,])/i.test(target.trim()) ? match : 'none',
    )
    .replace(/url\s*\(/gi, 'none(');
}
