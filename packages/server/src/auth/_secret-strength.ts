/**
 * Why a signing secret is too weak to use, or `undefined` when it will do.
 *
 * Length alone is not enough: a sample's placeholder (`replace-me-with-32-random-bytes-or-more`)
 * is 39 characters long, and anyone who read the docs can forge tokens with it. So known
 * placeholder wording is refused, and so are secrets whose characters (or bytes) are too few
 * or too repetitive to have come from a random source.
 */
export function weakSecretReason(secret: string | Uint8Array): string | undefined {
  if (typeof secret === 'string') {
    if (PLACEHOLDER.test(secret)) return 'looks like a placeholder from a sample; generate one with `openssl rand -hex 32`';
  }
  const symbols = typeof secret === 'string' ? [...secret] : [...secret].map(String);
  const counts = new Map<string, number>();
  for (const symbol of symbols) counts.set(symbol, (counts.get(symbol) ?? 0) + 1);
  if (counts.size < MIN_DISTINCT) return `uses only ${counts.size} distinct symbols; use random bytes (e.g. \`openssl rand -hex 32\`)`;
  let bitsPerSymbol = 0;
  for (const count of counts.values()) {
    const p = count / symbols.length;
    bitsPerSymbol -= p * Math.log2(p);
  }
  if (bitsPerSymbol < MIN_BITS_PER_SYMBOL) return 'is too repetitive to be random; use random bytes (e.g. `openssl rand -hex 32`)';
  return undefined;
}

// Random hex has 16 symbols and ~3.9 bits each over 64 characters; base64 more. A secret typed
// by hand or repeated ("aaaa…", "abcabc…") falls well below both floors.
const MIN_DISTINCT = 10;
const MIN_BITS_PER_SYMBOL = 3;

/** Wording that only a sample or a tutorial puts in a secret. */
const PLACEHOLDER = /replace[-_ .]?me|change[-_ .]?me|change[-_ .]?this|placeholder|your[-_ .]?(own[-_ .]?)?secret|insert[-_ .]?secret|example[-_ .]?secret|random[-_ .]?bytes|not[-_ .]?a[-_ .]?secret|super[-_ .]?secret/i;
