import type { z } from 'zod';
import { TeamDefinitionError, type TeamDefinitionIssue } from './team-definition-error.js';

/** Formats a zod issue path as `agents[2].skills[0]`, prefixed with `prefix`. */
export function formatIssuePath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/** Turns zod issues into definition issues; an unknown key becomes an issue at that key's path. */
// typed with zod's core error so issues from `zod/mini` schemas (the protocol's) fit too
export function zodIssues(error: z.core.$ZodError, prefix = ''): TeamDefinitionIssue[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: formatIssuePath([...issue.path, key], prefix), message: 'unknown field' }))
      : [{ path: formatIssuePath(issue.path, prefix), message: issue.message }],
  );
}

/** Parses `input` with `schema`, throwing a `TeamDefinitionError` that names every offending field. */
export function parseDefinition<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new TeamDefinitionError(zodIssues(result.error, prefix));
}

/** Deep-freezes plain data so definitions cannot be changed after validation. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    // zod schemas are classes with internal caches: freezing them would break them
    if (Object.getPrototypeOf(value) !== Object.prototype && !Array.isArray(value)) return value;
    Object.freeze(value);
    for (const inner of Object.values(value as object)) deepFreeze(inner);
  }
  return value;
}
