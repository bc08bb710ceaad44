import { createSessionState, type ConnectionState, type SessionState } from '@marketing-team/core/client';

/**
 * What a hook shows before its session is subscribed, and on the server: one frozen object, so
 * `useSyncExternalStore` sees the same snapshot on every call (and SSR markup matches hydration).
 */
export const EMPTY_SESSION_STATE: SessionState = Object.freeze(createSessionState());

/** The connection before a client exists (server render, first client render). */
export const INITIAL_CONNECTION: ConnectionState = Object.freeze({ status: 'connecting', attempt: 0, queued: 0 });

export const getEmptySessionState = (): SessionState => EMPTY_SESSION_STATE;
export const getInitialConnection = (): ConnectionState => INITIAL_CONNECTION;
