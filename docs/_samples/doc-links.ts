import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fencedBlocks } from './markdown-blocks.js';

/** A relative link of a Markdown file that does not resolve. */
export interface BrokenLink {
  /** The Markdown file, as given to {@link findBrokenLinks}. */
  file: string;
  /** 1-based line of the link. */
  line: number;
  target: string;
  reason: string;
}

/** A link found in Markdown text, outside code. */
export interface MarkdownLink {
  line: number;
  target: string;
}

/** Replaces the lines of fenced blocks and the text of inline code spans with spaces, keeping line numbers. */
function proseOnly(markdown: string): string[] {
  const lines = markdown.split(/\r?\n/);
  for (const block of fencedBlocks(markdown)) {
    for (let line = block.line; line <= block.endLine; line += 1) lines[line - 1] = '';
  }
  return lines.map((text) => text.replace(/(`+)[^`]*?\1/g, (span) => ' '.repeat(span.length)));
}

/** Inline links and images (`[text](target "title")`) and reference definitions (`[id]: target`). */
export function markdownLinks(markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  proseOnly(markdown).forEach((text, index) => {
    for (const match of text.matchAll(/\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+"[^"]*")?\s*\)/g)) {
      links.push({ line: index + 1, target: match[1]!.replace(/^<|>$/g, '') });
    }
    const definition = /^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/.exec(text);
    if (definition) links.push({ line: index + 1, target: definition[1]!.replace(/^<|>$/g, '') });
  });
  return links;
}

/**
 * GitHub's heading anchors: lower case, punctuation dropped (letters, digits, spaces, `-` and `_`
 * kept), spaces turned into hyphens; a repeated heading gets `-1`, `-2`, ...
 */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const counts = new Map<string, number>();
  for (const text of proseOnlyHeadings(markdown)) {
    const slug = text
      .toLowerCase()
      .replace(/<[^>]+>/g, '')
      .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
      .replace(/ /g, '-');
    const seen = counts.get(slug) ?? 0;
    counts.set(slug, seen + 1);
    anchors.add(seen === 0 ? slug : `${slug}-${seen}`);
  }
  return anchors;
}

/** Heading texts outside code blocks, with inline code kept (GitHub keeps its text in the anchor). */
function proseOnlyHeadings(markdown: string): string[] {
  const lines = markdown.split(/\r?\n/);
  const inCode = new Set<number>();
  for (const block of fencedBlocks(markdown)) for (let line = block.line; line <= block.endLine; line += 1) inCode.add(line);
  const headings: string[] = [];
  lines.forEach((text, index) => {
    if (inCode.has(index + 1)) return;
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (heading) headings.push(heading[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*]/g, ''));
  });
  return headings;
}

function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');
}

/**
 * Checks every relative link of the given Markdown files: the target file (or folder) must
 * exist, and an `#anchor` into a Markdown file must name one of its headings. External links
 * (`https:`, `mailto:`) are not fetched.
 */
export function findBrokenLinks(files: readonly string[], root: string): BrokenLink[] {
  const broken: BrokenLink[] = [];
  const anchorsOf = new Map<string, Set<string>>();
  const anchors = (path: string): Set<string> => {
    let found = anchorsOf.get(path);
    if (!found) {
      found = headingAnchors(readFileSync(path, 'utf8'));
      anchorsOf.set(path, found);
    }
    return found;
  };
  for (const file of files) {
    const absolute = resolve(root, file);
    for (const link of markdownLinks(readFileSync(absolute, 'utf8'))) {
      if (isExternal(link.target)) continue;
      const hash = link.target.indexOf('#');
      const pathPart = hash >= 0 ? link.target.slice(0, hash) : link.target;
      const fragment = hash >= 0 ? decodeURIComponent(link.target.slice(hash + 1)) : '';
      let decodedPath: string;
      try {
        decodedPath = decodeURIComponent(pathPart.split('?')[0]!);
      } catch {
        broken.push({ file, line: link.line, target: link.target, reason: 'malformed URL escape' });
        continue;
      }
      const target = decodedPath === '' ? absolute : resolve(dirname(absolute), decodedPath);
      if (!existsSync(target)) {
        broken.push({ file, line: link.line, target: link.target, reason: 'no such file' });
        continue;
      }
      if (fragment && target.endsWith('.md') && statSync(target).isFile() && !anchors(target).has(fragment)) {
        broken.push({ file, line: link.line, target: link.target, reason: `no heading with the anchor #${fragment}` });
      }
    }
  }
  return broken;
}
