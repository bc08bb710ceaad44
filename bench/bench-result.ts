import { loadavg } from 'node:os';

/** One measured figure, as written to bench/results.json. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** The same measure of the baseline, taken in the same run (null when there is none). */
  baseline: number | null;
  /** value / baseline (null when there is no baseline). */
  ratio: number | null;
  /** What we aim for, in words (e.g. "ratio >= 0.5"). */
  goal: string;
  /** The machine's 1-minute load average when the figure was taken (`uptime`): shared machines vary. */
  load?: number;
}

/** Builds a result, computing the ratio against the baseline. */
export function benchResult(
  name: string,
  value: number,
  unit: string,
  baseline: number | null,
  goal: string,
): BenchResult {
  const ratio = baseline ? Number((value / baseline).toFixed(4)) : null;
  const load = Number(loadavg()[0]!.toFixed(2));
  return { name, value: Number(value.toFixed(4)), unit, baseline: baseline === null ? null : Number(baseline.toFixed(4)), ratio, goal, load };
}

/** The p-th percentile (0-100) of a list of numbers. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}
