// Size of the widget as a site downloads it: the self-contained ES module (Lit and core
// included), minified and gzipped, with and without the lazily loaded Markdown sanitizer.
// Baseline: Lit alone, bundled and measured the same way in the same run.
import { fileURLToPath } from 'node:url';
import { bundleOptions, litOptions, measureBundle } from '../packages/widget/scripts/bundle.mjs';
import { benchResult, type BenchResult } from './bench-result.js';

const KIB = 1024;

/** Measures the widget's min+gzip sizes against Lit's. */
export async function runWidgetSizeBench(): Promise<BenchResult[]> {
  const lit = await measureBundle(litOptions());
  const element = await measureBundle(bundleOptions({ withoutSanitizer: true }));
  const full = await measureBundle(bundleOptions());
  const litKib = lit.gzipped / KIB;
  return [
    benchResult('element without sanitizer (min+gzip, Lit included)', element.gzipped / KIB, 'KiB', litKib, '< 35 KiB'),
    benchResult('full build with marked + DOMPurify (min+gzip)', full.gzipped / KIB, 'KiB', litKib, 'reported; sanitizer loads lazily'),
    benchResult('element without sanitizer (minified)', element.minified / KIB, 'KiB', lit.minified / KIB, 'reported'),
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.table(await runWidgetSizeBench());
}
