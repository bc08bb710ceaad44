const MAX_PATH_LENGTH = 1024;
/** A control character, or a segment that is empty, `.` or `..` (one test, no split: every request runs it). */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f]|\/(?:\.\.?)?(?=\/|$)/;

/**
 * Checks and normalises a stream path (the URL path below the handler's base path): it must
 * start with `/`, stay under 1024 characters, and contain no empty, `.` or `..` segment and no
 * control character, so a path can never climb out of its namespace.
 */
export function normalizeStreamPath(path: string): string | undefined {
  if (!path.startsWith('/') || path.length > MAX_PATH_LENGTH) return undefined;
  return UNSAFE.test(path) ? undefined : path;
}
