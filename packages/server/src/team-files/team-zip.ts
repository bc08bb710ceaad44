import {
  FormatError,
  parseClaudeWorkspace,
  workspaceToClaudeFiles,
  type TeamFile,
  type WorkspaceDocument,
  type WorkspaceDocumentInput,
} from '@marketing-team/core';
import { MAX_TEAM_FILE_BYTES, isTeamFilePath } from './team-folder.js';

/** Limits of a team zip import: what a hostile or careless archive may cost at most. */
export interface TeamZipLimits {
  /** Most entries (files and folders) in the archive; default 1000. */
  maxEntries?: number;
  /** Largest uncompressed team file; default 1 MiB, as for a folder on disk. */
  maxFileBytes?: number;
  /** Most uncompressed bytes in total, whatever the entries declare (zip bombs); default 16 MiB. */
  maxTotalBytes?: number;
}

/** Defaults of {@link TeamZipLimits}. */
export const DEFAULT_TEAM_ZIP_LIMITS: Required<TeamZipLimits> = {
  maxEntries: 1000,
  maxFileBytes: MAX_TEAM_FILE_BYTES,
  maxTotalBytes: 16 * 1024 * 1024,
};

/** Path used in a `FormatError` about the archive as a whole rather than one of its entries. */
export const ARCHIVE_PATH = '(archive)';

/** What {@link teamFilesFromZip} read. */
export interface TeamZipContents {
  /** The team files, sorted by path. */
  files: TeamFile[];
  /** Entries that are not team files (READMEs, scripts, assets): not read, and not kept. */
  ignored: string[];
}

/** What {@link importWorkspaceZip} read. */
export interface ImportedWorkspaceZip {
  document: WorkspaceDocument;
  ignored: string[];
}

// A fixed local date: the DOS time fields then hold 1980-01-01 00:00 in every time zone, so the
// bytes of an export depend only on the files.
const FIXED_DATE = new Date(1980, 0, 1, 0, 0, 0);
// The embedded deflate, not the platform's CompressionStream, so the output is the same on every
// runtime; no workers, as a server handles one small archive per request.
const ZIP_CONFIG = { useWebWorkers: false, useCompressionStream: false } as const;

// Loaded on first use: a host that never imports or exports zips never loads the zip library.
const zipLibrary = () => import('@zip.js/zip.js');

/** A file to zip: its path inside the archive and its text or bytes. */
export interface ZipFile {
  path: string;
  content: string | Uint8Array;
}

/**
 * Writes files as a zip, byte for byte reproducible: entries in the given order, a fixed
 * timestamp, no extra fields, deflate level 6.
 */
export async function filesToZip(files: readonly ZipFile[]): Promise<Uint8Array<ArrayBuffer>> {
  const { ZipWriter, Uint8ArrayWriter, Uint8ArrayReader, TextReader } = await zipLibrary();
  const writer = new ZipWriter(new Uint8ArrayWriter(), {
    ...ZIP_CONFIG,
    lastModDate: FIXED_DATE,
    extendedTimestamp: false,
    dataDescriptor: false,
    keepOrder: true,
    level: 6,
  });
  // one at a time: keeps the entry order and the memory bounded
  for (const file of files) {
    await writer.add(file.path, typeof file.content === 'string' ? new TextReader(file.content) : new Uint8ArrayReader(file.content));
  }
  return writer.close();
}

/** Writes team files as a reproducible zip (entries sorted by path by the core writers). */
export function teamFilesToZip(files: readonly TeamFile[]): Promise<Uint8Array<ArrayBuffer>> {
  return filesToZip(files);
}

/** Refuses entry names that could land outside the team folder once extracted. */
function checkEntryPath(path: string): void {
  const fail = (reason: string): never => {
    throw new FormatError(path, 1, reason);
  };
  if (path.length === 0 || path.length > 1024) fail('entry names must be 1 to 1024 characters long');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) fail('control characters in an entry name');
  if (path.includes('\\')) fail('backslashes in an entry name (a Windows path); use "/"');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) fail('absolute paths are outside the team folder');
  const segments = path.replace(/\/$/, '').split('/');
  if (segments.some((segment) => segment === '..')) fail('".." leads outside the team folder');
  if (segments.some((segment) => segment === '.' || segment === '')) fail('empty or "." path segments');
}

/**
 * Reads the team files of a zip (a Claude Code team folder zipped from its root). Refuses, with a
 * `FormatError` naming the entry, everything an unzip could silently turn into something else:
 * paths outside the folder (`..`, absolute, backslashes), symbolic links, encrypted entries,
 * duplicate paths (also ones differing only in case, which collide on case-insensitive disks),
 * too many entries, files over the size limit, more uncompressed bytes than the total limit
 * (counted while inflating, so a lying header does not help), and text that is not UTF-8.
 */
export async function teamFilesFromZip(zip: Uint8Array, limits: TeamZipLimits = {}): Promise<TeamZipContents> {
  const { maxEntries, maxFileBytes, maxTotalBytes } = { ...DEFAULT_TEAM_ZIP_LIMITS, ...limits };
  const { ZipReader, Uint8ArrayReader } = await zipLibrary();
  // strict: an archive another unzip tool could read differently (local headers disagreeing with
  // the central directory, data before or after it, unsafe names) is refused, not guessed at
  const reader = new ZipReader(new Uint8ArrayReader(zip), { ...ZIP_CONFIG, strictness: 'strict' });
  try {
    let entries;
    try {
      entries = await reader.getEntries();
    } catch (error) {
      const unsafe = (error as { filename?: unknown }).filename;
      if (typeof unsafe === 'string') checkEntryPath(unsafe);
      if (typeof unsafe === 'string') throw new FormatError(unsafe, 1, `unsafe entry name (${(error as Error).message})`);
      throw new FormatError(ARCHIVE_PATH, 1, `not a readable zip file (${(error as Error).message})`);
    }
    if (entries.length > maxEntries) {
      throw new FormatError(entries[maxEntries]!.filename, 1, `the archive has ${entries.length} entries; at most ${maxEntries} are accepted`);
    }
    const seen = new Map<string, string>();
    const wanted: typeof entries = [];
    const ignored: string[] = [];
    let declared = 0;
    for (const entry of entries) {
      const path = entry.filename;
      checkEntryPath(path);
      const folded = path.replace(/\/$/, '').toLowerCase();
      const twin = seen.get(folded);
      if (twin !== undefined) throw new FormatError(path, 1, twin === path ? 'the archive holds this path twice' : `the archive also holds "${twin}"; the two collide on case-insensitive disks`);
      seen.set(folded, path);
      if (entry.symlink) throw new FormatError(path, 1, 'symbolic links are not accepted: they point outside the team folder');
      if (entry.encrypted) throw new FormatError(path, 1, 'encrypted entries are not accepted');
      if (entry.directory) continue;
      if (!isTeamFilePath(path)) {
        ignored.push(path);
        continue;
      }
      if (entry.uncompressedSize > maxFileBytes) throw new FormatError(path, 1, `the file is ${entry.uncompressedSize} bytes; team files are limited to ${maxFileBytes}`);
      declared += entry.uncompressedSize;
      if (declared > maxTotalBytes) throw new FormatError(path, 1, `the team files exceed ${maxTotalBytes} bytes uncompressed in total`);
      wanted.push(entry);
    }

    const files: TeamFile[] = [];
    let total = 0;
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
    for (const entry of wanted) {
      if (entry.directory) continue;
      const path = entry.filename;
      const chunks: Uint8Array[] = [];
      let size = 0;
      // the declared sizes were checked above; the real ones are counted here as they inflate
      const sink = new WritableStream<Uint8Array>({
        write(chunk) {
          size += chunk.byteLength;
          total += chunk.byteLength;
          if (size > maxFileBytes) throw new FormatError(path, 1, `the file inflates past ${maxFileBytes} bytes (its header claims ${entry.uncompressedSize})`);
          if (total > maxTotalBytes) throw new FormatError(path, 1, `the team files inflate past ${maxTotalBytes} bytes in total`);
          chunks.push(chunk);
        },
      });
      try {
        await entry.getData(sink, ZIP_CONFIG);
      } catch (error) {
        if (error instanceof FormatError) throw error;
        throw new FormatError(path, 1, `the entry cannot be read (${(error as Error).message})`);
      }
      const bytes = Buffer.concat(chunks);
      let content: string;
      try {
        content = decoder.decode(bytes);
      } catch {
        throw new FormatError(path, 1, 'team files must be UTF-8 text');
      }
      files.push({ path, content });
    }
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { files, ignored: ignored.sort() };
  } finally {
    await reader.close().catch(() => undefined);
  }
}

/**
 * A workspace document as a zip of its Claude Code team folder. Exporting the document that
 * importing this zip gives returns the same bytes.
 */
export async function exportWorkspaceZip(document: WorkspaceDocument | WorkspaceDocumentInput): Promise<Uint8Array<ArrayBuffer>> {
  return teamFilesToZip(workspaceToClaudeFiles(document));
}

/**
 * Reads a zipped Claude Code team folder into a workspace document, with the refusals of
 * {@link teamFilesFromZip} and of core's file parsers. Throws `FormatError` (file and line).
 */
export async function importWorkspaceZip(zip: Uint8Array, limits: TeamZipLimits = {}): Promise<ImportedWorkspaceZip> {
  const { files, ignored } = await teamFilesFromZip(zip, limits);
  return { document: parseClaudeWorkspace(files), ignored };
}
