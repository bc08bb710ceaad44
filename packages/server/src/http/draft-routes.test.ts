import { randomBytes } from 'node:crypto';
import { applyRecords, createSessionState, type SessionRecord } from '@marketing-team/core';
import { ZipWriter, Uint8ArrayWriter, TextReader } from '@zip.js/zip.js';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { afterEach, describe, expect, it } from 'vitest';
import { createOfflineProvider } from '../models/offline-provider.js';
import { MemoryStore } from '../stores/memory-store.js';
import { MemoryWorkspaceStore } from '../workspaces/memory-workspace-store.js';
import { createMarketingTeamServer, type MarketingTeamServer } from './create-server.js';
import { findMessage } from '@marketing-team/core';

const BASE = 'http://server.test/mt';
const TEMPLATE = { name: 'launch-post.md', content: '# Launch day\n\nShort, warm and specific. One call to action.\n\n- Try it free' };

let server: MarketingTeamServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function start(tokensPerSecond = 100_000) {
  const store = new MemoryStore();
  server = createMarketingTeamServer({
    store,
    workspaces: new MemoryWorkspaceStore(),
    tokens: { secret: randomBytes(32).toString('hex') },
    allowedOrigins: [],
    basePath: '/mt',
    onError: () => {},
    analysisProvider: createOfflineProvider({ tokensPerSecond }),
  });
  return { target: server, store };
}

async function post(target: MarketingTeamServer, token: string, body: BodyInit, type?: string, workspace = 'acme') {
  const response = await target.fetch(
    new Request(`${BASE}/workspaces/${workspace}/drafts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, ...(type ? { 'content-type': type } : {}) },
      body,
    }),
  );
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const json = (value: unknown) => JSON.stringify(value);

async function logOf(store: MemoryStore, session: string): Promise<SessionRecord[]> {
  return store.read(session, 0, 10_000);
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const ended = (records: SessionRecord[]) => records.some((record) => ['run.completed', 'run.failed', 'run.cancelled'].includes(record.event.type));

/** A DOCX as Word writes its bare minimum: content types, the package relation and the document. */
async function docx(paragraphs: string[]): Promise<Uint8Array<ArrayBuffer>> {
  const zip = new ZipWriter(new Uint8ArrayWriter());
  await zip.add(
    '[Content_Types].xml',
    new TextReader(
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    ),
  );
  await zip.add(
    '_rels/.rels',
    new TextReader(
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    ),
  );
  const body = paragraphs.map((text) => `<w:p><w:r><w:t xml:space="preserve">${text}</w:t></w:r></w:p>`).join('');
  await zip.add(
    'word/document.xml',
    new TextReader(`<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`),
  );
  return new Uint8Array(await zip.close());
}

/** A one-page PDF as an editor writes one (through a PDF library), holding `text`. */
async function pdfOf(text: string): Promise<Uint8Array<ArrayBuffer>> {
  const document = await PDFDocument.create();
  document.addPage().drawText(text, { x: 72, y: 720, size: 12, lineHeight: 16, font: await document.embedFont(StandardFonts.Helvetica) });
  return new Uint8Array(await document.save());
}

describe('POST /workspaces/:id/drafts', () => {
  it('streams a reference analysis into the studio session as a durable run and stores the draft', async () => {
    const { target, store } = start();
    const admin = await target.tokens.mint({ workspace: 'acme', userId: 'editor', capabilities: ['read', 'admin'], ttlSeconds: 60 });
    const started = await post(target, admin, json({ runId: 'analysis-1', request: { kind: 'reference-analysis', template: TEMPLATE, skill: 'launch-post' } }), 'application/json');
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ session: 'studio.acme', runId: 'analysis-1', duplicate: false });

    const records = await until(() => logOf(store, 'studio.acme'), ended, 'the draft run to end');
    const types = records.map((record) => record.event.type);
    expect(types[0]).toBe('draft.requested');
    expect(types).toContain('text.delta');
    expect(types.slice(-3)).toEqual(['draft.created', 'task.completed', 'run.completed']);
    const requested = records[0]!.event;
    expect(requested).toMatchObject({ by: { kind: 'human', id: 'editor' }, workspaceId: 'acme' });

    const state = applyRecords(createSessionState(), records);
    const run = state.runs['analysis-1']!;
    expect(run.status).toBe('completed');
    expect(run.brief).toBeUndefined();
    expect(run.draft).toMatchObject({ kind: 'reference-analysis', templateName: 'launch-post.md', skill: 'launch-post' });
    const result = run.draft!.result!;
    expect(result.kind).toBe('reference-analysis');
    // what streamed is what was stored: the deltas add up to the report
    const streamed = records.flatMap((record) => (record.event.type === 'text.delta' ? [record.event.text] : [])).join('');
    if (result.kind !== 'reference-analysis') throw new Error('unexpected draft');
    expect(result.report).toBe(streamed.trim());
    expect(result.report).toContain('## Structure');
    expect(result.templateHash).toMatch(/^[0-9a-f]{64}$/);

    // the same request again (a lost answer) is acknowledged, not run twice
    const again = await post(target, admin, json({ runId: 'analysis-1', request: { kind: 'reference-analysis', template: TEMPLATE } }), 'application/json');
    expect(again.status).toBe(200);
    expect(again.body.duplicate).toBe(true);
    expect((await logOf(store, 'studio.acme')).filter((record) => record.event.type === 'run.started')).toHaveLength(1);
  });

  it('streams a second draft in the same session as its own message, shown while it is written', async () => {
    const { target, store } = start();
    const admin = await target.tokens.mint({ workspace: 'acme', userId: 'editor', capabilities: ['admin'], ttlSeconds: 60 });
    for (const runId of ['first', 'second']) {
      await post(target, admin, json({ runId, request: { kind: 'reference-analysis', template: TEMPLATE, skill: 'launch-post' } }), 'application/json');
      await until(() => logOf(store, 'studio.acme'), (records) => records.some((record) => record.event.type === 'run.completed' && record.event.runId === runId), `run ${runId}`);
    }
    const records = await logOf(store, 'studio.acme');
    // the state just before the second message completes: its deltas are there, not dropped
    const completed = records.findIndex((record) => record.event.type === 'message.completed' && record.event.runId === 'second');
    const midway = applyRecords(createSessionState(), records.slice(0, completed));
    const run = midway.runs.second!;
    const messageId = run.tasks[run.taskOrder[0]!]!.messageIds[0]!;
    expect(findMessage(midway, messageId)).toMatchObject({ runId: 'second', status: 'streaming' });
    expect(findMessage(midway, messageId)!.text.length).toBeGreaterThan(100);
  });

  it('drafts the brand kit from Markdown, DOCX and PDF uploads', async () => {
    const { target, store } = start();
    const admin = await target.tokens.mint({ workspace: 'acme', userId: 'editor', capabilities: ['admin'], ttlSeconds: 60 });
    const form = new FormData();
    form.set('runId', 'intake-1');
    form.append(
      'documents',
      new File(['# Notely Brand Book\n\n## Voice\nCalm, precise, a little dry. We say "you", never "users".\n\n## Words we never use\n- synergy\n- revolutionary\n'], 'brand-book.md', { type: 'text/markdown' }),
    );
    form.append(
      'documents',
      new File([await docx(['Products', '- Notely Recap: meeting notes that write themselves', '- Notely Tasks: action items pulled from every call'])], 'products.docx', {
        type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      }),
    );
    form.append('documents', new File([await pdfOf('Brand colours\nPrimary #1F6FEB and accent #F2A541')], 'colours.pdf', { type: 'application/pdf' }));
    const started = await post(target, admin, form);
    expect(started.status, JSON.stringify(started.body)).toBe(202);

    const records = await until(() => logOf(store, 'studio.acme'), ended, 'the intake to end');
    const requested = records[0]!.event;
    if (requested.type !== 'draft.requested' || requested.request.kind !== 'brand-intake') throw new Error('expected a brand intake request');
    expect(requested.request.documents.map((document) => document.name)).toEqual(['brand-book.md', 'products.docx', 'colours.pdf']);
    expect(requested.request.documents[1]!.text).toContain('Notely Recap');
    expect(requested.request.documents[2]!.text).toContain('#1F6FEB');

    const run = applyRecords(createSessionState(), records).runs['intake-1']!;
    expect(run.status).toBe('completed');
    const result = run.draft?.result;
    if (result?.kind !== 'brand-intake') throw new Error(`expected a brand draft, got ${JSON.stringify(run)}`);
    expect(result.sources).toEqual(['brand-book.md', 'products.docx', 'colours.pdf']);
    expect(result.brand.name).toBe('Notely');
    expect(result.brand.voiceGuide).toContain('Calm, precise');
    expect(result.brand.bannedTerms).toEqual(['synergy', 'revolutionary']);
    expect(result.brand.products?.map((product) => product.name)).toEqual(['Notely Recap', 'Notely Tasks']);
    expect(result.brand.palette).toEqual(['#1F6FEB', '#F2A541']);
  });

  it('refuses what it cannot read or run with a typed error naming the field, and stores nothing', async () => {
    const { target, store } = start();
    const admin = await target.tokens.mint({ workspace: 'acme', userId: 'editor', capabilities: ['admin'], ttlSeconds: 60 });
    const empty = await post(target, admin, json({ request: { kind: 'reference-analysis', template: { name: 'a.md', content: '' } } }), 'application/json');
    expect(empty.status).toBe(400);
    expect(empty.body.field).toBe('request.template.content');
    const kind = await post(target, admin, json({ request: { kind: 'poem' } }), 'application/json');
    expect(kind.status).toBe(400);
    expect(kind.body.field).toBe('request.kind');
    const extra = await post(target, admin, json({ request: {}, sneaky: true }), 'application/json');
    expect(extra.status).toBe(400);
    expect(extra.body.field).toBe('sneaky');

    const form = new FormData();
    form.append('documents', new File(['MZ\u0000\u0001'], 'setup.exe', { type: 'application/octet-stream' }));
    const binary = await post(target, admin, form);
    expect(binary.status).toBe(400);
    expect(binary.body.field).toBe('request.documents.0');
    const broken = new FormData();
    broken.append('documents', new File(['%PDF-1.4 not really'], 'broken.pdf', { type: 'application/pdf' }));
    const unreadable = await post(target, admin, broken);
    expect(unreadable.status).toBe(400);
    expect(unreadable.body.field).toBe('request.documents.0');
    const none = await post(target, admin, new FormData());
    expect(none.status).toBe(400);
    expect(none.body.field).toBe('request.documents');

    const reader = await target.tokens.mint({ session: 'acme-run', workspace: 'acme', userId: 'reader', capabilities: ['read', 'write', 'control'], ttlSeconds: 60 });
    expect((await post(target, reader, json({ request: { kind: 'reference-analysis', template: TEMPLATE } }), 'application/json')).status).toBe(403);
    const other = await target.tokens.mint({ workspace: 'other', userId: 'editor', capabilities: ['admin'], ttlSeconds: 60 });
    expect((await post(target, other, json({ request: { kind: 'reference-analysis', template: TEMPLATE } }), 'application/json')).status).toBe(403);
    expect(await logOf(store, 'studio.acme')).toEqual([]);
  });

  it('lets an admin settle a finished draft for every editor, and refuses anyone else or any other run', async () => {
    const { target, store } = start();
    const admin = await target.tokens.mint({ workspace: 'acme', userId: 'editor', capabilities: ['admin'], ttlSeconds: 60 });
    await post(target, admin, json({ runId: 'to-settle', request: { kind: 'reference-analysis', template: TEMPLATE } }), 'application/json');
    await until(() => logOf(store, 'studio.acme'), ended, 'the draft to end');
    const grant = (capabilities: Array<'read' | 'write' | 'control' | 'admin'>) => ({ userId: 'editor', capabilities, expiresAt: Math.floor(Date.now() / 1000) + 60, workspaceId: 'acme' });
    await expect(target.hub.publish('studio.acme', grant(['read', 'write', 'control']), 's-1', { type: 'draft.settled', runId: 'to-settle', outcome: 'dismissed' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(target.hub.publish('studio.acme', grant(['admin']), 's-2', { type: 'draft.settled', runId: 'nope', outcome: 'dismissed' })).rejects.toMatchObject({ code: 'not_found', field: 'event.runId' });
    await target.hub.publish('studio.acme', grant(['admin']), 's-3', { type: 'draft.settled', runId: 'to-settle', outcome: 'applied' });
    const state = applyRecords(createSessionState(), await logOf(store, 'studio.acme'));
    expect(state.runs['to-settle']!.draft!.settled).toEqual({ outcome: 'applied', by: { kind: 'human', id: 'editor' } });
  });

  it('stops a draft on cancel: no draft is stored', async () => {
    const { target, store } = start(40);
    const admin = await target.tokens.mint({ workspace: 'acme', userId: 'editor', capabilities: ['admin', 'control'], ttlSeconds: 60 });
    await post(target, admin, json({ runId: 'slow', request: { kind: 'reference-analysis', template: TEMPLATE } }), 'application/json');
    await until(() => logOf(store, 'studio.acme'), (records) => records.some((record) => record.event.type === 'text.delta'), 'the first delta');
    const grant = { userId: 'editor', capabilities: ['control' as const], expiresAt: Math.floor(Date.now() / 1000) + 60, workspaceId: 'acme' };
    await target.hub.cancel('studio.acme', grant, { clientMsgId: 'c-1', runId: 'slow' });
    const records = await until(() => logOf(store, 'studio.acme'), ended, 'the cancel');
    expect(records.at(-1)!.event.type).toBe('run.cancelled');
    expect(records.some((record) => record.event.type === 'draft.created')).toBe(false);
  });
});

describe('the studio session', () => {
  it('announces every save of the workspace, and opens only for a token of that workspace', async () => {
    const { target, store } = start();
    const admin = await target.tokens.mint({ workspace: 'acme', userId: 'editor', capabilities: ['admin'], ttlSeconds: 60 });
    const saved = await target.fetch(
      new Request(`${BASE}/workspaces/acme/brand`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', 'if-none-match': '*' },
        body: json({ name: 'Acme', voiceGuide: 'Plain.', styleGuide: 'Short.', strategy: 'Grow.', audience: 'Teams.', products: [{ name: 'Acme App' }] }),
      }),
    );
    expect(saved.status).toBe(201);
    const records = await logOf(store, 'studio.acme');
    expect(records.map((record) => record.event)).toEqual([
      expect.objectContaining({ type: 'workspace.saved', workspaceId: 'acme', version: 1, etag: saved.headers.get('etag')!.replace(/"/g, ''), by: { kind: 'human', id: 'editor' } }),
    ]);
    expect(applyRecords(createSessionState(), records).workspace).toMatchObject({ id: 'acme', version: 1 });

    const outsider = await target.tokens.mint({ session: 'studio.acme', workspace: 'other', userId: 'spy', capabilities: ['read'], ttlSeconds: 60 });
    await expect(target.tokens.verify(outsider, 'studio.acme')).rejects.toMatchObject({ code: 'forbidden' });
    const editor = await target.tokens.mint({ session: 'studio.acme', workspace: 'acme', userId: 'editor', capabilities: ['read'], ttlSeconds: 60 });
    await expect(target.tokens.verify(editor, 'studio.acme')).resolves.toMatchObject({ workspaceId: 'acme' });
  });
});
