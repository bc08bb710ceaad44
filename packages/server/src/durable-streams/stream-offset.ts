/**
 * Durable Streams offsets are opaque strings that sort lexicographically in stream order. Ours
 * carry our integer offsets: `<16-digit segment>_<16-digit position>`, zero-padded so that string
 * order equals numeric order. The segment is always 0 today (reserved for a future log split);
 * the position is our integer offset: the session-log offset of the newest record covered, or
 * the number of appends (batches) for a generic stream. `0000000000000000_0000000000000000`
 * is the position before the first message.
 */

const DIGITS = 16;
const OFFSET_PATTERN = /^(\d{16})_(\d{16})$/;

/** The protocol offset before the first message of any stream. */
export const ZERO_STREAM_OFFSET = formatStreamOffset(0);

/** Formats an integer offset (0, 1, 2, ...) as a protocol offset. */
export function formatStreamOffset(offset: number): string {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new RangeError(`offset: expected a non-negative safe integer, got ${offset}`);
  }
  return `${'0'.repeat(DIGITS)}_${String(offset).padStart(DIGITS, '0')}`;
}

/**
 * Parses a protocol offset back to our integer offset. Returns `undefined` when the text is not
 * an offset this server could have issued: the wrong shape, a non-zero segment, or a position
 * beyond the safe integer range. The sentinels `-1` and `now` are handled by callers.
 */
export function parseStreamOffset(text: string): number | undefined {
  const match = OFFSET_PATTERN.exec(text);
  if (!match) return undefined;
  if (Number(match[1]) !== 0) return undefined;
  const position = Number(match[2]);
  return Number.isSafeInteger(position) ? position : undefined;
}

/** True when the text has the shape of a protocol offset (whether or not this server issued it). */
export function isWellFormedStreamOffset(text: string): boolean {
  return OFFSET_PATTERN.test(text);
}
