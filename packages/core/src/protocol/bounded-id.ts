import { sha256Hex } from '../team/_hash.js';
import { MAX_ID_LENGTH } from './limits.js';

/**
 * A composite id (`<runId>:<step>`, `<taskId>.message.2`) that fits `IdSchema`: the id itself when
 * it fits, else its first 100 characters, a dot and 16 hex digits of the SHA-256 of the whole, so a
 * shortened id still reads like the original, stays distinct, and is the same on every node.
 */
export function boundedId(id: string): string {
  return id.length <= MAX_ID_LENGTH ? id : `${id.slice(0, 100)}.${sha256Hex(id).slice(0, 16)}`;
}
