import { findMessage, type SessionRecord, type SessionState, type TextDigest } from '@marketing-team/core';

/** Characters of a streaming message between two digests the server sends of it. */
export const DIGEST_EVERY_CHARS = 4096;

/** One entry of an `events` frame's `digests`. */
export type MessageDigest = { messageId: string } & TextDigest;

/** A streaming message the schedule follows: its length when its digest was last sent, and now. */
interface Followed {
  sentAt: number;
  length: number;
}

/**
 * Decides which messages' digests ride on a live `events` frame (protocol section 3.10): a
 * message's when it ends, and when it has grown by `DIGEST_EVERY_CHARS` since the last one, so
 * verification costs a client a few hashes per message, not one per delta.
 *
 * Between two digests a message's growth is counted from its deltas' text, so the state (which
 * the server reduces only when something reads it) is read when a digest is due, a message ends,
 * or a message is new to the schedule: not for every delta.
 */
export class DigestSchedule {
  readonly #followed = new Map<string, Followed>();

  /** The digests to send with `records`, read from `state()`, the state after the last of them. */
  digestsFor(records: readonly SessionRecord[], state: () => SessionState): MessageDigest[] | undefined {
    let gained: Map<string, number> | undefined;
    let ended: Set<string> | undefined;
    for (const record of records) {
      const event = record.event;
      if (event.type === 'text.delta') (gained ??= new Map()).set(event.messageId, (gained.get(event.messageId) ?? 0) + event.text.length);
      else if (event.type === 'message.completed') (ended ??= new Set()).add(event.messageId);
    }
    if (!gained && !ended) return undefined;
    let read: SessionState | undefined;
    let digests: MessageDigest[] | undefined;
    const seen = new Set<string>();
    for (let index = records.length - 1; index >= 0; index -= 1) {
      const event = records[index]!.event;
      if (event.type !== 'text.delta' && event.type !== 'message.completed') continue;
      const id = event.messageId;
      if (seen.has(id)) continue;
      seen.add(id);
      const followed = this.#followed.get(id);
      if (followed && !ended?.has(id)) {
        followed.length += gained?.get(id) ?? 0;
        if (followed.length - followed.sentAt < DIGEST_EVERY_CHARS) continue;
      }
      const message = findMessage((read ??= state()), id);
      const digest = message?.digest;
      if (!message || !digest) continue;
      if (message.status !== 'streaming') {
        this.#followed.delete(id);
      } else {
        const entry = followed ?? { sentAt: 0, length: 0 };
        // The state's length, not the count: it corrects a count that text the reducer ignored inflated.
        entry.length = digest.length;
        this.#followed.set(id, entry);
        if (digest.length - entry.sentAt < DIGEST_EVERY_CHARS) continue;
        entry.sentAt = digest.length;
      }
      (digests ??= []).push({ messageId: id, length: digest.length, hash: digest.hash });
    }
    return digests;
  }
}
