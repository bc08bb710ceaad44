import { FormatError } from './format-error.js';
import type { Frontmatter } from './_frontmatter.js';

/** Reads frontmatter fields strictly, failing with the file and the field's line. */
export class FieldReader {
  constructor(
    readonly path: string,
    readonly frontmatter: Frontmatter,
  ) {}

  fail(keys: readonly (string | number)[], reason: string): never {
    throw new FormatError(this.path, this.frontmatter.lineOf(keys), reason);
  }

  onlyKeys(allowed: readonly string[]): void {
    for (const key of Object.keys(this.frontmatter.data)) {
      if (!allowed.includes(key)) {
        this.fail([key], `unknown frontmatter field "${key}" (allowed: ${allowed.join(', ')})`);
      }
    }
  }

  string(key: string, options: { required?: boolean; max?: number }): string | undefined {
    const value = this.frontmatter.data[key];
    if (value === undefined || value === null) {
      if (options.required) this.fail([key], `missing required field "${key}"`);
      return undefined;
    }
    if (typeof value !== 'string') this.fail([key], `"${key}" must be text (quote it if YAML reads it as a ${typeof value})`);
    const text = value.trim();
    if (!text) this.fail([key], `"${key}" must not be empty`);
    if (options.max !== undefined && [...text].length > options.max) {
      this.fail([key], `"${key}" is ${[...text].length} characters; the limit is ${options.max}`);
    }
    return text;
  }

  /** A list given as a YAML sequence or as a comma- or space-separated string. */
  list(key: string, separator: RegExp): string[] | undefined {
    const value = this.frontmatter.data[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value.split(separator).map((item) => item.trim()).filter(Boolean);
    if (Array.isArray(value)) {
      return value.map((item, i) => {
        if (typeof item !== 'string' || !item.trim()) this.fail([key, i], `"${key}[${i}]" must be non-empty text`);
        return item.trim();
      });
    }
    return this.fail([key], `"${key}" must be a list or a separated string`);
  }

  stringMap(key: string): Record<string, string> | undefined {
    const value = this.frontmatter.data[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) this.fail([key], `"${key}" must be a mapping of text values`);
    const out: Record<string, string> = {};
    for (const [inner, innerValue] of Object.entries(value as Record<string, unknown>)) {
      if (typeof innerValue !== 'string') this.fail([key, inner], `"${key}.${inner}" must be text (quote it)`);
      out[inner] = innerValue;
    }
    return out;
  }
}
