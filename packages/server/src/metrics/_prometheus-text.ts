/**
 * The few metric kinds the server exposes, written in the Prometheus text exposition format
 * (version 0.0.4). Hand-written rather than `prom-client`: that library loads `node:cluster`,
 * `v8` and `perf_hooks` on import, which the Web-standard handler must not need, and this is
 * all of the format the server uses.
 */

type Labels = Readonly<Record<string, string>>;

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  return entries.length === 0 ? '' : `{${entries.map(([key, value]) => `${key}="${escapeLabel(value)}"`).join(',')}}`;
}

function numberText(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  return Number.isFinite(value) ? String(value) : 'NaN';
}

/** One metric family: its name, help line and type, and how to write its samples. */
interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  samples(): string[];
}

/** A monotonically increasing count, per label set. */
export class Counter implements Family {
  readonly type = 'counter';
  readonly #values = new Map<string, number>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  add(amount = 1, labels: Labels = {}): void {
    const key = labelText(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + amount);
  }

  samples(): string[] {
    if (this.#values.size === 0) return [`${this.name} 0`];
    return [...this.#values].map(([labels, value]) => `${this.name}${labels} ${numberText(value)}`);
  }
}

/** A value read when scraped. */
export class Gauge implements Family {
  readonly type = 'gauge';

  constructor(
    readonly name: string,
    readonly help: string,
    readonly read: () => number,
  ) {}

  samples(): string[] {
    return [`${this.name} ${numberText(this.read())}`];
  }
}

/** Observations counted into cumulative buckets (`le`), with their sum and count, per label set. */
export class Histogram implements Family {
  readonly type = 'histogram';
  readonly #series = new Map<string, { labels: Labels; buckets: number[]; sum: number; count: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    /** Upper bounds, ascending; `+Inf` is implied. */
    readonly bounds: readonly number[],
  ) {}

  observe(value: number, labels: Labels = {}): void {
    const key = labelText(labels);
    let series = this.#series.get(key);
    if (!series) this.#series.set(key, (series = { labels, buckets: this.bounds.map(() => 0), sum: 0, count: 0 }));
    for (let index = 0; index < this.bounds.length; index += 1) if (value <= this.bounds[index]!) series.buckets[index]! += 1;
    series.sum += value;
    series.count += 1;
  }

  samples(): string[] {
    const lines: string[] = [];
    for (const series of this.#series.values()) {
      this.bounds.forEach((bound, index) => {
        lines.push(`${this.name}_bucket${labelText({ ...series.labels, le: numberText(bound) })} ${series.buckets[index]}`);
      });
      lines.push(`${this.name}_bucket${labelText({ ...series.labels, le: '+Inf' })} ${series.count}`);
      lines.push(`${this.name}_sum${labelText(series.labels)} ${numberText(series.sum)}`);
      lines.push(`${this.name}_count${labelText(series.labels)} ${series.count}`);
    }
    return lines;
  }
}

/** Writes families in the text format, each with its `# HELP` and `# TYPE` lines. */
export function prometheusText(families: readonly Family[]): string {
  let text = '';
  for (const family of families) {
    text += `# HELP ${family.name} ${family.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${family.name} ${family.type}\n`;
    for (const line of family.samples()) text += `${line}\n`;
  }
  return text;
}

/** The content type of the text format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
