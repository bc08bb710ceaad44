import { useSyncExternalStore } from 'react';
import type { ConnectionState } from '@marketing-team/core/client';
import { useRegistry } from './internal/_context.js';
import { getInitialConnection } from './internal/_initial-state.js';

/**
 * The provider's connection: `status` (`connecting`, `live`, `reconnecting`, `offline`), the
 * reconnect `attempt`, `queued` unacknowledged messages and `lastResume` (events caught up by
 * the last reconnect). `connecting` on the server and before the first commit.
 */
export function useConnection(): ConnectionState {
  const registry = useRegistry();
  return useSyncExternalStore(registry.subscribeConnection, registry.getConnection, getInitialConnection);
}
