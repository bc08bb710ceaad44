import * as z from 'zod/mini';
// English messages before anything is parsed (see the file).
import '../protocol/_english-messages.js';
import type { SessionRecord } from '../protocol/index.js';
import { SessionEventSchema, SessionRecordSchema } from '../protocol/events.js';
import { OffsetSchema, SessionIdSchema } from '../protocol/limits.js';

const KNOWN_EVENT_TYPES: ReadonlySet<string> = new Set(
  SessionEventSchema.def.options.flatMap((option) => option.shape.type.def.values),
);

/** A stored record whose event type this client does not know (written by a newer server). */
const UnknownRecordSchema = z.object({
  offset: OffsetSchema.check(z.minimum(1)),
  at: z.number().check(z.int(), z.nonnegative()),
  event: z.looseObject({ type: z.string().check(z.minLength(1), z.maxLength(100)) }).check(
    z.refine((event) => !KNOWN_EVENT_TYPES.has(event.type), { message: 'a known event type with an invalid body' }),
  ),
});

const LenientEventsFrameSchema = z.object({
  type: z.literal('events'),
  session: SessionIdSchema,
  epoch: z.string(),
  batch: z.array(z.union([SessionRecordSchema, UnknownRecordSchema])),
});

/**
 * Re-reads an `events` frame that failed strict validation, accepting records of event types
 * this client does not know. The protocol lets a newer server add event types that older
 * clients ignore; the reducer skips them and only moves its offset. Returns undefined when the
 * frame is invalid for another reason.
 */
export function parseEventsLeniently(raw: unknown): { session: string; epoch: string; batch: SessionRecord[] } | undefined {
  const parsed = LenientEventsFrameSchema.safeParse(raw);
  // Unknown records reach the reducer as they are; its exhaustive switch treats them as no-ops.
  return parsed.success ? (parsed.data as { session: string; epoch: string; batch: SessionRecord[] }) : undefined;
}
