/**
 * JSON with object keys sorted at every level and `undefined` members dropped, so two values
 * that mean the same thing serialise to the same bytes whatever order their keys were written in.
 * Hashes of definitions are taken over this form.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : sortKeys(item)));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const inner = (value as Record<string, unknown>)[key];
      if (inner !== undefined && typeof inner !== 'function') out[key] = sortKeys(inner);
    }
    return out;
  }
  return value;
}
