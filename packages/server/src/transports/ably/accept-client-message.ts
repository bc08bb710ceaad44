import type { Actor, ClientFrameOf, SessionEvent } from '@marketing-team/core';

/** Which inbound channel a message arrived on; Ably's capability check already proved the sender may publish there. */
export type InboundChannelKind = 'input' | 'control';

/** A validated client message, ready to be stored. */
export interface AcceptedClientMessage {
  session: string;
  clientMsgId: string;
  /** The event to store; its `by` is the actor. */
  event: SessionEvent;
  /** The sender, from the Ably `clientId` bound into its token request (never from the message body). */
  actor: Actor;
  /** The frame as sent. */
  frame: ClientFrameOf<'publish' | 'cancel' | 'steer'>;
}

/** Stores a validated client event idempotently by `clientMsgId`; answers the offset it has in the log. */
export type AcceptClientMessage = (message: AcceptedClientMessage) => Promise<{ offset: number; duplicate: boolean }>;
