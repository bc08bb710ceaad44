import { LineCounter, isMap, isScalar, parseDocument, stringify, type Document } from 'yaml';
import { FormatError } from './format-error.js';

/** A Markdown file split into its YAML frontmatter and body, with line lookups for errors. */
export interface Frontmatter {
  data: Record<string, unknown>;
  body: string;
  /** File line of a frontmatter key (or of a nested path), 1 when unknown. */
  lineOf(path: readonly (string | number)[]): number;
}

/**
 * Splits and parses frontmatter strictly, failing with a `FormatError` (file and line) in every
 * case where Claude Code would silently drop fields: no opening or closing `---`, tabs used for
 * indentation, invalid YAML, duplicate keys, or a frontmatter that is not a mapping.
 */
export function parseFrontmatter(path: string, content: string): Frontmatter {
  const text = content.replace(/^\uFEFF/, '');
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trimEnd() !== '---') {
    throw new FormatError(path, 1, 'missing frontmatter: the file must start with a "---" line');
  }
  const close = lines.findIndex((line, i) => i > 0 && line.trimEnd() === '---');
  if (close < 0) throw new FormatError(path, 1, 'the frontmatter opened on line 1 is never closed with a "---" line');
  const yamlLines = lines.slice(1, close);
  yamlLines.forEach((line, i) => {
    if (/^[ ]*\t/.test(line)) {
      throw new FormatError(path, i + 2, 'tab used for indentation in the YAML frontmatter; indent with spaces');
    }
  });
  const source = yamlLines.join('\n');
  const counter = new LineCounter();
  const doc: Document = parseDocument(source, { lineCounter: counter, uniqueKeys: true, prettyErrors: true, strict: true });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const line = (problem.linePos?.[0]?.line ?? 1) + 1;
    throw new FormatError(path, line, `invalid YAML frontmatter: ${problem.message.split('\n')[0]}`);
  }
  const contents = doc.contents;
  if (contents !== null && !isMap(contents)) {
    throw new FormatError(path, 2, 'the frontmatter must be a mapping of "key: value" lines');
  }
  const data = (doc.toJS() ?? {}) as Record<string, unknown>;
  const lineOf = (keys: readonly (string | number)[]): number => {
    for (let depth = keys.length; depth > 0; depth--) {
      const node = doc.getIn(keys.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
      // for scalars getIn returns the value node; its line is the key's line in block mappings
      const range = node && (isScalar(node) || typeof node === 'object') ? node.range : undefined;
      if (range) return counter.linePos(range[0]).line + 1;
    }
    if (isMap(contents) && keys.length > 0) {
      const pair = contents.items.find((item) => isScalar(item.key) && item.key.value === keys[0]);
      const range = pair && isScalar(pair.key) ? pair.key.range : undefined;
      if (range) return counter.linePos(range[0]).line + 1;
    }
    return 1;
  };
  let body = lines.slice(close + 1).join('\n');
  body = body.replace(/^\s*\n/, '').trimEnd();
  return { data, body, lineOf };
}

/** Writes a Markdown file with YAML frontmatter (no line folding, so values read back unchanged). */
export function writeFrontmatter(data: Record<string, unknown>, body: string): string {
  const defined = Object.fromEntries(Object.entries(data).filter(([, value]) => value !== undefined));
  // YAML 1.1 quoting ("yes", "on" quoted) keeps strings strings for older YAML parsers too, and
  // without block scalars a multi-line value never puts a tab at the start of a line
  const yaml = stringify(defined, { lineWidth: 0, minContentWidth: 0, blockQuote: false, version: '1.1' });
  return `---\n${yaml}---\n${body ? `\n${body.trimEnd()}\n` : ''}`;
}
