// Draws the scale bench's rows of bench/results.json as bench/scale.svg: one panel per curve
// (x on a log scale), and one panel of bars for the figures that have no x. Plain SVG text, no
// charting dependency. Run: node --import tsx bench/plot-scale.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResult } from './bench-result.js';

interface Point {
  x: number;
  y: number;
}
interface Panel {
  title: string;
  /** What the x axis counts, said under the title. */
  subtitle: string;
  unit: string;
  points: Point[];
  /** Bars instead of a curve: figures named, not placed on an axis. */
  bars: { label: string; y: number }[];
}

const here = import.meta.dirname;
const { machine, results } = JSON.parse(readFileSync(join(here, 'results.json'), 'utf8')) as {
  machine: { date: string; cores: number; cpu: string };
  results: (BenchResult & { suite: string })[];
};

// Row names read `scale: <measure>, <unit> = <x> <what x counts>` or `... = <label>` for bars.
const panels = new Map<string, Panel>();
for (const row of results.filter((result) => result.suite === 'scale-shape')) {
  const match = /^scale: (.+), (\S+) = (.+)$/.exec(row.name);
  if (!match) continue;
  const [, measure, unit, rest] = match as unknown as [string, string, string, string];
  const numbered = /^([\d,]+) (.+)$/.exec(rest);
  const subtitle = numbered ? `by ${numbered[2]}` : '';
  const key = `${measure}\n${subtitle}`;
  let panel = panels.get(key);
  if (!panel) panels.set(key, (panel = { title: measure, subtitle, unit, points: [], bars: [] }));
  if (numbered) panel.points.push({ x: Number(numbered[1]!.replaceAll(',', '')), y: row.value });
  else panel.bars.push({ label: rest, y: row.value });
}
if (panels.size === 0) throw new Error('bench/results.json has no scale rows: run `npm run bench scale-shape` first');

const width = 420;
const height = 270;
const margin = { left: 64, right: 40, top: 56, bottom: 40 };
const columns = 2;
const plotWidth = width - margin.left - margin.right;
const plotHeight = height - margin.top - margin.bottom;

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const format = (value: number) => (value >= 100 ? Math.round(value).toLocaleString('en') : Number(value.toPrecision(3)).toString());

function drawPanel(panel: Panel, left: number, top: number): string {
  const parts: string[] = [`<g transform="translate(${left},${top})">`];
  parts.push(`<text x="${width / 2}" y="20" class="title">${escape(panel.title)}</text>`);
  parts.push(`<text x="${width / 2}" y="36" class="tick">${escape(panel.subtitle)}</text>`);
  const values = [...panel.points.map((p) => p.y), ...panel.bars.map((b) => b.y)];
  const top_ = Math.max(...values) * 1.15 || 1;
  const y = (value: number) => margin.top + plotHeight - (value / top_) * plotHeight;
  parts.push(`<line x1="${margin.left}" y1="${margin.top + plotHeight}" x2="${margin.left + plotWidth}" y2="${margin.top + plotHeight}" class="axis"/>`);
  parts.push(`<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${margin.top + plotHeight}" class="axis"/>`);
  for (const fraction of [0, 1]) {
    const value = top_ * fraction;
    parts.push(`<text x="${margin.left - 6}" y="${y(value) + 4}" class="tick" text-anchor="end">${format(value)}</text>`);
  }
  parts.push(`<text x="14" y="${margin.top + plotHeight / 2}" class="tick" transform="rotate(-90 14 ${margin.top + plotHeight / 2})" text-anchor="middle">${escape(panel.unit)}</text>`);
  if (panel.points.length > 0) {
    const points = [...panel.points].sort((a, b) => a.x - b.x);
    const low = Math.log10(points[0]!.x);
    const span = Math.log10(points.at(-1)!.x) - low || 1;
    const x = (value: number) => margin.left + ((Math.log10(value) - low) / span) * plotWidth;
    parts.push(`<polyline class="curve" points="${points.map((p) => `${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ')}"/>`);
    for (const p of points) {
      parts.push(`<circle cx="${x(p.x).toFixed(1)}" cy="${y(p.y).toFixed(1)}" r="3.5" class="dot"/>`);
      parts.push(`<text x="${x(p.x).toFixed(1)}" y="${(y(p.y) - 8).toFixed(1)}" class="value">${format(p.y)}</text>`);
      parts.push(`<text x="${x(p.x).toFixed(1)}" y="${margin.top + plotHeight + 16}" class="tick">${p.x.toLocaleString('en')}</text>`);
    }
  }
  const barWidth = plotWidth / Math.max(1, panel.bars.length) - 24;
  panel.bars.forEach((bar, index) => {
    const x = margin.left + 12 + index * (barWidth + 24);
    parts.push(`<rect x="${x}" y="${y(bar.y)}" width="${barWidth}" height="${margin.top + plotHeight - y(bar.y)}" class="bar"/>`);
    parts.push(`<text x="${x + barWidth / 2}" y="${y(bar.y) - 6}" class="value">${format(bar.y)}</text>`);
    parts.push(`<text x="${x + barWidth / 2}" y="${margin.top + plotHeight + 16}" class="tick">${escape(bar.label.replace(/ \(.*\)$/, ''))}</text>`);
  });
  parts.push('</g>');
  return parts.join('\n');
}

const list = [...panels.values()];
const rows = Math.ceil(list.length / columns);
const svgHeight = rows * height + 48;
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${columns * width}" height="${svgHeight}" viewBox="0 0 ${columns * width} ${svgHeight}" font-family="system-ui, sans-serif">
<style>
  .title { font-size: 13px; font-weight: 600; text-anchor: middle; fill: #1f2933; }
  .tick { font-size: 11px; text-anchor: middle; fill: #52606d; }
  .value { font-size: 11px; text-anchor: middle; fill: #1f2933; }
  .axis { stroke: #9aa5b1; stroke-width: 1; }
  .curve { fill: none; stroke: #2563eb; stroke-width: 2; }
  .dot { fill: #2563eb; }
  .bar { fill: #60a5fa; }
  .note { font-size: 11px; fill: #52606d; }
</style>
<rect width="100%" height="100%" fill="#ffffff"/>
${list.map((panel, index) => drawPanel(panel, (index % columns) * width, Math.floor(index / columns) * height)).join('\n')}
<text x="12" y="${svgHeight - 26}" class="note">${escape(`bench/results.json, ${machine.date}, ${machine.cores} cores (${machine.cpu}); x axes are log scale.`)}</text>
<text x="12" y="${svgHeight - 10}" class="note">${escape(`SQLite with synchronous full, clients in a child process; the machine's load is beside each row of results.json.`)}</text>
</svg>
`;
writeFileSync(join(here, 'scale.svg'), svg);
console.log(`wrote ${join('bench', 'scale.svg')} (${list.length} panels)`);
