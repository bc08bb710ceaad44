const encoder = new TextEncoder();

/** UTF-8 bytes of a value's JSON text: the size Ably counts for a JSON `data` payload. */
export function jsonBytes(value: unknown): number {
  return encoder.encode(JSON.stringify(value)).byteLength;
}

/** Bytes one code point takes inside a JSON string literal (escapes included), as `JSON.stringify` writes it. */
function escapedBytes(codePoint: number): number {
  if (codePoint === 0x22 || codePoint === 0x5c) return 2; // \" and \\
  if (codePoint < 0x20) return 6; // \u00XX at worst
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) return 6; // a lone surrogate is escaped
  if (codePoint < 0x10000) return 3;
  return 4;
}

/** Splits `text` into slices whose JSON-escaped UTF-8 size is at most `maxBytes`, never inside a code point. */
export function splitByJsonBytes(text: string, maxBytes: number): string[] {
  const slices: string[] = [];
  let current = '';
  let size = 0;
  for (const char of text) {
    const cost = escapedBytes(char.codePointAt(0) ?? 0);
    if (size + cost > maxBytes && current.length > 0) {
      slices.push(current);
      current = '';
      size = 0;
    }
    current += char;
    size += cost;
  }
  if (current.length > 0) slices.push(current);
  return slices;
}
