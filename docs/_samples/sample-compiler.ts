import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import type { CodeSample } from './markdown-blocks.js';

/** A compiler diagnostic placed on the line of the Markdown file it comes from. */
export interface SampleDiagnostic {
  /** The Markdown file of the sample. */
  file: string;
  /** 1-based line in the Markdown file. */
  line: number;
  /** 1-based column. */
  column: number;
  /** 1-based line of the sample's opening fence. */
  sampleLine: number;
  /** TypeScript error number (`2304`). */
  code: number;
  message: string;
}

/** Options of {@link compileSamples}. */
export interface CompileSamplesOptions {
  /** The workspace root: its `tsconfig.base.json` gives the compiler options. */
  root: string;
  /** An empty folder the samples are written to, one module per sample. */
  workDir: string;
  /**
   * A project with the packed packages installed (`node_modules/@marketing-team/*`): the samples
   * then compile against those, as a developer's code does, instead of the workspace sources.
   * Optional peers the project lacks (ably, react, …) are taken from the workspace packages.
   */
  installedIn?: string;
}

/** Formats a diagnostic as `docs/file.md:12:5 TS2304 message`. */
export function formatSampleDiagnostic(diagnostic: SampleDiagnostic): string {
  return `${diagnostic.file}:${diagnostic.line}:${diagnostic.column} TS${diagnostic.code} ${diagnostic.message} (sample at line ${diagnostic.sampleLine})`;
}

/** The workspace's own compiler options, as every package compiles with them. */
function baseOptions(root: string): ts.CompilerOptions {
  const configPath = join(root, 'tsconfig.base.json');
  const config = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root, undefined, configPath);
  return {
    ...parsed.options,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    // Every sample is its own module, even one without an import, so samples never share globals.
    moduleDetection: ts.ModuleDetectionKind.Force,
    jsx: ts.JsxEmit.ReactJSX,
    typeRoots: [join(root, 'node_modules', '@types')],
  };
}

/**
 * Folders a sample's bare imports are resolved from, in order: the root, then each package and
 * example. pnpm gives each package only its own dependencies, so a sample that imports `ably` or
 * `react` finds them in the package that depends on them, through that package's `exports`.
 */
function resolutionBases(root: string): string[] {
  const bases = [root];
  for (const group of ['packages', 'examples']) {
    const folder = join(root, group);
    if (!existsSync(folder)) continue;
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory() && existsSync(join(folder, entry.name, 'package.json'))) bases.push(join(folder, entry.name));
    }
  }
  return bases;
}

function sampleFileName(sample: CodeSample): string {
  const base = sample.file.replace(/\.md$/i, '').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return `${base}-line-${sample.line}.${sample.language}`;
}

/**
 * Type-checks samples as modules against the workspace packages (resolved to their sources
 * through the `@marketing-team/source` condition, or installed from their tarballs: see
 * `installedIn`) with the workspace's compiler options, in one program. Returns every diagnostic
 * of every sample, placed on its Markdown line.
 */
export function compileSamples(samples: readonly CodeSample[], options: CompileSamplesOptions): SampleDiagnostic[] {
  const root = resolve(options.root);
  const workDir = resolve(options.workDir);
  mkdirSync(workDir, { recursive: true });
  const installedIn = options.installedIn === undefined ? undefined : resolve(options.installedIn);
  const compilerOptions = baseOptions(root);
  // Without the source condition, `@marketing-team/*` resolves to the installed packages' `dist`.
  if (installedIn !== undefined) delete compilerOptions.customConditions;
  const bySourcePath = new Map<string, CodeSample>();
  for (const sample of samples) {
    const path = join(workDir, sampleFileName(sample));
    writeFileSync(path, `${sample.code}\n`);
    bySourcePath.set(ts.sys.resolvePath(path), sample);
  }

  const host = ts.createCompilerHost(compilerOptions, true);
  const cache = ts.createModuleResolutionCache(root, (name) => name, compilerOptions);
  // Resolved from a file inside each base folder, as if the sample lived there.
  const anchors = [...(installedIn !== undefined ? [installedIn] : []), ...resolutionBases(root)].map((base) => join(base, '__docs_sample__.ts'));
  const isInstalled = (file: string) => installedIn !== undefined && ts.sys.resolvePath(file).startsWith(join(installedIn, 'node_modules') + '/');
  host.resolveModuleNameLiterals = (literals, containingFile, redirectedReference, resolveOptions, containingSourceFile) =>
    literals.map((literal) => {
      const mode = ts.getModeForUsageLocation(containingSourceFile, literal, resolveOptions);
      const resolveFrom = (from: string) => ts.resolveModuleName(literal.text, from, resolveOptions, host, cache, redirectedReference, mode);
      const own = resolveFrom(containingFile);
      const isSample = bySourcePath.has(ts.sys.resolvePath(containingFile));
      if (own.resolvedModule || (!isSample && !isInstalled(containingFile)) || literal.text.startsWith('.')) return own;
      for (const anchor of anchors) {
        const found = resolveFrom(anchor);
        if (found.resolvedModule) return found;
      }
      return own;
    });

  const program = ts.createProgram({ rootNames: [...bySourcePath.keys()], options: compilerOptions, host });
  const diagnostics: SampleDiagnostic[] = [];
  for (const diagnostic of [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()]) {
    diagnostics.push({
      file: '(compiler options)',
      line: 0,
      column: 0,
      sampleLine: 0,
      code: diagnostic.code,
      message: ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'),
    });
  }
  for (const [path, sample] of bySourcePath) {
    const sourceFile = program.getSourceFile(path);
    if (!sourceFile) throw new Error(`the compiler did not load ${relative(root, path)}`);
    for (const diagnostic of [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)]) {
      const position = diagnostic.file && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start) : undefined;
      // A diagnostic without a position (none is expected) is reported at the sample's fence.
      const inSample = diagnostic.file === sourceFile && position !== undefined;
      diagnostics.push({
        file: sample.file,
        line: inSample ? sample.line + position.line + 1 : sample.line,
        column: inSample ? position.character + 1 : 1,
        sampleLine: sample.line,
        code: diagnostic.code,
        message: ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'),
      });
    }
  }
  return diagnostics.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}
