const MAX_PATH_LENGTH = 1024;

/**
 * Checks and normalises a stream path (the URL path below the handler's base path): it must
 * start with `/`, stay under 1024 characters, and contain no empty, `.` or `..` segment and no
 * control character, so a path can never climb out of its namespace.
 */
export function normalizeStreamPath(path: string): string | undefined {
  if (!path.startsWith('/') || path.length > MAX_PATH_LENGTH) return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return undefined;
  const segments = path.slice(1).split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) return undefined;
  return path;
}
