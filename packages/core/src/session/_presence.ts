import type { ServerFrameOf } from '../protocol/frames.js';

type Viewer = ServerFrameOf<'presence'>['viewers'][number];

const key = (viewer: { clientId: string; userId: string }): string => `${viewer.userId}\n${viewer.clientId}`;

/**
 * The viewers after a `presence.changed` frame. Applied idempotently: a join of a viewer already
 * listed replaces it and a leave of one not listed does nothing, because a client that joined
 * between two coalesced frames may hear of a change its first `presence` list already showed.
 */
export function applyPresenceChange(viewers: readonly Viewer[], change: ServerFrameOf<'presence.changed'>): Viewer[] {
  const gone = new Set([...change.left, ...change.joined].map(key));
  return [...viewers.filter((viewer) => !gone.has(key(viewer))), ...change.joined];
}
