import { createElement, useLayoutEffect, type ReactNode } from 'react';
import * as z from 'zod/mini';
import { SessionContext, useRegistry } from './internal/_context.js';
import { AuthPropsSchema, SessionArgumentSchema, parseArgument } from './internal/_validate.js';

/** Props of {@link MarketingTeamSession}. */
export interface MarketingTeamSessionProps {
  /** The session the hooks below use when they are given none. */
  session: string;
  /** A token for this session (over the provider's). */
  token?: string;
  /** Fetches tokens for this session (over the provider's). */
  getToken?: (session: string) => string | Promise<string>;
  children?: ReactNode;
}

const PropsSchema = z.extend(AuthPropsSchema, { session: SessionArgumentSchema });

/**
 * Scopes a subtree to one session: `useSession()`, `useRun()`, `useAgentStream(agent)` and the
 * other hooks below it read this session unless given another. Optionally gives the session its
 * own token. Throws a `SessionClientError` (`invalid_argument`, naming the prop) for bad props.
 */
export function MarketingTeamSession(props: MarketingTeamSessionProps): ReactNode {
  const { session, token, getToken } = parseArgument(PropsSchema as z.ZodMiniType<MarketingTeamSessionProps>, props, 'props');
  const registry = useRegistry();
  useLayoutEffect(() => {
    if (token === undefined && getToken === undefined) return undefined;
    return registry.setSessionAuth(session, { token, getToken });
  }, [registry, session, token, getToken]);
  return createElement(SessionContext.Provider, { value: session }, props.children);
}
