import { boundedId } from '@marketing-team/core';

/** An id made of parts joined by dots, shortened by hash when it would not fit an id (`boundedId`). */
export function composeId(...parts: Array<string | number>): string {
  return boundedId(parts.join('.'));
}
