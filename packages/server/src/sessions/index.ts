export { SessionHub } from './session-hub.js';
export type { AckFrame, SessionHubOptions, WriteFrame } from './session-hub.js';
export { RecordBatch } from './record-batch.js';
export type { HubSubscription, SessionSubscriber, SubscribePosition } from './session-subscriber.js';
