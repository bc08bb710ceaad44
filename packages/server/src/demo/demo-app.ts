import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { MarketingTeamServer } from '../http/create-server.js';
import { renderDemoPage } from './demo-page.js';
import { renderWidgetPage } from './widget-page.js';

/** Options of {@link createDemoHandler}. */
export interface DemoOptions {
  /**
   * Path of the widget's self-contained build (`@marketing-team/widget`'s `dist/marketing-team.js`).
   * With it the page is the real `<marketing-team>` element; without it, a minimal event viewer.
   * The server never imports the widget: the file is served as it is.
   */
  widgetFile?: string;
}

const PAGE_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };

/**
 * The demo's fetch handler: the page at `/`, everything else from the session server (mounted
 * at the root). The demo's token route stands in for a host backend that mints tokens.
 */
export function createDemoHandler(server: MarketingTeamServer, options: DemoOptions = {}): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    if (request.method === 'GET' && options.widgetFile && url.pathname === '/marketing-team.js') {
      return new Response(await readFile(options.widgetFile), {
        headers: { ...PAGE_HEADERS, 'content-type': 'text/javascript; charset=utf-8' },
      });
    }
    if (request.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html')) {
      const nonce = randomBytes(16).toString('base64');
      const page = options.widgetFile ? renderWidgetPage(nonce) : renderDemoPage(nonce);
      return new Response(page, {
        headers: { ...PAGE_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': pagePolicy(nonce, url.host, Boolean(options.widgetFile)) },
      });
    }
    return server.fetch(request);
  };
}

/** The page's Content-Security-Policy: nothing but this page's own scripts and this server's socket. */
function pagePolicy(nonce: string, host: string, widget: boolean): string {
  const common = `default-src 'none'; connect-src 'self' ws://${host} wss://${host}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
  if (!widget) return `${common}; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'`;
  // The widget loads its sanitizer chunk from this server, shows banners as data: images and
  // landing pages in sandboxed srcdoc frames (which inherit this policy, hence inline styles).
  return `${common}; script-src 'nonce-${nonce}' 'self'; style-src 'self' 'unsafe-inline'; img-src data:; frame-src about:`;
}
