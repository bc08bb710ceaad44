import { StreamHttpError } from './_stream-error.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Turns the body of a JSON-mode append into one stored batch: the values, each re-serialised,
 * joined by commas (so a read is `[` + batches joined by commas + `]`). A top-level array is
 * flattened one level. Returns `undefined` for `[]`, which only a create may send.
 */
export function jsonBatchFromBody(body: Uint8Array, allowEmpty: boolean): Uint8Array | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(body));
  } catch {
    throw new StreamHttpError(400, 'body: invalid JSON');
  }
  // One value (the usual append) is re-serialised alone, with no array around it.
  if (!Array.isArray(parsed)) return encoder.encode(JSON.stringify(parsed));
  if (parsed.length === 0) {
    if (allowEmpty) return undefined;
    throw new StreamHttpError(400, 'body: empty JSON arrays are not allowed');
  }
  return encoder.encode(parsed.map((value) => JSON.stringify(value)).join(','));
}

/** The values of a stored batch. */
export function jsonValuesOfBatch(batch: Uint8Array): unknown[] {
  return JSON.parse(`[${decoder.decode(batch)}]`) as unknown[];
}

/** A JSON array holding every value of the given batches. */
export function jsonArrayOfBatches(batches: readonly Uint8Array[]): string {
  return `[${batches.map((batch) => decoder.decode(batch)).join(',')}]`;
}
