import { createComponent, type EventName } from '@lit/react';
import * as React from 'react';
import { createElement, forwardRef, useContext, useSyncExternalStore, type CSSProperties, type ForwardRefExoticComponent, type RefAttributes } from 'react';
import type { SessionClient, TransportOption } from '@marketing-team/core/client';
import {
  MarketingTeamElement,
  type ConnectionChangeDetail,
  type DeliverableDetail,
  type RunCompletedDetail,
  type RunStartedDetail,
  type WidgetClient,
  type WidgetErrorDetail,
  type WidgetStrings,
} from '@marketing-team/widget';
import { RegistryContext, SessionContext } from './internal/_context.js';
import type { SessionRegistry } from './internal/_session-registry.js';

/** Props of {@link MarketingTeam}: the element's properties, its events, and a few HTML attributes. */
export interface MarketingTeamProps {
  /** Base URL of the server handler (`/mt`); the socket is `<endpoint>/ws`. */
  endpoint?: string;
  /** With `endpoint`: `websocket`, `sse` (SSE + POST) or `auto` (the default; falls back to SSE when the upgrade is refused). */
  transport?: TransportOption;
  /** The session to show; defaults to the nearest `MarketingTeamSession` (or provider `session`). */
  session?: string;
  /** A session token. */
  token?: string;
  /** Fetches fresh tokens; used instead of `token`. */
  getToken?: (session: string) => string | Promise<string>;
  /** A client to share; inside a `MarketingTeamProvider` (and without `endpoint`) the provider's client is used. */
  client?: WidgetClient | SessionClient;
  /** Forces a theme; the system preference is followed without it. */
  theme?: 'light' | 'dark';
  /** Replacement strings, merged over the defaults. */
  strings?: Partial<WidgetStrings>;
  /** Origins (`https://cdn.example`) images in model output may load from; none by default. Keep the same array between renders. */
  mediaOrigins?: readonly string[];
  /** `mt-run-started`: a run started. */
  onRunStarted?: (event: CustomEvent<RunStartedDetail>) => void;
  /** `mt-run-completed`: a run ended (completed, cancelled, failed or interrupted). */
  onRunCompleted?: (event: CustomEvent<RunCompletedDetail>) => void;
  /** `mt-deliverable`: a new deliverable arrived. */
  onDeliverable?: (event: CustomEvent<DeliverableDetail>) => void;
  /** `mt-connection-change`: the connection status changed. */
  onConnectionChange?: (event: CustomEvent<ConnectionChangeDetail>) => void;
  /** `mt-error`: something the person asked for failed. */
  onError?: (event: CustomEvent<WidgetErrorDetail>) => void;
  id?: string;
  className?: string;
  style?: CSSProperties;
  hidden?: boolean;
}

/** The `<marketing-team>` element as a React component (no provider defaults). */
const Element = createComponent({
  react: React,
  tagName: 'marketing-team',
  elementClass: MarketingTeamElement,
  displayName: 'MarketingTeamElement',
  events: {
    onRunStarted: 'mt-run-started' as EventName<CustomEvent<RunStartedDetail>>,
    onRunCompleted: 'mt-run-completed' as EventName<CustomEvent<RunCompletedDetail>>,
    onDeliverable: 'mt-deliverable' as EventName<CustomEvent<DeliverableDetail>>,
    onConnectionChange: 'mt-connection-change' as EventName<CustomEvent<ConnectionChangeDetail>>,
    onError: 'mt-error' as EventName<CustomEvent<WidgetErrorDetail>>,
  },
});

const noSubscription = (): (() => void) => () => undefined;
const noClient = (): undefined => undefined;

/** The provider's client when the element should use it; subscribing (after commit) creates it. */
function useProviderClient(registry: SessionRegistry | null, wanted: boolean): SessionClient | undefined {
  const use = wanted && registry !== null;
  return useSyncExternalStore(use ? registry.subscribeClient : noSubscription, use ? registry.peekClient : noClient, noClient);
}

/**
 * `<marketing-team>` for React: props are set as element properties (`client`, `getToken` and
 * `strings` are objects, not attributes) and the `mt-*` DOM events are typed props. Inside a
 * `MarketingTeamProvider` and without `endpoint` or `client`, it shares the provider's client
 * (set after the first commit, so server rendering opens nothing) and its tokens.
 */
export const MarketingTeam: ForwardRefExoticComponent<MarketingTeamProps & RefAttributes<MarketingTeamElement>> = forwardRef<
  MarketingTeamElement,
  MarketingTeamProps
>(function MarketingTeam(props, ref) {
  const registry = useContext(RegistryContext);
  const scopedSession = useContext(SessionContext);
  const inherit = props.client === undefined && props.endpoint === undefined && registry !== null;
  const providerClient = useProviderClient(registry, inherit);
  const session = props.session ?? scopedSession ?? undefined;
  const fromProvider =
    inherit && props.token === undefined && props.getToken === undefined ? { getToken: registry.resolveToken } : {};
  return createElement(Element, {
    ...props,
    ...fromProvider,
    ...(inherit && providerClient ? { client: providerClient } : {}),
    ...(session !== undefined ? { session } : {}),
    ref,
  } as React.ComponentProps<typeof Element>);
});
MarketingTeam.displayName = 'MarketingTeam';
