/** Languages of fenced blocks that are compiled, and the file extension each is written with. */
const COMPILED_LANGUAGES: Record<string, 'ts' | 'tsx'> = { ts: 'ts', typescript: 'ts', tsx: 'tsx' };

/** The comment that exempts the block right below it from compilation; the reason is required. */
const OPT_OUT = /^<!--\s*not compiled\s*(?::\s*(.*?))?\s*-->$/;

/** A TypeScript code block of a Markdown file. */
export interface CodeSample {
  /** Path of the Markdown file, as given to {@link extractSamples}. */
  file: string;
  /** 1-based line of the opening fence; the code starts on the next line. */
  line: number;
  language: 'ts' | 'tsx';
  code: string;
}

/** A block left out with `<!-- not compiled: reason -->`. */
export interface SkippedSample {
  file: string;
  line: number;
  reason: string;
}

/** A malformed block or opt-out comment, with its location. */
export interface SampleProblem {
  file: string;
  line: number;
  message: string;
}

/** What {@link extractSamples} found in one file. */
export interface ExtractedSamples {
  samples: CodeSample[];
  skipped: SkippedSample[];
  problems: SampleProblem[];
}

/** A fenced block of any language, as found by {@link fencedBlocks}. */
export interface FencedBlock {
  /** 1-based line of the opening fence. */
  line: number;
  /** 1-based line of the closing fence (the last line of the file when unclosed). */
  endLine: number;
  /** First word of the info string, lower-cased (`ts`, `json`, ``). */
  language: string;
  code: string;
  closed: boolean;
}

/**
 * Finds the fenced code blocks of a Markdown text (CommonMark fences: three or more backticks or
 * tildes, closed by a fence of the same character at least as long). Indentation of an indented
 * fence (inside a list item) is removed from the code lines.
 */
export function fencedBlocks(markdown: string): FencedBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: FencedBlock[] = [];
  let open: { line: number; indent: number; fence: string; language: string; body: string[] } | undefined;
  lines.forEach((text, index) => {
    if (open) {
      const close = /^ *(`{3,}|~{3,})\s*$/.exec(text);
      if (close && close[1]![0] === open.fence[0] && close[1]!.length >= open.fence.length) {
        blocks.push({ line: open.line, endLine: index + 1, language: open.language, code: open.body.join('\n'), closed: true });
        open = undefined;
        return;
      }
      // CommonMark removes up to the fence's own indentation from each content line.
      const strip = Math.min(open.indent, /^ */.exec(text)![0].length);
      open.body.push(text.slice(strip));
      return;
    }
    const fence = /^( *)(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/.exec(text);
    if (fence) open = { line: index + 1, indent: fence[1]!.length, fence: fence[2]!, language: fence[3]!.toLowerCase(), body: [] };
  });
  if (open) blocks.push({ line: open.line, endLine: lines.length, language: open.language, code: open.body.join('\n'), closed: false });
  return blocks;
}

/**
 * Extracts every ```ts, ```typescript and ```tsx block of a Markdown text. A block whose nearest
 * non-blank line above is `<!-- not compiled: reason -->` is skipped (the reason must be given);
 * an unclosed fence is a problem.
 */
export function extractSamples(markdown: string, file: string): ExtractedSamples {
  const lines = markdown.split(/\r?\n/);
  const result: ExtractedSamples = { samples: [], skipped: [], problems: [] };
  for (const block of fencedBlocks(markdown)) {
    const language = COMPILED_LANGUAGES[block.language];
    if (!language) continue;
    if (!block.closed) {
      result.problems.push({ file, line: block.line, message: 'the code fence is never closed' });
      continue;
    }
    let above = block.line - 2;
    while (above >= 0 && lines[above]!.trim() === '') above -= 1;
    const optOut = above >= 0 ? OPT_OUT.exec(lines[above]!.trim()) : null;
    if (optOut) {
      const reason = optOut[1]?.trim() ?? '';
      if (reason) result.skipped.push({ file, line: block.line, reason });
      else result.problems.push({ file, line: above + 1, message: 'write why the block is not compiled: <!-- not compiled: reason -->' });
      continue;
    }
    result.samples.push({ file, line: block.line, language, code: block.code });
  }
  return result;
}
