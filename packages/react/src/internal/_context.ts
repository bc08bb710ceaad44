import { createContext, useContext } from 'react';
import { SessionClientError } from '@marketing-team/core/client';
import type { SessionRegistry } from './_session-registry.js';
import { SessionArgumentSchema, parseArgument } from './_validate.js';

export const RegistryContext = createContext<SessionRegistry | null>(null);
RegistryContext.displayName = 'MarketingTeamRegistry';

export const SessionContext = createContext<string | null>(null);
SessionContext.displayName = 'MarketingTeamSession';

/** The nearest provider's registry; throws a typed error outside a provider. */
export function useRegistry(): SessionRegistry {
  const registry = useContext(RegistryContext);
  if (!registry) {
    throw new SessionClientError('invalid_argument', 'no MarketingTeamProvider above this component: wrap the tree in <MarketingTeamProvider>', {
      field: 'MarketingTeamProvider',
    });
  }
  return registry;
}

/** The session a hook works on: the one given, else the nearest `MarketingTeamSession` or provider `session`. */
export function useSessionId(explicit: string | undefined): string {
  const scoped = useContext(SessionContext);
  const session = explicit ?? scoped;
  if (session === null) {
    throw new SessionClientError('invalid_argument', 'session: pass a session id, or render inside <MarketingTeamSession session="…"> or <MarketingTeamProvider session="…">', {
      field: 'session',
    });
  }
  return parseArgument(SessionArgumentSchema, session, 'session');
}
