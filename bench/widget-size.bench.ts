// Size of the widget as a site downloads it: `marketing-team.js` (Lit and core included),
// minified and gzipped, which is all a page loads before the element paints; then the chunks it
// loads as it needs them (brief form, lanes, board, deliverables, the Markdown sanitizer, the
// SSE transport), each file gzipped on its own as a server sends it.
// Baseline: Lit alone, bundled and measured the same way in the same run.
import { fileURLToPath } from 'node:url';
import { litOptions, measureBundle, measureElement } from '../packages/widget/scripts/bundle.mjs';
import { benchResult, type BenchResult } from './bench-result.js';

const KIB = 1024;

/** Measures the widget's min+gzip sizes against Lit's. */
export async function runWidgetSizeBench(): Promise<BenchResult[]> {
  const lit = await measureBundle(litOptions());
  const { entry, chunks, sanitizer } = await measureElement();
  const litKib = lit.gzipped / KIB;
  return [
    benchResult('element without sanitizer (marketing-team.js, min+gzip, Lit included)', entry.gzipped / KIB, 'KiB', litKib, '<= 35 KiB'),
    benchResult(`lazy chunks, ${chunks.files} files (min+gzip each)`, chunks.gzipped / KIB, 'KiB', litKib, 'reported; loaded as needed'),
    benchResult('of which marked + DOMPurify (min+gzip)', sanitizer.gzipped / KIB, 'KiB', litKib, 'reported; sanitizer loads lazily'),
    benchResult('element without sanitizer (minified)', entry.minified / KIB, 'KiB', lit.minified / KIB, 'reported'),
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.table(await runWidgetSizeBench());
}
