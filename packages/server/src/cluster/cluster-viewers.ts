import { z } from 'zod';
import { protocolErrorFromZod } from '@marketing-team/core';

/**
 * Who watches a session, across server nodes. Each node reports how many subscribers of a
 * session it has; the node that runs a run adds the other nodes' counts to its own, so a run's
 * `whenUnwatched` policy (pause or cancel) counts a viewer wherever it is connected. A node's
 * counts expire unless it keeps reporting them, so the viewers of a node that died drop out.
 */
export interface ClusterViewers {
  /** This node's subscribers of `session` now (0 when it has none left). */
  report(session: string, count: number): void;
  /**
   * Follows the viewers of `session` on the other nodes: `listener` gets their total once it is
   * known and on every change. Returns the function that stops following.
   */
  watch(session: string, listener: (others: number) => void): () => void;
  /** Withdraws this node's counts and stops; the counts of a node that never closes expire. */
  close(): Promise<void>;
}

const ClusterViewersSchema = z.optional(
  z.custom<ClusterViewers>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as ClusterViewers).report === 'function' &&
      typeof (value as ClusterViewers).watch === 'function' &&
      typeof (value as ClusterViewers).close === 'function',
    'expected cluster viewers (report, watch and close), such as a RedisClusterViewers',
  ),
);

/** Checks the `clusterViewers` option; a wrong value is a `ProtocolError` naming it. */
export function parseClusterViewers(value: unknown): ClusterViewers | undefined {
  const parsed = ClusterViewersSchema.safeParse(value);
  if (!parsed.success) throw protocolErrorFromZod(parsed.error, 'options.clusterViewers');
  return parsed.data;
}
