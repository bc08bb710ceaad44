import { findMessage, type SessionRecord, type SessionState, type TextDigest } from '@marketing-team/core';

/** Characters of a streaming message between two digests the server sends of it. */
export const DIGEST_EVERY_CHARS = 4096;

/** One entry of an `events` frame's `digests`. */
export type MessageDigest = { messageId: string } & TextDigest;

/**
 * Decides which messages' digests ride on a live `events` frame (protocol section 3.10): a
 * message's when it ends, and when it has grown by `DIGEST_EVERY_CHARS` since the last one, so
 * verification costs a client a few hashes per message, not one per delta.
 */
export class DigestSchedule {
  /** Length of each streaming message when its digest was last sent. */
  readonly #sentAt = new Map<string, number>();

  /** The digests to send with `records`, read from `state`, the state after the last of them. */
  digestsFor(records: readonly SessionRecord[], state: SessionState): MessageDigest[] | undefined {
    let digests: MessageDigest[] | undefined;
    const seen = new Set<string>();
    for (let index = records.length - 1; index >= 0; index -= 1) {
      const event = records[index]!.event;
      if (event.type !== 'text.delta' && event.type !== 'message.completed') continue;
      if (seen.has(event.messageId)) continue;
      seen.add(event.messageId);
      const message = findMessage(state, event.messageId);
      const digest = message?.digest;
      if (!message || !digest) continue;
      const ended = message.status !== 'streaming';
      if (!ended && digest.length - (this.#sentAt.get(event.messageId) ?? 0) < DIGEST_EVERY_CHARS) continue;
      if (ended) this.#sentAt.delete(event.messageId);
      else this.#sentAt.set(event.messageId, digest.length);
      (digests ??= []).push({ messageId: event.messageId, length: digest.length, hash: digest.hash });
    }
    return digests;
  }
}
