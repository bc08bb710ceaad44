import { ZipWriter, Uint8ArrayWriter, TextReader } from '@zip.js/zip.js';
import { defaultTeam, workspaceDocumentHash, workspaceFromTeam, workspaceToClaudeFiles, type Capability, type TeamFile } from '@marketing-team/core';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../stores/memory-store.js';
import { teamFilesToZip } from '../team-files/team-zip.js';
import { MemoryWorkspaceStore } from '../workspaces/memory-workspace-store.js';
import { testBrand } from '../workspaces/workspace-store-conformance.js';
import { createMarketingTeamServer, type MarketingTeamServer } from './create-server.js';

const BASE = 'http://server.test/mt';
let server: MarketingTeamServer;
let workspaces: MemoryWorkspaceStore;

beforeEach(() => {
  workspaces = new MemoryWorkspaceStore();
  server = createMarketingTeamServer({
    store: new MemoryStore(),
    workspaces,
    tokens: { secret: randomBytes(32).toString('hex') },
    allowedOrigins: ['http://app.test'],
    basePath: '/mt',
    onError: () => {},
    // small limits keep the hostile archives small; the defaults are the same code path
    teamZipLimits: { maxEntries: 100, maxTotalBytes: 2 * 1024 * 1024 },
  });
});
afterEach(async () => {
  await server.close();
  await workspaces.close();
});

// tokens without admin are session tokens; the session is bound to the token's workspace
const token = (workspace: string, capabilities: Capability[]) =>
  server.tokens.mint({ workspace, userId: `user-of-${workspace}`, capabilities, ttlSeconds: 600, ...(capabilities.includes('admin') ? {} : { session: `${workspace}-session` }) });

async function send(method: string, path: string, options: { token?: string; body?: BodyInit; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  return server.fetch(new Request(`${BASE}${path}`, { method, headers, ...(options.body !== undefined ? { body: options.body } : {}) }));
}
async function jsonOf(response: Response): Promise<any> {
  return JSON.parse(await response.text());
}
const bytesOf = async (response: Response) => new Uint8Array(await response.arrayBuffer());

/** The default team as a workspace with its own brand, a function map and an unowned draft skill. */
function richDocument() {
  const doc = workspaceFromTeam(defaultTeam, { functions: [{ name: 'content', title: 'Content', description: '', skills: ['social-posts'] }] });
  const draft = { name: 'launch-notes', description: 'Release notes', instructions: 'Write notes.', output: 'research-brief' as const, references: [{ name: 'notes.md', content: 'v1\n' }] };
  return { ...doc, brand: testBrand('Acme'), skills: [draft, ...doc.skills] };
}

/** A zip written entry by entry, for archives the exporter would never write. */
async function rawZip(entries: Array<{ path: string; content: string; unixMode?: number }>): Promise<Uint8Array<ArrayBuffer>> {
  const writer = new ZipWriter(new Uint8ArrayWriter(), { useWebWorkers: false });
  for (const entry of entries) await writer.add(entry.path, new TextReader(entry.content), entry.unixMode ? { unixMode: entry.unixMode } : {});
  return writer.close();
}

async function seed(workspace: string): Promise<{ admin: string; etag: string; hash: string }> {
  const admin = await token(workspace, ['admin']);
  const put = await send('PUT', `/workspaces/${workspace}`, { token: admin, body: JSON.stringify(richDocument()), headers: { 'if-none-match': '*', 'content-type': 'application/json' } });
  expect(put.status).toBe(201);
  const version = await jsonOf(put);
  return { admin, etag: version.etag, hash: version.hash };
}

describe('workspace zip export and import', () => {
  it('round-trips byte for byte: export -> import -> export gives the same zip and the same document hash', async () => {
    const { admin, hash } = await seed('acme');
    const first = await send('GET', '/workspaces/acme/export.zip', { token: admin });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/zip');
    expect(first.headers.get('x-workspace-hash')).toBe(hash);
    const zip = await bytesOf(first);

    const copyAdmin = await token('acme-copy', ['admin']);
    const imported = await send('POST', '/workspaces/acme-copy/import', { token: copyAdmin, body: zip, headers: { 'if-none-match': '*', 'content-type': 'application/zip' } });
    expect(imported.status).toBe(201);
    const version = await jsonOf(imported);
    expect(version).toMatchObject({ workspaceId: 'acme-copy', version: 1, hash, ignored: [] });
    expect(workspaceDocumentHash(version.document)).toBe(hash);

    const second = await bytesOf(await send('GET', '/workspaces/acme-copy/export.zip', { token: copyAdmin }));
    expect(Buffer.from(second).equals(Buffer.from(zip))).toBe(true);
    // and the export is the same bytes every time
    expect(Buffer.from(await bytesOf(await send('GET', '/workspaces/acme/export.zip', { token: admin }))).equals(Buffer.from(zip))).toBe(true);
  });

  it('imports over a workspace only with If-Match, and skips files that are not team files', async () => {
    const { admin, etag, hash } = await seed('acme');
    const files = [...workspaceToClaudeFiles(richDocument()), { path: 'README.md', content: '# notes' }, { path: '.claude/skills/ad-copy/scripts/run.sh', content: 'echo' }];
    const zip = await teamFilesToZip(files.sort((a, b) => (a.path < b.path ? -1 : 1)));
    expect((await send('POST', '/workspaces/acme/import', { token: admin, body: zip })).status).toBe(428);
    expect((await send('POST', '/workspaces/acme/import', { token: admin, body: zip, headers: { 'if-match': '"stale"' } })).status).toBe(409);
    const saved = await send('POST', '/workspaces/acme/import', { token: admin, body: zip, headers: { 'if-match': `"${etag}"` } });
    expect(saved.status).toBe(200);
    expect(await jsonOf(saved)).toMatchObject({ version: 2, hash, ignored: ['.claude/skills/ad-copy/scripts/run.sh', 'README.md'] });
  });

  it('needs read to export and admin to import, in the token\'s own workspace only', async () => {
    const { etag } = await seed('acme');
    await seed('other');
    const zip = await bytesOf(await send('GET', '/workspaces/acme/export.zip', { token: await token('acme', ['read']) }));
    expect(zip.byteLength).toBeGreaterThan(0);
    expect((await send('GET', '/workspaces/acme/export.zip')).status).toBe(401);
    expect((await send('GET', '/workspaces/acme/export.zip', { token: await token('acme', ['write', 'control']) })).status).toBe(403);
    expect((await send('GET', '/workspaces/acme/export.zip', { token: await token('other', ['admin']) })).status).toBe(403);
    const headers = { 'if-match': `"${etag}"` };
    expect((await send('POST', '/workspaces/acme/import', { token: await token('acme', ['read']), body: zip, headers })).status).toBe(403);
    expect((await send('POST', '/workspaces/acme/import', { token: await token('other', ['admin']), body: zip, headers })).status).toBe(403);
    expect((await send('POST', '/workspaces/acme/import', { token: await token('acme', ['admin']), body: zip, headers })).status).toBe(200);
    expect((await send('GET', '/workspaces/never-saved/export.zip', { token: await token('never-saved', ['read']) })).status).toBe(404);
  });

  describe('refuses what Claude Code would silently drop, naming the file and line', () => {
    const good = () => workspaceToClaudeFiles(richDocument());
    const replace = (files: TeamFile[], path: string, edit: (content: string) => string) => files.map((file) => (file.path === path ? { ...file, content: edit(file.content) } : file));

    it.each<[string, () => Promise<Uint8Array<ArrayBuffer>>, string, number, RegExp]>([
      [
        'bad YAML frontmatter',
        () => teamFilesToZip(replace(good(), '.claude/skills/ad-copy/SKILL.md', (text) => text.replace('name: ad-copy\n', 'name: ad-copy\ndescription: Use when: ads\n'))),
        '.claude/skills/ad-copy/SKILL.md',
        3,
        /invalid YAML frontmatter/,
      ],
      [
        'two agent files with the same name',
        () => teamFilesToZip([...good(), { path: '.claude/agents/zz-copy.md', content: good().find((file) => file.path === '.claude/agents/campaign-strategist.md')!.content }]),
        '.claude/agents/zz-copy.md',
        2,
        /agent "campaign-strategist" is also defined in \.claude\/agents\/campaign-strategist\.md/,
      ],
      [
        'two paths that collide on a case-insensitive disk',
        () => teamFilesToZip([...good(), { path: '.claude/agents/Campaign-Strategist.md', content: 'x' }]),
        '.claude/agents/Campaign-Strategist.md',
        1,
        /collide/,
      ],
      [
        'a file over the size limit',
        () => teamFilesToZip([...good(), { path: '.claude/skills/ad-copy/references/huge.md', content: 'x'.repeat(1024 * 1024 + 1) }]),
        '.claude/skills/ad-copy/references/huge.md',
        1,
        /limited to 1048576/,
      ],
      [
        'too many entries',
        () => teamFilesToZip(Array.from({ length: 101 }, (_, i) => ({ path: `notes/${String(i).padStart(4, '0')}.md`, content: '' }))),
        'notes/0100.md',
        1,
        /at most 100 /,
      ],
      [
        'a zip bomb: more uncompressed bytes in total than the cap',
        () => teamFilesToZip(Array.from({ length: 3 }, (_, i) => ({ path: `brand/documents/doc-${String(i).padStart(2, '0')}.md`, content: 'a'.repeat(1024 * 1024) }))),
        'brand/documents/doc-02.md',
        1,
        /exceed 2097152 bytes/,
      ],
      ['a path with ".."', () => rawZip([{ path: '../escape.md', content: 'x' }]), '../escape.md', 1, /outside the team folder/],
      ['an absolute path', () => rawZip([{ path: '/etc/agents.md', content: 'x' }]), '/etc/agents.md', 1, /absolute/],
      ['a symbolic link', () => rawZip([{ path: '.claude/agents/writer.md', content: '/etc/passwd', unixMode: 0o120777 }]), '.claude/agents/writer.md', 1, /symbolic links/],
      ['a file that is not a zip', async () => new TextEncoder().encode('not a zip at all') as Uint8Array<ArrayBuffer>, '(archive)', 1, /not a readable zip/],
    ])('%s', async (_name, makeZip, file, line, reason) => {
      const { admin, etag } = await seed('acme');
      const response = await send('POST', '/workspaces/acme/import', { token: admin, body: await makeZip(), headers: { 'if-match': `"${etag}"` } });
      expect(response.status).toBe(400);
      const body = await jsonOf(response);
      expect(body).toMatchObject({ type: 'error', code: 'bad_frame', field: 'body', file, line });
      expect(body.reason).toMatch(reason);
      expect(body.message).toBe(`${file}:${line}: ${body.reason}`);
      // nothing was saved
      expect((await workspaces.get('acme'))!.version).toBe(1);
    });
  });
});
