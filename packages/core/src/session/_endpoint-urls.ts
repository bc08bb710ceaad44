import { SessionClientError } from './client-errors.js';

/** Resolves a URL against the page (when there is one). */
function parseUrl(url: string, field: string): URL {
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  try {
    return new URL(url, base);
  } catch {
    throw new SessionClientError('invalid_argument', `${field}: not a valid URL (relative URLs need a page to resolve against)`, { field });
  }
}

/** The WebSocket endpoint: relative and http(s) URLs resolved against the page, so `new SessionClient({ url: '/mt/ws' })` works in a browser. */
export function resolveSocketUrl(url: string): string {
  const resolved = parseUrl(url, 'url');
  if (resolved.protocol === 'http:') resolved.protocol = 'ws:';
  else if (resolved.protocol === 'https:') resolved.protocol = 'wss:';
  if (resolved.protocol !== 'ws:' && resolved.protocol !== 'wss:') {
    throw new SessionClientError('invalid_argument', 'url: use ws:, wss:, http: or https:', { field: 'url' });
  }
  return resolved.href;
}

/** The base of the HTTP routes: `httpUrl`, else the WebSocket URL as http(s) without its `/ws`. */
export function resolveHttpUrl(socketUrl: string, httpUrl: string | undefined): string {
  const resolved = parseUrl(httpUrl ?? socketUrl.replace(/^ws/, 'http').replace(/\/ws\/?(?=$|[?#])/, ''), 'httpUrl');
  if (resolved.protocol !== 'http:' && resolved.protocol !== 'https:') {
    throw new SessionClientError('invalid_argument', 'httpUrl: use http: or https:', { field: 'httpUrl' });
  }
  return resolved.href.replace(/\/+$/, '');
}
