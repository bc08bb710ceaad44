/** What a lane shows of an agent's answer. */
export interface LaneText {
  /** The prose before any structured block, as Markdown. */
  prose: string;
  /** Whether the answer holds (or is starting) a structured block that the lane does not show. */
  structured: boolean;
}

// A fence line that opens JSON: ```json, or a bare ``` (only counted when what follows is an object).
const FENCE = /(^|\n)[ \t]*```[ \t]*([A-Za-z]*)[ \t]*(?=\n|$)/g;

/**
 * Splits an agent's answer (Markdown, then a fenced JSON block with the deliverable's data) into
 * the prose a person reads and whether structured data follows. Works on a stream cut anywhere:
 * a fence still being typed (a last line of backticks) and a bare answer that is only JSON
 * count as structured, so the lane never shows JSON, whole or in part.
 */
export function laneText(text: string): LaneText {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return { prose: '', structured: true };
  // Fences pair up: inside another code block a fence closes it and opens nothing.
  let inside = false;
  let closedAtEnd = false;
  for (const match of text.matchAll(FENCE)) {
    if (inside) {
      inside = false;
      closedAtEnd = match.index + match[0].length === text.length;
      continue;
    }
    const tag = match[2]!.toLowerCase();
    const after = text.slice(match.index + match[0].length).trimStart();
    if (tag === 'json' || (tag === '' && (after === '' || after.startsWith('{') || after.startsWith('[')))) {
      return { prose: text.slice(0, match.index).trimEnd(), structured: true };
    }
    inside = true;
  }
  // A fence being typed on the last line: hide it until it says what it is.
  const partial = /(^|\n)[ \t]*`{1,3}[A-Za-z]*[ \t]*$/.exec(text);
  if (partial && !closedAtEnd) return { prose: text.slice(0, partial.index).trimEnd(), structured: false };
  return { prose: text, structured: false };
}
