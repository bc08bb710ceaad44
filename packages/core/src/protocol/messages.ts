import type { MessageState, SessionState } from './state.js';

/**
 * How many buckets `SessionState.messageBuckets` spreads messages over. A text delta copies one
 * bucket (about messages ÷ 256 entries) and the 256-slot list, so its cost stays flat from a
 * hundred messages to tens of thousands, where copying one map of every message grew with each.
 */
export const MESSAGE_BUCKET_COUNT = 256;

/** The bucket a message id lives in: FNV-1a of the id, modulo `MESSAGE_BUCKET_COUNT`. */
export function messageBucketIndex(messageId: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < messageId.length; index += 1) {
    hash ^= messageId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % MESSAGE_BUCKET_COUNT;
}

/** A list of `MESSAGE_BUCKET_COUNT` empty buckets: the messages of a new session. */
export function emptyMessageBuckets(): Record<string, MessageState>[] {
  return Array.from({ length: MESSAGE_BUCKET_COUNT }, () => ({}));
}

/** The message with this id, if the state holds one. */
export function findMessage(state: Pick<SessionState, 'messageBuckets'>, messageId: string): MessageState | undefined {
  const bucket = state.messageBuckets[messageBucketIndex(messageId)];
  return bucket && Object.hasOwn(bucket, messageId) ? bucket[messageId] : undefined;
}

/** Every message of the state, in no particular order (order them by `startedAt` to show them). */
export function listMessages(state: Pick<SessionState, 'messageBuckets'>): MessageState[] {
  const messages: MessageState[] = [];
  for (const bucket of state.messageBuckets) for (const id in bucket) if (Object.hasOwn(bucket, id)) messages.push(bucket[id]!);
  return messages;
}
