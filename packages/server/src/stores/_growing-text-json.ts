/** Texts shorter than this are escaped whole: keeping them would save next to nothing. */
const MIN_KEPT_LENGTH = 4096;

/** Most texts kept: the messages of a session that stream at the same time. */
const KEPT_TEXTS = 16;

/**
 * `JSON.stringify` of texts that grow by appending, as a streaming message's text does. Per key
 * (a message id), the last long text seen and its escaped form are kept; a text that starts with
 * it has only its new end escaped, joined to the kept form. A session snapshotted every 1,000
 * deltas of one long message otherwise escapes the whole message each time (1-2 ms for 230 KB
 * here, most of a snapshot's cost), where comparing the kept part costs a few microseconds. The
 * prefix is compared on the text itself, so a key reused for another text only misses.
 */
export class GrowingTextJson {
  readonly #kept = new Map<string, { text: string; escaped: string }>();

  /** `JSON.stringify(text)`, reusing what was kept for `key` when `text` extends it. */
  json(key: string, text: string): string {
    if (text.length < MIN_KEPT_LENGTH) return JSON.stringify(text);
    const kept = this.#kept.get(key);
    let escaped: string;
    if (kept !== undefined && extends_(text, kept.text)) {
      escaped = text.length === kept.text.length ? kept.escaped : kept.escaped + JSON.stringify(text.slice(kept.text.length)).slice(1, -1);
    } else escaped = JSON.stringify(text).slice(1, -1);
    // Newest last, so the first is the one least recently used.
    this.#kept.delete(key);
    this.#kept.set(key, { text, escaped });
    if (this.#kept.size > KEPT_TEXTS) this.#kept.delete(this.#kept.keys().next().value!);
    return `"${escaped}"`;
  }
}

/**
 * Whether `text` starts with `start`, and escaping the rest alone gives the same JSON: not when
 * `start` ends in a high surrogate, which alone is escaped and followed by a low one is not.
 * A slice compared with `===` (a memory compare) is far cheaper than `startsWith` on long texts.
 */
function extends_(text: string, start: string): boolean {
  if (text.length < start.length || text.slice(0, start.length) !== start) return false;
  const last = start.charCodeAt(start.length - 1);
  return !(last >= 0xd800 && last <= 0xdbff);
}
