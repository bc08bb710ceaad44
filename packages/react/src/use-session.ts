import { useCallback, useLayoutEffect, useSyncExternalStore } from 'react';
import type { Capability, ConnectionState, SessionClientError, SessionState, SessionViewer } from '@marketing-team/core/client';
import { useRegistry, useSessionId } from './internal/_context.js';
import { EMPTY_META, type SessionMeta } from './internal/_session-registry.js';
import { getEmptySessionState } from './internal/_initial-state.js';
import { AuthPropsSchema, parseArgument } from './internal/_validate.js';
import { useConnection } from './use-connection.js';
import { useMarketingTeamActions, type MarketingTeamActions } from './use-marketing-team-actions.js';

/**
 * How a session stands for this device:
 * - `connecting`: not subscribed yet (also on the server and in the first render);
 * - `live`: subscribed, events flow;
 * - `reconnecting` / `unreachable` / `offline`: the connection dropped (a blip, an outage of
 *   the server, no network); the state shown is what was applied before, and the client
 *   resumes from its offset when it is back;
 * - `refused`: the server refused the subscription (`error` says why: a bad or expired token).
 */
export type SessionStatus = 'connecting' | 'live' | 'reconnecting' | 'unreachable' | 'offline' | 'refused';

/** Options of {@link useSession}. */
export interface UseSessionOptions {
  /** A token for this session (over the provider's and `MarketingTeamSession`'s). */
  token?: string;
  /** Fetches tokens for this session (over the provider's and `MarketingTeamSession`'s). */
  getToken?: (session: string) => string | Promise<string>;
}

/** What {@link useSession} returns: the session's state, its standing, and the actions. */
export interface UseSessionResult extends MarketingTeamActions {
  /** The session id. */
  session: string;
  /** The reduced state (empty until the first snapshot or events arrive). */
  state: SessionState;
  status: SessionStatus;
  /** What the token allows (`read`, `write`, `control`), once the server said so. */
  capabilities: readonly Capability[];
  /** True when the token allows briefs and board edits. */
  canWrite: boolean;
  /** True when the token allows cancel, steer and review decisions. */
  canControl: boolean;
  /** Why the server refused the subscription, when it did. */
  error: SessionClientError | undefined;
  /** Devices watching the session (presence; not part of the log). */
  viewers: readonly SessionViewer[];
  /** The provider's connection. */
  connection: ConnectionState;
}

function sessionStatus(meta: SessionMeta, connection: ConnectionState): SessionStatus {
  if (meta.error) return 'refused';
  if (connection.status === 'live') return meta.epoch === undefined ? 'connecting' : 'live';
  return connection.status;
}

const getEmptyMeta = (): SessionMeta => EMPTY_META;

/**
 * Subscribes to a session (by id, or the nearest `MarketingTeamSession`'s) and returns its
 * whole reduced state, its status and capabilities, and the actions bound to it. Re-renders on
 * every applied batch; components that show one part should use `useRun`, `useAgentStream`,
 * `useDeliverables` or `useTaskBoard`, which re-render only when their part changes.
 */
export function useSession(sessionId?: string, options: UseSessionOptions = {}): UseSessionResult {
  const { token, getToken } = parseArgument(AuthPropsSchema, options, 'options');
  const registry = useRegistry();
  const session = useSessionId(sessionId);

  useLayoutEffect(() => {
    if (token === undefined && getToken === undefined) return undefined;
    return registry.setSessionAuth(session, { token, getToken });
  }, [registry, session, token, getToken]);

  const subscribe = useCallback((listener: () => void) => registry.subscribe(session, listener), [registry, session]);
  const getState = useCallback(() => registry.getState(session), [registry, session]);
  const getMeta = useCallback(() => registry.getMeta(session), [registry, session]);
  const state = useSyncExternalStore(subscribe, getState, getEmptySessionState);
  const meta = useSyncExternalStore(subscribe, getMeta, getEmptyMeta);
  const connection = useConnection();
  const actions = useMarketingTeamActions({ session });
  return {
    ...actions,
    session,
    state,
    status: sessionStatus(meta, connection),
    capabilities: meta.capabilities,
    canWrite: meta.capabilities.includes('write'),
    canControl: meta.capabilities.includes('control'),
    error: meta.error,
    viewers: meta.viewers,
    connection,
  };
}
