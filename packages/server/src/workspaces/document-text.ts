import { ProtocolError } from '@marketing-team/core';

/** A file a marketer uploaded for the brand intake. */
export interface UploadedDocument {
  name: string;
  /** The browser's MIME type; may be empty, then the extension decides. */
  type: string;
  bytes: Uint8Array;
}

/** Formats the brand intake reads, by the MIME types and extensions that name them. */
const FORMATS = [
  { format: 'pdf', types: ['application/pdf'], extensions: ['.pdf'] },
  { format: 'docx', types: ['application/vnd.openxmlformats-officedocument.wordprocessingml.document'], extensions: ['.docx'] },
  { format: 'text', types: ['text/plain', 'text/markdown', 'text/x-markdown'], extensions: ['.md', '.markdown', '.txt'] },
] as const;

type Format = (typeof FORMATS)[number]['format'];

function formatOf(document: UploadedDocument): Format | undefined {
  const name = document.name.toLowerCase();
  const type = document.type.split(';')[0]!.trim().toLowerCase();
  return (
    FORMATS.find((entry) => entry.extensions.some((extension) => name.endsWith(extension)))?.format ??
    FORMATS.find((entry) => (entry.types as readonly string[]).includes(type))?.format
  );
}

/**
 * The text of an uploaded brand document: Markdown and plain text as they are, PDF through
 * `unpdf` (pdf.js), DOCX through `mammoth`. Both parsers are optional peers loaded on first use.
 * A format it cannot read, a file it cannot parse or a parser that is not installed is a typed
 * error naming `field`.
 */
export async function documentText(document: UploadedDocument, field: string): Promise<string> {
  const format = formatOf(document);
  if (!format) {
    throw new ProtocolError('bad_frame', `${field}: "${document.name}" is not a format the brand intake reads (Markdown, plain text, PDF or DOCX)`, field);
  }
  try {
    if (format === 'text') return new TextDecoder('utf-8', { fatal: true }).decode(document.bytes);
    if (format === 'pdf') {
      const { extractText, getDocumentProxy } = await optionalPeer(() => import('unpdf'), 'unpdf', field);
      // verbosity 0: pdf.js would print its recovery warnings for every odd file to the server's stderr
      const pdf = await getDocumentProxy(new Uint8Array(document.bytes), { verbosity: 0 });
      try {
        return (await extractText(pdf, { mergePages: true })).text;
      } finally {
        await pdf.destroy();
      }
    }
    const mammoth = await optionalPeer(() => import('mammoth'), 'mammoth', field);
    const { value } = await (mammoth.default ?? mammoth).extractRawText({ buffer: Buffer.from(document.bytes) });
    return value;
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError('bad_frame', `${field}: "${document.name}" could not be read as ${format === 'text' ? 'UTF-8 text' : format.toUpperCase()}`, field);
  }
}

async function optionalPeer<T>(load: () => Promise<T>, name: string, field: string): Promise<T> {
  try {
    return await load();
  } catch {
    throw new ProtocolError('not_found', `${field}: reading this format needs the optional package "${name}" on the server (npm install ${name})`, field);
  }
}
