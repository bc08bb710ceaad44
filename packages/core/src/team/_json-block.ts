/** Where the fenced JSON block of a model answer sits, and its body. */
export interface JsonBlock {
  /** Text before the block (the readable part). */
  before: string;
  /** Raw text inside the fence. */
  json: string;
  /** False when the stream ended before the closing fence. */
  closed: boolean;
  /** Text after the closing fence (models sometimes add a closing line). */
  after: string;
}

/**
 * Finds the last ```json fenced block of a model answer. Tolerates a missing closing fence
 * (a truncated stream) and a fence without the `json` tag when it holds an object.
 */
export function findJsonBlock(text: string): JsonBlock | undefined {
  const openings = [...text.matchAll(/(^|\n)[ \t]*```[ \t]*(json|JSON)?[ \t]*\r?\n/g)];
  for (let i = openings.length - 1; i >= 0; i--) {
    const opening = openings[i]!;
    const tagged = Boolean(opening[2]);
    const start = opening.index + opening[0].length;
    const rest = text.slice(start);
    const close = /\r?\n[ \t]*```[ \t]*(\r?\n|$)/.exec(rest);
    const body = close ? rest.slice(0, close.index) : rest;
    if (!tagged && !body.trimStart().startsWith('{')) continue;
    const after = close ? rest.slice(close.index + close[0].length).trim() : '';
    return { before: text.slice(0, opening.index).trimEnd(), json: body, closed: Boolean(close), after };
  }
  return undefined;
}

/** Parses the first JSON object in a text: a fenced block, or the outermost braces. */
export function parseJsonObject(text: string): unknown {
  const block = findJsonBlock(text);
  const candidate = block ? block.json : text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1);
  try {
    return JSON.parse(candidate);
  } catch {
    return undefined;
  }
}
