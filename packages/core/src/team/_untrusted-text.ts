import { bytesToHex, randomBytes } from '@noble/hashes/utils';
import { sha256Hex } from './_hash.js';

/**
 * Quoting of text the prompt does not own (briefs, brand documents, upstream deliverables,
 * steering, reviewer comments) so the model can always tell it apart from the prompt's own
 * instructions: each piece sits between an opening and a closing tag that carry the same id,
 * and nothing inside can look like a heading of the prompt or like one of its tags.
 */

/** Tag names the prompts quote with; a text may never open or close one of them itself. */
const TAG_PATTERN = /<(\s*\/?\s*untrusted-)/gi;

/** A fresh, unguessable delimiter id: a sender cannot close a block it cannot name. */
export function randomDelimiterId(): string {
  return bytesToHex(randomBytes(8));
}

/**
 * A delimiter id derived from the content, for blocks that must be byte-identical across
 * requests (the cached brand prefix). Forging its closing tag would need a text that contains
 * its own hash; tags are escaped anyway.
 */
export function contentDelimiterId(content: string): string {
  return sha256Hex(content).slice(0, 16);
}

/**
 * Makes untrusted text inert inside a prompt: a line starting with `#` is escaped (`\#`), so
 * it cannot mimic one of the prompt's own section headings, and a `<` that would open or close
 * one of the prompt's tags becomes `&lt;`. Carriage returns become newlines first, so a lone
 * `\r` cannot start a line that escapes the check.
 */
export function neutraliseUntrustedText(text: string): string {
  return text
    .replace(/\r\n?|[\u2028\u2029\u0085\v\f]/g, '\n')
    .replace(TAG_PATTERN, '&lt;$1')
    .split('\n')
    .map((line) => line.replace(/^(\s*)#/, '$1\\#'))
    .join('\n');
}

/** Untrusted text made safe to sit on one line of the prompt (a name inside a heading). */
export function untrustedLine(text: string): string {
  return neutraliseUntrustedText(text).replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * Wraps untrusted text in `<tag id="…">` … `</tag id="…">`; `tag` is one of the prompt's own
 * names (`untrusted-brief`, `untrusted-input`, …), never user text.
 */
export function quoteUntrusted(tag: string, id: string, text: string): string {
  return `<${tag} id="${id}">\n${neutraliseUntrustedText(text)}\n</${tag} id="${id}">`;
}
