import type { AblyTokenRequest } from '../ably-client-types.js';

/** Options of {@link ablyAuthCallback}. */
export interface AblyAuthCallbackOptions {
  /** The server's base URL, e.g. `https://app.example.com/mt` (the transport is mounted at `<base>/ably`). */
  baseUrl: string;
  session: string;
  /** The current session token; called on every renewal, so a refreshed token is picked up. */
  getToken: () => string | Promise<string>;
  fetch?: typeof fetch;
}

/**
 * An `authCallback` for `new Ably.Realtime({ authCallback })`: asks the server's token route for
 * a token request scoped to one session, so the Ably key never reaches the browser and the SDK
 * renews the token itself before it expires (https://ably.com/docs/auth/token).
 */
export function ablyAuthCallback(
  options: AblyAuthCallbackOptions,
): (tokenParams: unknown, callback: (error: string | null, tokenRequest: AblyTokenRequest | null) => void) => void {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const base = options.baseUrl.replace(/\/$/, '');
  return (_tokenParams, callback) => {
    void (async () => {
      const url = new URL(`${base}/ably/token`);
      url.searchParams.set('session', options.session);
      const response = await doFetch(url, { headers: { authorization: `Bearer ${await options.getToken()}` } });
      const body = (await response.json()) as AblyTokenRequest & { message?: string };
      if (!response.ok) throw new Error(body.message ?? `token request failed with HTTP ${response.status}`);
      return body;
    })().then(
      (tokenRequest) => callback(null, tokenRequest),
      // Ably's callback takes an ErrorInfo or a string, not an Error.
      (error: unknown) => callback(error instanceof Error ? error.message : String(error), null),
    );
  };
}
