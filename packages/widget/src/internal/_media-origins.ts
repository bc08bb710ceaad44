// An origin as it may appear in a Content-Security-Policy: scheme, host (or IPv6 literal) and port, nothing more.
const PLAIN_ORIGIN = /^https?:\/\/(?:\[[0-9a-f:.]+\]|[a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::\d{1,5})?$/i;

/**
 * The origins (`https://host[:port]`) in a host's list of places model output may load images
 * from; anything that is not an http(s) URL is left out, so an entry can never widen a
 * Content-Security-Policy beyond one origin.
 */
export function mediaOriginsOf(list: readonly string[] | string | null | undefined): string[] {
  const entries = typeof list === 'string' ? list.split(/[\s,]+/) : (list ?? []);
  const origins = new Set<string>();
  for (const entry of entries) {
    if (typeof entry !== 'string' || entry.trim() === '') continue;
    try {
      const url = new URL(entry.trim());
      // The URL parser lets odd hosts through (`a.example;%20script-src…`): only plain origins pass.
      if ((url.protocol === 'https:' || url.protocol === 'http:') && PLAIN_ORIGIN.test(url.origin)) origins.add(url.origin);
    } catch {
      // not a URL: ignored rather than thrown, the attribute is host configuration, not input
    }
  }
  return [...origins];
}

/** True when `source` is an absolute http(s) URL of one of `origins`. */
export function isAllowedMedia(source: string, origins: readonly string[]): boolean {
  if (origins.length === 0) return false;
  try {
    const url = new URL(source.trim());
    return (url.protocol === 'https:' || url.protocol === 'http:') && origins.includes(url.origin);
  } catch {
    return false;
  }
}
