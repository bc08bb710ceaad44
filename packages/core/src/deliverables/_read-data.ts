import type { DeliverableIssue } from '../protocol/deliverables.js';

/** Reads untrusted model JSON field by field, coercing what it can and recording every problem. */
export class DataReader {
  constructor(readonly issues: DeliverableIssue[]) {}

  object(value: unknown, path: string): Record<string, unknown> {
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    if (value !== undefined) this.issues.push({ field: path, message: 'expected an object', repaired: false });
    return {};
  }

  string(value: unknown, path: string, max: number, fallback = ''): string {
    let text: string;
    if (typeof value === 'string') text = value;
    else if (typeof value === 'number' || typeof value === 'boolean') {
      text = String(value);
      this.issues.push({ field: path, message: 'expected text; converted', repaired: true });
    } else {
      this.issues.push({ field: path, message: value === undefined || value === null ? 'missing' : 'expected text', repaired: false });
      text = fallback;
    }
    if (text.length > max) {
      this.issues.push({ field: path, message: `longer than ${max} characters; cut`, repaired: true });
      text = text.slice(0, max);
    }
    return text;
  }

  optionalString(value: unknown, path: string, max: number): string | undefined {
    return value === undefined || value === null || value === '' ? undefined : this.string(value, path, max);
  }

  array<T>(value: unknown, path: string, max: number, item: (value: unknown, path: string) => T | undefined): T[] {
    if (!Array.isArray(value)) {
      this.issues.push({ field: path, message: value === undefined ? 'missing' : 'expected a list', repaired: false });
      return [];
    }
    let list = value;
    if (list.length > max) {
      this.issues.push({ field: path, message: `more than ${max} items; kept the first ${max}`, repaired: true });
      list = list.slice(0, max);
    }
    return list.flatMap((entry, i) => {
      const read = item(entry, `${path}[${i}]`);
      return read === undefined ? [] : [read];
    });
  }

  strings(value: unknown, path: string, max: number, itemMax: number): string[] {
    return this.array(value, path, max, (entry, itemPath) => this.string(entry, itemPath, itemMax));
  }
}
