import { studioSessionId } from '@marketing-team/core';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { MarketingTeamServer } from '../http/create-server.js';
import { renderDemoPage } from './demo-page.js';
import { renderWidgetPage } from './widget-page.js';

/** Options of {@link createDemoHandler}. */
export interface DemoOptions {
  /**
   * Path of the widget's self-contained build (`@marketing-team/widget`'s `dist/marketing-team.js`);
   * the chunks it loads, in `marketing-team-chunks/` beside it, are served too.
   * With it the page is the real `<marketing-team>` element; without it, a minimal event viewer.
   * The server never imports the widget: the file is served as it is.
   */
  widgetFile?: string;
  /**
   * The workspace the demo's studio edits. With it, `POST /tokens` with `{ "workspace": id }` (no
   * session) hands out an `admin` token for that workspace: the demo's stand-in for a host backend
   * that lets its signed-in customer edit their team. The page opens on the studio while the
   * workspace has no brand of its own, when `marketing-team-studio.js` sits beside `widgetFile`.
   */
  studioWorkspace?: string;
}

/** A chunk of the widget's build, beside `marketing-team.js` in `marketing-team-chunks/`. */
const WIDGET_CHUNK = /^\/marketing-team-chunks\/([\w-]+\.js)$/;

const PAGE_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };

/**
 * The demo's fetch handler: the page at `/`, everything else from the session server (mounted
 * at the root). The demo's token route stands in for a host backend that mints tokens.
 */
export function createDemoHandler(server: MarketingTeamServer, options: DemoOptions = {}): (request: Request) => Promise<Response> {
  const studioFile = options.widgetFile ? join(dirname(options.widgetFile), 'marketing-team-studio.js') : undefined;
  const studio = options.studioWorkspace !== undefined && studioFile !== undefined && existsSync(studioFile) ? { workspace: options.studioWorkspace, file: studioFile } : undefined;
  return async (request) => {
    const url = new URL(request.url);
    if (request.method === 'GET' && options.widgetFile && url.pathname === '/marketing-team.js') {
      return new Response(await readFile(options.widgetFile), {
        headers: { ...PAGE_HEADERS, 'content-type': 'text/javascript; charset=utf-8' },
      });
    }
    // The chunks the element imports (relative to its own URL) as it needs its parts; their
    // names carry a content hash, so they may be cached for good.
    const chunk = request.method === 'GET' && options.widgetFile ? WIDGET_CHUNK.exec(url.pathname) : null;
    if (chunk && options.widgetFile) {
      const file = join(dirname(options.widgetFile), 'marketing-team-chunks', chunk[1]!);
      if (!existsSync(file)) return new Response('not found', { status: 404, headers: PAGE_HEADERS });
      return new Response(await readFile(file), {
        headers: { ...PAGE_HEADERS, 'cache-control': 'public, max-age=31536000, immutable', 'content-type': 'text/javascript; charset=utf-8' },
      });
    }
    if (request.method === 'GET' && studio && url.pathname === '/marketing-team-studio.js') {
      return new Response(await readFile(studio.file), { headers: { ...PAGE_HEADERS, 'content-type': 'text/javascript; charset=utf-8' } });
    }
    if (request.method === 'POST' && options.studioWorkspace !== undefined && url.pathname === '/tokens') {
      const body = (await request
        .clone()
        .json()
        .catch(() => undefined)) as { workspace?: unknown; session?: unknown } | undefined;
      if (body && body.session === undefined && body.workspace !== undefined) {
        if (body.workspace !== options.studioWorkspace) {
          return Response.json({ type: 'error', code: 'forbidden', message: `workspace: the demo edits "${options.studioWorkspace}" only`, field: 'workspace' }, { status: 403 });
        }
        // for the studio session too, where its drafts stream and saves are announced
        const token = await server.tokens.mint({
          session: studioSessionId(options.studioWorkspace),
          workspace: options.studioWorkspace,
          userId: 'demo-user',
          userName: 'Demo user',
          capabilities: ['read', 'control', 'admin'],
          ttlSeconds: 3600,
        });
        return Response.json({ token, expiresAt: Math.floor(Date.now() / 1000) + 3600 }, { headers: { 'cache-control': 'no-store' } });
      }
    }
    if (request.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html')) {
      const nonce = randomBytes(16).toString('base64');
      const page = options.widgetFile ? renderWidgetPage(nonce, studio ? { workspace: studio.workspace } : {}) : renderDemoPage(nonce);
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
