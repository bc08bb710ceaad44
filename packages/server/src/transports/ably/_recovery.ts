import type { ServerFrame, SessionRecord } from '@marketing-team/core';
import type { SessionGrant } from '../../auth/index.js';
import type { SessionHub } from '../../sessions/session-hub.js';
import type { SessionSubscriber, SubscribePosition } from '../../sessions/session-subscriber.js';
import type { AblyRecoveryData } from './ably-wire.js';

/**
 * What a client that lost Ably continuity needs from the server, built by the same hub logic as a
 * WebSocket subscription: replay after `from` when the log still holds it, else a snapshot.
 */
export async function collectRecovery(
  hub: SessionHub,
  session: string,
  grant: SessionGrant,
  position: SubscribePosition,
): Promise<AblyRecoveryData> {
  let subscribed: ServerFrame | undefined;
  let snapshot: ServerFrame | undefined;
  const records: SessionRecord[] = [];
  const subscriber: SessionSubscriber = {
    clientId: `ably-recovery`,
    userId: grant.userId,
    subscribed: (frame) => {
      subscribed = frame;
    },
    snapshot: (json) => {
      snapshot = JSON.parse(json) as ServerFrame;
    },
    deliver: (batch) => {
      const last = records[records.length - 1]?.offset ?? 0;
      for (const record of batch.records) if (record.offset > last) records.push(record);
    },
    presence: () => undefined,
  };
  const subscription = await hub.subscribe(session, grant, subscriber, position);
  subscription.close();
  if (!subscribed) throw new Error('the hub answered no subscribed frame');
  const data: AblyRecoveryData = { subscribed, records };
  if (snapshot) data.snapshot = snapshot;
  return data;
}
