import type { ServerMetrics } from '../metrics/server-metrics.js';
import { PROMETHEUS_CONTENT_TYPE } from '../metrics/_prometheus-text.js';

/** Compares in time that depends only on the lengths, so the token cannot be guessed a character at a time. */
function sameText(a: string, b: string): boolean {
  let difference = a.length ^ b.length;
  for (let index = 0; index < a.length; index += 1) difference |= a.charCodeAt(index) ^ b.charCodeAt(index % Math.max(1, b.length));
  return difference === 0;
}

/** `GET <base>/metrics`: the metrics in the Prometheus text format, for a scraper holding the metrics token. */
export function metricsRoute(request: Request, metrics: ServerMetrics, token: string): Response {
  const presented = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1] ?? '';
  if (!sameText(presented, token)) {
    return new Response(JSON.stringify({ type: 'error', code: 'unauthorized', message: 'authorization: send the metrics token as a bearer token', field: 'authorization' }), {
      status: 401,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'www-authenticate': 'Bearer' },
    });
  }
  return new Response(metrics.text(), { status: 200, headers: { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' } });
}
