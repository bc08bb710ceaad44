import { createElement, useEffect, useLayoutEffect, useMemo, useRef, type ReactNode } from 'react';
import * as z from 'zod/mini';
import { SessionClient, SessionClientError, type SessionClientOptions, type TransportOption, type WebSocketConstructor } from '@marketing-team/core/client';
import { RegistryContext, SessionContext } from './internal/_context.js';
import { SessionRegistry } from './internal/_session-registry.js';
import { AuthPropsSchema, OptionalSessionArgumentSchema, parseArgument } from './internal/_validate.js';

/** Props of {@link MarketingTeamProvider}. */
export interface MarketingTeamProviderProps {
  /** Base URL of the server handler (for example `/mt`); the socket is `<endpoint>/ws`. Give this or `client`. */
  endpoint?: string;
  /**
   * How the client the provider creates reaches the server: `websocket`, `sse` (SSE + POST, for
   * hosts that cannot upgrade, such as Next.js route handlers) or `auto` (the default: WebSocket,
   * falling back to SSE when the upgrade is refused).
   */
  transport?: TransportOption;
  /** A `SessionClient` to use instead of creating one; the provider never closes a client it was given. */
  client?: SessionClient;
  /** A session token for every session below (unless a `MarketingTeamSession` or `useSession` gives its own). */
  token?: string;
  /** Fetches a token for a session; asked at subscribe time and again before the token expires. */
  getToken?: (session: string) => string | Promise<string>;
  /** WebSocket constructor for the client the provider creates (the `ws` package's in Node); defaults to the global one. */
  WebSocket?: WebSocketConstructor;
  /** More options of the client the provider creates (backoff, heartbeat, `onError`, ...). Read when the client is created. */
  clientOptions?: Omit<SessionClientOptions, 'url' | 'WebSocket'>;
  /** The session the hooks below use when they are given none. */
  session?: string;
  children?: ReactNode;
}

const PropsSchema = z.extend(AuthPropsSchema, {
  endpoint: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
  transport: z.optional(z.enum(['websocket', 'sse', 'auto'])),
  client: z.optional(
    z.custom<SessionClient>((value) => typeof (value as SessionClient | null)?.session === 'function' && typeof (value as SessionClient).subscribeConnection === 'function', 'expected a SessionClient'),
  ),
  WebSocket: z.optional(z.custom<WebSocketConstructor>((value) => typeof value === 'function', 'expected a WebSocket constructor')),
  clientOptions: z.optional(z.record(z.string(), z.unknown())),
  session: OptionalSessionArgumentSchema,
});

/** `<endpoint>/ws`, as the widget does it. */
function socketUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/ws`;
}

/**
 * Gives the hooks below one shared `SessionClient` (one socket for every session they show).
 * The client is created on the first subscription, in an effect, so rendering on the server or
 * rendering a tree that is never committed opens nothing; it is closed when the provider
 * unmounts, unless it was passed in as `client`. Throws a `SessionClientError`
 * (`invalid_argument`, naming the prop) for bad props.
 */
export function MarketingTeamProvider(props: MarketingTeamProviderProps): ReactNode {
  const parsed = parseArgument(PropsSchema, props, 'props');
  if ((parsed.endpoint === undefined) === (parsed.client === undefined)) {
    throw new SessionClientError('invalid_argument', 'props.endpoint: give MarketingTeamProvider either endpoint or client', { field: 'props.endpoint' });
  }
  const { endpoint, client, WebSocket, transport, token, getToken, session } = props;
  const clientOptions = useRef(props.clientOptions);

  // A new registry only when what the client is made of changes; nothing is opened here.
  const registry = useMemo(
    () =>
      client
        ? new SessionRegistry({ client })
        : new SessionRegistry({
            createClient: () =>
              new SessionClient({ ...clientOptions.current, url: socketUrl(endpoint!), ...(WebSocket ? { WebSocket } : {}), ...(transport ? { transport } : {}) }),
          }),
    [client, endpoint, WebSocket, transport],
  );

  // Layout effects run before any child's passive effect, where subscriptions start.
  useLayoutEffect(() => {
    registry.setDefaultAuth({ token, getToken });
  }, [registry, token, getToken]);
  useLayoutEffect(() => {
    clientOptions.current = props.clientOptions;
  });

  useEffect(() => registry.retain(), [registry]);

  const tree = createElement(RegistryContext.Provider, { value: registry }, props.children);
  return session === undefined ? tree : createElement(SessionContext.Provider, { value: session }, tree);
}
