import { useSyncExternalStore } from 'react';
import type { SessionClient } from '@marketing-team/core/client';
import { useRegistry } from './internal/_context.js';

const noClient = (): undefined => undefined;

/**
 * The provider's `SessionClient`, for code that needs the headless client itself (or to share
 * it with a `<MarketingTeam>` element). `undefined` on the server and in the first render: the
 * client is created after the first commit.
 */
export function useSessionClient(): SessionClient | undefined {
  const registry = useRegistry();
  return useSyncExternalStore(registry.subscribeClient, registry.peekClient, noClient);
}
