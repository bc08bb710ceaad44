import type { ServerFrameOf } from '@marketing-team/core';
import type { RecordBatch } from './record-batch.js';

/**
 * One connection's view of one session, as the hub sees it. Transports implement it; the hub
 * calls it in order: `subscribed`, then `snapshot` when the client needs one, then batches.
 */
export interface SessionSubscriber {
  /** Stable id of the device or tab, shown in presence. */
  readonly clientId: string;
  /** The verified user behind the connection, shown in presence. */
  readonly userId: string;
  subscribed(frame: ServerFrameOf<'subscribed'>): void;
  /** A `snapshot` frame already serialised, and the offset it stands at. */
  snapshot(frameJson: string, offset: number): void;
  /** Records the subscriber has not seen yet, in order, with no gap. */
  deliver(batch: RecordBatch): void;
  /** A `presence` or `presence.changed` frame already serialised. */
  presence(frameJson: string): void;
  /**
   * Whether the connection may see who else watches now (its current token grants `presence`).
   * Asked before each presence frame, so a refreshed token applies at once; without it the hub
   * judges by the token the subscription started with.
   */
  seesPresence?(): boolean;
  /** Resolves when the connection has room for more; lets a replay go at the client's pace. */
  drain?(): Promise<void>;
  /** The device's name and attention as it last reported them (protocol section 3.12), shown in presence. */
  attention?(): DeviceAttention | undefined;
  /** Called by the session's channel when the subscriber joins: call `changed` whenever `attention()` changes, so presence tells the others. */
  watchAttention?(changed: () => void): void;
}

/** A device's name and whether its page is focused and visible, and since when it is in use. */
export interface DeviceAttention {
  device: string;
  focused: boolean;
  visible: boolean;
  /** Server time (ms) the device last became focused (or visible, before it was ever focused). */
  activeAt: number;
}

/** Where to start a subscription: the last offset the client applied and the epoch it belongs to. */
export interface SubscribePosition {
  from?: number;
  epoch?: string;
}

/** A live subscription; `close` stops delivery and updates presence. */
export interface HubSubscription {
  close(): void;
}
