// Every ```ts / ```tsx block of docs/**/*.md is type-checked against the workspace packages, and
// every relative link between the docs must resolve. A block opts out only with a visible
// `<!-- not compiled: reason -->` right above it.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBrokenLinks } from './_samples/doc-links.js';
import { extractSamples, type CodeSample, type SampleProblem, type SkippedSample } from './_samples/markdown-blocks.js';
import { compileSamples, formatSampleDiagnostic, type SampleDiagnostic } from './_samples/sample-compiler.js';

const docsDir = dirname(fileURLToPath(import.meta.url));
const root = join(docsDir, '..');

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) return [];
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return markdownFiles(path);
      return entry.name.endsWith('.md') ? [relative(root, path).split('\\').join('/')] : [];
    })
    .sort();
}

const docs = markdownFiles(docsDir);
const samples: CodeSample[] = [];
const skipped: SkippedSample[] = [];
const problems: SampleProblem[] = [];
for (const file of docs) {
  const extracted = extractSamples(readFileSync(join(root, file), 'utf8'), file);
  samples.push(...extracted.samples);
  skipped.push(...extracted.skipped);
  problems.push(...extracted.problems);
}

// The checker checks itself: a broken sample, a missing opt-out reason and a broken link are caught.
const CHECKER_FILE = '(checker self-test).md';
const checkerMarkdown = [
  '# Guide', //                                                  1
  '', //                                                         2
  '```ts', //                                                    3
  "import { defineBrand } from '@marketing-team/core';", //      4
  "const brand = defineBrand({ name: 'Acme' });", //             5 (missing fields)
  'const count: number = brand.name;', //                        6 (a string is not a number)
  '```', //                                                      7
  '', //                                                         8
  '<!-- not compiled: a shell transcript -->', //                9
  '```ts', //                                                   10
  'this is not TypeScript', //                                  11
  '```', //                                                     12
  '<!-- not compiled -->', //                                   13
  '```tsx', //                                                  14
  'export {};', //                                              15
  '```', //                                                     16
  '- item', //                                                  17
  '  ```ts', //                                                 18
  "  import { createTokenIssuer } from '@marketing-team/server';", // 19
  "  export const issuer = createTokenIssuer({ secret: 'x'.repeat(32) });", // 20
  '  ```', //                                                   21
  'See [the rest](missing.md), [a section](#guide), [nowhere](#elsewhere) and `[code](nope.md)`.', // 22
].join('\n');
const checkerSamples = extractSamples(checkerMarkdown, CHECKER_FILE);

const workDirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mt-docs-samples-'));
  workDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
});

let diagnostics: SampleDiagnostic[] = [];
beforeAll(() => {
  // One program for the docs and the self-test: compiling is most of the time this file takes.
  diagnostics = compileSamples([...samples, ...checkerSamples.samples], { root, workDir: freshDir() });
});

describe('docs', () => {
  it('have TypeScript samples to check', () => {
    expect(samples.length).toBeGreaterThan(0);
  });

  it('compile under the compiler options the packages use', () => {
    expect(diagnostics.filter((diagnostic) => diagnostic.file === '(compiler options)').map(formatSampleDiagnostic)).toEqual([]);
  });

  const counted = docs.map(
    (file) =>
      [file, samples.filter((sample) => sample.file === file).length, skipped.filter((sample) => sample.file === file).length] as const,
  );
  describe.each(counted)('%s (%i TypeScript samples, %i not compiled)', (file) => {
    it('has only well-formed samples and opt-outs', () => {
      expect(problems.filter((problem) => problem.file === file).map((problem) => `${problem.file}:${problem.line} ${problem.message}`)).toEqual([]);
    });

    it('has TypeScript samples that compile', () => {
      expect(diagnostics.filter((diagnostic) => diagnostic.file === file).map(formatSampleDiagnostic)).toEqual([]);
    });

    it('has relative links that resolve', () => {
      expect(findBrokenLinks([file], root).map((link) => `${link.file}:${link.line} ${link.target}: ${link.reason}`)).toEqual([]);
    });
  });
});

describe('the docs checker', () => {
  it('extracts samples with their lines, honours opt-outs with a reason and flags one without', () => {
    const extracted = checkerSamples;
    expect(extracted.samples.map((sample) => [sample.line, sample.language])).toEqual([
      [3, 'ts'],
      [18, 'ts'],
    ]);
    expect(extracted.samples[1]!.code).toContain("import { createTokenIssuer } from '@marketing-team/server';");
    expect(extracted.skipped).toEqual([{ file: CHECKER_FILE, line: 10, reason: 'a shell transcript' }]);
    expect(extracted.problems).toEqual([{ file: CHECKER_FILE, line: 13, message: expect.stringContaining('write why') }]);
  });

  it('reports a broken sample at its Markdown line, and passes a good one', () => {
    const found = diagnostics.filter((diagnostic) => diagnostic.file === CHECKER_FILE);
    expect(found.every((diagnostic) => diagnostic.sampleLine === 3)).toBe(true);
    expect(found.map((diagnostic) => [diagnostic.line, diagnostic.code])).toEqual([
      [5, 2345],
      [6, 2322],
    ]);
    expect(formatSampleDiagnostic(found[1]!)).toMatch(/^\(checker self-test\)\.md:6:7 TS2322 Type 'string' is not assignable to type 'number'\./);
  });

  it('reports relative links that do not resolve, and anchors that name no heading', () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'docs'));
    writeFileSync(join(dir, 'docs', 'guide.md'), checkerMarkdown);
    expect(findBrokenLinks(['docs/guide.md'], dir).map((link) => [link.line, link.target])).toEqual([
      [22, 'missing.md'],
      [22, '#elsewhere'],
    ]);
  });
});
