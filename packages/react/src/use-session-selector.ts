import { useCallback } from 'react';
import type { SessionState } from '@marketing-team/core/client';
import withSelector from 'use-sync-external-store/with-selector';
import { useRegistry, useSessionId } from './internal/_context.js';
import { getEmptySessionState } from './internal/_initial-state.js';
import { EqualityArgumentSchema, SelectorArgumentSchema, parseArgument } from './internal/_validate.js';

// The package is CommonJS; its default export is the `module.exports` object.
const { useSyncExternalStoreWithSelector } = withSelector;

/** Options shared by the session hooks. */
export interface SessionHookOptions {
  /** The session to read; defaults to the nearest `MarketingTeamSession` (or provider `session`). */
  session?: string;
}

/** Options of {@link useSessionSelector}. */
export interface SessionSelectorOptions<T> extends SessionHookOptions {
  /** When it says the new selection equals the last one, the component is not re-rendered. Defaults to `Object.is`. */
  isEqual?: (a: T, b: T) => boolean;
}

/**
 * Reads part of a session's reduced state and re-renders only when that part changes (by
 * `isEqual`, `Object.is` by default). The state is copy-on-write, so selecting an entity (a run,
 * a message, an agent) is stable until an event touches it. Subscribes on commit, holding the
 * session while mounted; renders the empty state on the server and before the first commit.
 */
export function useSessionSelector<T>(selector: (state: SessionState) => T, options: SessionSelectorOptions<T> = {}): T {
  parseArgument(SelectorArgumentSchema, selector, 'selector');
  parseArgument(EqualityArgumentSchema, options.isEqual, 'options.isEqual');
  const registry = useRegistry();
  const session = useSessionId(options.session);
  const subscribe = useCallback((listener: () => void) => registry.subscribe(session, listener), [registry, session]);
  const getSnapshot = useCallback(() => registry.getState(session), [registry, session]);
  return useSyncExternalStoreWithSelector(subscribe, getSnapshot, getEmptySessionState, selector, options.isEqual);
}
