// `npm run bench`: runs every bench/*.bench.ts (each exports a `run…` function returning
// BenchResult[]), prints one table with the machine facts, and writes bench/results.json.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, platform, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchResult } from './bench-result.js';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => only.length === 0 || only.some((name) => file.includes(name)))
  .sort();

const machine = {
  node: process.version,
  platform: `${platform()} ${release()}`,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  date: new Date().toISOString(),
};

const results: (BenchResult & { suite: string })[] = [];
for (const file of files) {
  const module = (await import(pathToFileURL(join(here, file)).href)) as Record<string, unknown>;
  const run = Object.entries(module).find(([name, value]) => name.startsWith('run') && typeof value === 'function');
  if (!run) continue;
  console.log(`\n▶ ${file}`);
  try {
    const suite = file.replace('.bench.ts', '');
    for (const result of await (run[1] as () => Promise<BenchResult[]>)()) results.push({ suite, ...result });
  } catch (error) {
    console.error(`✖ ${file} failed:`, error);
    process.exitCode = 1;
  }
}

console.log('\nmachine:', JSON.stringify(machine));
console.table(
  results.map((r) => ({ suite: r.suite, name: r.name, value: `${r.value} ${r.unit}`, baseline: r.baseline, ratio: r.ratio, goal: r.goal, load: r.load })),
);
// `npm run bench <name>` re-measures some suites: the rows of the others are kept as they were.
const path = join(here, 'results.json');
const ran = new Set(results.map((result) => result.suite));
const kept = only.length > 0 && existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { results: (BenchResult & { suite: string })[] }).results.filter((result) => !ran.has(result.suite)) : [];
writeFileSync(path, `${JSON.stringify({ machine, results: [...kept, ...results] }, null, 2)}\n`);
console.log(`wrote ${join('bench', 'results.json')}`);
// Benchmarks start servers and sockets; do not wait for stragglers.
process.exit(process.exitCode ?? 0);
