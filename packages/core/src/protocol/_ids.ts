/** A random id safe for `IdSchema`: a prefix and 16 random bytes in hex (Web Crypto, present in browsers and Node 20). */
export function createId(prefix: string): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return `${prefix}-${hex}`;
}
