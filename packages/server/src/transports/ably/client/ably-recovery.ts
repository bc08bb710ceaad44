import { ProtocolError, protocolErrorFromZod } from '@marketing-team/core';
import { AblyRecoveryDataSchema, type AblyRecoveryData } from '../ably-wire.js';

/** What a client asks the server for when Ably cannot fill a gap. */
export interface AblyRecoveryRequest {
  session: string;
  /** The session token of the subscription. */
  token: string;
  /** Last offset applied; absent for a first join. */
  from?: number;
  /** Epoch `from` belongs to. */
  epoch?: string;
}

/** Fetches what the server holds after `from` (or a snapshot); must answer {@link AblyRecoveryData}. */
export type AblyRecover = (request: AblyRecoveryRequest) => Promise<AblyRecoveryData>;

/** Options of {@link fetchAblyRecovery}. */
export interface FetchAblyRecoveryOptions {
  /** The server's base URL, e.g. `https://app.example.com/mt` (the transport is mounted at `<base>/ably`). */
  baseUrl: string;
  /** A `fetch` implementation; defaults to the global one. */
  fetch?: typeof fetch;
}

/** An {@link AblyRecover} that calls the transport's recovery route, `GET <base>/ably/recover`. */
export function fetchAblyRecovery(options: FetchAblyRecoveryOptions): AblyRecover {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const base = options.baseUrl.replace(/\/$/, '');
  return async ({ session, token, from, epoch }) => {
    const url = new URL(`${base}/ably/recover`);
    url.searchParams.set('session', session);
    if (from !== undefined) url.searchParams.set('from', String(from));
    if (epoch !== undefined) url.searchParams.set('epoch', epoch);
    const response = await doFetch(url, { headers: { authorization: `Bearer ${token}` } });
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const error = body as { code?: string; message?: string; field?: string } | undefined;
      const code = error?.code === 'unauthorized' || error?.code === 'forbidden' || error?.code === 'not_found' ? error.code : 'internal';
      throw new ProtocolError(code, error?.message ?? `recovery failed with HTTP ${response.status}`, error?.field);
    }
    const parsed = AblyRecoveryDataSchema.safeParse(body);
    if (!parsed.success) throw protocolErrorFromZod(parsed.error, 'recovery');
    return parsed.data;
  };
}
