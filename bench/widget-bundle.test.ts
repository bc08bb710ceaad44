// Guards of the element bundle the size benchmark measures: it stays within its budget, on
// zod/mini (classic zod alone would add about 17 KiB min+gzip) without zod's locales (English
// loads lazily), keeps the team code out, and the CSS squeezing of the build changes nothing but
// whitespace, comments and the last semicolon of a block.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleInputs, bundleOptions, chunkOptions, measureElement, minifyCssBody } from '../packages/widget/scripts/bundle.mjs';

// The budget of issue 11: what a page loads before the element paints (`marketing-team.js`,
// without the lazily loaded chunks) stays at or under 35 KiB min+gzip.
const ELEMENT_CEILING_KIB = 35;

const widgetSources = fileURLToPath(new URL('../packages/widget/src/', import.meta.url));

async function elementInputs(): Promise<string[]> {
  return (await bundleInputs(bundleOptions())).map((input) => input.path);
}

async function cssTemplates(): Promise<string[]> {
  const files = (await readdir(widgetSources, { recursive: true })).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'));
  const bodies: string[] = [];
  for (const file of files) {
    const source = await readFile(join(widgetSources, file), 'utf8');
    for (const match of source.matchAll(/\bcss`([^`\\]*)`/g)) bodies.push(match[1]!);
  }
  return bodies;
}

describe('the element bundle', () => {
  it('uses zod/mini only, in the chunks: the first paint carries no schema code, the team and format code stay out', async () => {
    const entry = await elementInputs();
    // The session client (with the protocol's schemas) is a chunk loaded after the shell paints.
    expect(entry.filter((input) => input.includes('/zod/'))).toEqual([]);
    const chunks = (await bundleInputs(chunkOptions())).map((input) => input.path);
    expect(chunks.some((input) => input.includes('/zod/v4/mini/'))).toBe(true);
    for (const inputs of [entry, chunks]) {
      expect(inputs.filter((input) => input.includes('/zod/v4/classic/'))).toEqual([]);
      // Only English, in a chunk of its own, loaded when a message is first needed.
      expect(inputs.filter((input) => input.includes('/zod/v4/locales/') && !input.endsWith('/zod/v4/locales/en.js'))).toEqual([]);
      expect(inputs.filter((input) => /core\/src\/(team|formats)\//.test(input))).toEqual([]);
    }
  });

  it(`stays at or under ${ELEMENT_CEILING_KIB} KiB min+gzip without the sanitizer`, async () => {
    const { entry } = await measureElement();
    expect(entry.files).toBe(1);
    expect(entry.gzipped / 1024).toBeLessThanOrEqual(ELEMENT_CEILING_KIB);
  });

  it('squeezes CSS templates without changing anything but whitespace, comments and last semicolons', async () => {
    const bodies = await cssTemplates();
    expect(bodies.length).toBeGreaterThan(5);
    // What is left once comments, whitespace and the optional last semicolon of a block are gone.
    const visible = (css: string) => css.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\s+/g, '').replace(/;}/g, '}');
    for (const body of bodies) {
      const squeezed = minifyCssBody(body);
      if (squeezed === undefined) continue;
      expect(visible(squeezed)).toBe(visible(body));
      // A space is only ever dropped next to a brace, semicolon, comma or child combinator.
      expect(squeezed.length).toBeLessThanOrEqual(body.length);
    }
  });

  it('keeps descendant combinators, quoted strings and interpolations', () => {
    expect(minifyCssBody("\n  :host  .a > b ,\n  c {\n    font-family: 'Segoe  UI', x;\n    ${light}\n  }\n  /* gone */\n")).toBe(
      ":host .a>b,c{font-family: 'Segoe  UI',x;${light}}",
    );
    expect(minifyCssBody('a { ${fn({ b: 1 })} }')).toBeUndefined();
  });
});
