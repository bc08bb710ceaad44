/** Which browser origins may connect: a list, `'*'` for any, or a predicate. */
export type OriginPolicy = readonly string[] | '*' | ((origin: string) => boolean);

/**
 * Checks a request's Origin. A request without one does not come from a browser page (browsers
 * always send it on WebSocket upgrades and cross-origin fetches), so only the token guards it.
 */
export function isOriginAllowed(policy: OriginPolicy, origin: string | null): boolean {
  if (origin === null) return true;
  if (policy === '*') return true;
  if (typeof policy === 'function') return policy(origin);
  return policy.includes(origin);
}
