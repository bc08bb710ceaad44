import { createHash } from 'node:crypto';

/** Ids in events are at most 128 characters of a safe alphabet; long composites are shortened by hash. */
export function composeId(...parts: Array<string | number>): string {
  const id = parts.join('.');
  if (id.length <= 128) return id;
  return `${id.slice(0, 100)}.${createHash('sha256').update(id).digest('hex').slice(0, 16)}`;
}
