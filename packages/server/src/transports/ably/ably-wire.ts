import { z } from 'zod';
import { IdSchema, ServerFrameSchema, SessionIdSchema, SessionRecordSchema, TextDigestSchema } from '@marketing-team/core';

/**
 * What travels in the `data` of the Ably messages on a session's log channel. The message `name`
 * says which schema applies; every received message is validated before use.
 */
export const AblyMessageName = {
  /** A batch of consecutive records (offset order, no gap). */
  records: 'records',
  /** One slice of a record too large for one Ably message; slices are joined by offset. */
  recordPart: 'record-part',
  /** Answers to client messages received over Ably: `ack` and `error` frames. */
  replies: 'replies',
} as const;

const EpochSchema = z.string().min(1).max(128);

/** `records`: consecutive stored records of one session and epoch. */
export const AblyRecordsDataSchema = z.object({
  session: SessionIdSchema,
  epoch: EpochSchema,
  batch: z.array(SessionRecordSchema).min(1).max(10_000),
  /** The server's digests of messages' text as of the batch's last record: the `events` frame's `digests` (protocol section 3.10). */
  digests: z.array(z.object({ messageId: IdSchema, ...TextDigestSchema.shape })).max(256).optional(),
});
export type AblyRecordsData = z.infer<typeof AblyRecordsDataSchema>;

/** `record-part`: slice `index` of `count` of one record's JSON text. */
export const AblyRecordPartDataSchema = z.object({
  session: SessionIdSchema,
  epoch: EpochSchema,
  offset: z.number().int().min(1),
  index: z.number().int().nonnegative(),
  count: z.number().int().min(2).max(1024),
  chunk: z.string(),
});
export type AblyRecordPartData = z.infer<typeof AblyRecordPartDataSchema>;

/** `replies`: `ack` / `error` frames answering client messages that arrived over Ably. */
export const AblyRepliesDataSchema = z.object({
  session: SessionIdSchema,
  frames: z.array(ServerFrameSchema).min(1).max(1000),
});
export type AblyRepliesData = z.infer<typeof AblyRepliesDataSchema>;

/**
 * Largest `data` we publish in one Ably message. Ably's default maximum message size is 64 KiB
 * (https://ably.com/docs/platform/pricing/limits, "Max message size"), counted over name,
 * clientId and data (https://faqs.ably.com/how-does-ably-measure-message-size); 2 KiB of headroom
 * covers the name and encoding metadata.
 */
export const DEFAULT_ABLY_MAX_MESSAGE_BYTES = 64 * 1024 - 2048;

/**
 * Ably's per-channel publish limit is 50 messages per second on every package
 * (https://ably.com/docs/platform/pricing/limits, "Message publish rate per channel"), shared by
 * all publishers; we stay under it with room for presence and retries.
 */
export const DEFAULT_ABLY_MAX_MESSAGES_PER_SECOND = 40;

/**
 * Answer of the server's recovery route (`GET <base>/ably/recover?session=&from=&epoch=`), used
 * when Ably cannot fill a gap: the `subscribed` frame, a `snapshot` frame when the client must
 * start over, and the records after the snapshot (or after `from`), in order.
 */
export const AblyRecoveryDataSchema = z.object({
  subscribed: ServerFrameSchema,
  snapshot: z.optional(ServerFrameSchema),
  records: z.array(SessionRecordSchema).max(1_000_000),
});
export type AblyRecoveryData = z.infer<typeof AblyRecoveryDataSchema>;
