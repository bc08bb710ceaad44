// The public surface of every published entry point, read by the TypeScript checker from the
// sources each `exports` entry names: one line per exported name, `type ` before the names that
// exist only as types. `scripts/public-api.test.ts` compares it with `scripts/public-api.txt`, so
// a change to what the packages export shows up as a deliberate diff of that file.
// `node --import tsx scripts/public-api.ts > scripts/public-api.txt` writes it anew.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const published = ['core', 'server', 'widget', 'react'] as const;
const SOURCE_CONDITION = '@marketing-team/source';

/** Each entry point (`@marketing-team/server/redis`) with the source file behind it. */
export function publishedEntries(): { entry: string; file: string }[] {
  const entries: { entry: string; file: string }[] = [];
  for (const name of published) {
    const directory = join(root, 'packages', name);
    const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as { name: string; exports: Record<string, unknown> };
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      const source = typeof target === 'object' && target !== null ? (target as Record<string, unknown>)[SOURCE_CONDITION] : undefined;
      if (typeof source !== 'string') continue; // package.json, prebuilt scripts
      entries.push({ entry: subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`, file: join(directory, source) });
    }
  }
  return entries;
}

/** Exported names per entry point, sorted; type-only names carry a `type ` prefix. */
export function publicSurface(): Map<string, string[]> {
  const entries = publishedEntries();
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    customConditions: [SOURCE_CONDITION],
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    types: ['node'],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    esModuleInterop: true,
    resolveJsonModule: true,
    jsx: ts.JsxEmit.ReactJSX,
  };
  const program = ts.createProgram(entries.map(({ file }) => file), options);
  const checker = program.getTypeChecker();
  const surface = new Map<string, string[]>();
  for (const { entry, file } of entries) {
    const sourceFile = program.getSourceFile(file);
    const moduleSymbol = sourceFile && checker.getSymbolAtLocation(sourceFile);
    if (!moduleSymbol) throw new Error(`${entry}: ${file} is not a module`);
    const names = checker.getExportsOfModule(moduleSymbol).map((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const isValue = (target.flags & ts.SymbolFlags.Value) !== 0 && !isTypeOnlyExport(symbol);
      return isValue ? symbol.name : `type ${symbol.name}`;
    });
    surface.set(entry, names.sort((a, b) => bare(a).localeCompare(bare(b), 'en')));
  }
  return surface;
}

/** `export type { X }` of a class or a constant exports it as a type only. */
function isTypeOnlyExport(symbol: ts.Symbol): boolean {
  return (symbol.declarations ?? []).some((declaration) => ts.isTypeOnlyImportOrExportDeclaration(declaration));
}

const bare = (name: string) => name.replace(/^type /, '');

/** The text of `scripts/public-api.txt`: a heading per entry point, then its names. */
export function renderSurface(surface: Map<string, string[]>): string {
  return [...surface].map(([entry, names]) => `## ${entry} (${names.length})\n${names.join('\n')}\n`).join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(renderSurface(publicSurface()));
}
