import { randomBytes } from 'node:crypto';
import type { MarketingTeamServer } from '../http/create-server.js';
import { renderDemoPage } from './demo-page.js';

/**
 * The demo's fetch handler: the page at `/`, everything else from the session server (mounted
 * at the root). The demo's token route stands in for a host backend that mints tokens.
 */
export function createDemoHandler(server: MarketingTeamServer): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    if (request.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html')) {
      const nonce = randomBytes(16).toString('base64');
      return new Response(renderDemoPage(nonce), {
        headers: {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self' ws://${url.host} wss://${url.host}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
          'x-content-type-options': 'nosniff',
          'referrer-policy': 'no-referrer',
        },
      });
    }
    return server.fetch(request);
  };
}
