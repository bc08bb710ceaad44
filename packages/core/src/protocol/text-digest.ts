import * as z from 'zod/mini';
// English messages before anything is parsed (see the file).
import './_english-messages.js';

/**
 * A message's text as of one offset, summarised: its length in UTF-16 code units and a 64-bit
 * running hash of those code units (two FNV-1a lanes, 16 lowercase hex digits). The server
 * computes it from the text it holds, the client from the text it shows; equal digests mean the
 * client holds exactly the server's text (protocol section 3.10).
 */
export const TextDigestSchema = z.object({
  length: z.number().check(z.int(), z.nonnegative()),
  hash: z.string().check(z.regex(/^[0-9a-f]{16}$/, 'use 16 lowercase hex digits')),
});
export type TextDigest = z.infer<typeof TextDigestSchema>;

const LANE_1_START = 0x811c9dc5;
const LANE_2_START = 0x2f6b8a1d;
const LANE_1_PRIME = 0x01000193;
// A second odd multiplier, so the two lanes disagree on what collides.
const LANE_2_PRIME = 0x5bd1e995;

function hex(lane: number): string {
  return (lane >>> 0).toString(16).padStart(8, '0');
}

/**
 * The digest of `text` appended to a text whose digest is `digest` (the empty text when absent).
 * It costs the length of `text`, not of the whole message: the hash is a running one.
 */
export function extendTextDigest(digest: TextDigest | undefined, text: string): TextDigest {
  let lane1 = digest ? Number.parseInt(digest.hash.slice(0, 8), 16) : LANE_1_START;
  let lane2 = digest ? Number.parseInt(digest.hash.slice(8), 16) : LANE_2_START;
  for (let index = 0; index < text.length; index += 1) {
    const unit = text.charCodeAt(index);
    lane1 = Math.imul(lane1 ^ unit, LANE_1_PRIME);
    lane2 = Math.imul(lane2 ^ unit, LANE_2_PRIME);
  }
  return { length: (digest?.length ?? 0) + text.length, hash: hex(lane1) + hex(lane2) };
}

/** The digest of a whole text. */
export function digestText(text: string): TextDigest {
  return extendTextDigest(undefined, text);
}

/** True when `text` is exactly the text `digest` was computed from (same length, same hash). */
export function matchesTextDigest(text: string, digest: TextDigest): boolean {
  return text.length === digest.length && digestText(text).hash === digest.hash;
}
