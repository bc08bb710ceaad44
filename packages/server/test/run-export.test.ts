// A marketer takes the package away: `GET /sessions/:id/runs/:runId/export.zip` answers the whole
// run as one zip, with the same inert files as `exportRun`, to a token that may read the session.
import { BlobReader, TextWriter, Uint8ArrayWriter, ZipReader } from '@zip.js/zip.js';
import { createDefaultTeam } from '@marketing-team/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOfflineProvider } from '../src/models/offline-provider.js';
import { createTeamRuntime } from '../src/runtime/team-runtime.js';
import { MemoryStore } from '../src/stores/memory-store.js';
import { RawClient, runEnded, startServer, until, type RunningServer } from './_harness.js';

const SESSION = 'export-zip';
const store = new MemoryStore();
let env: RunningServer;
let token: string;

beforeAll(async () => {
  env = await startServer(store, { launcher: createTeamRuntime({ team: createDefaultTeam(), provider: createOfflineProvider({ tokensPerSecond: 100_000 }), coalesceMs: 0 }) });
  token = await env.token(SESSION);
  const socket = await RawClient.connect(env.wsUrl);
  socket.send({ type: 'subscribe', session: SESSION, token });
  await socket.next((frame) => frame.type === 'subscribed');
  socket.send({ type: 'publish', session: SESSION, clientMsgId: 'brief-1', event: { type: 'brief.submitted', runId: 'run-1', brief: { goal: 'Launch the spring collection to weekend hikers', channels: ['instagram'] } } });
  await socket.next((frame) => frame.type === 'ack');
  socket.close();
  await until(() => runEnded(store, SESSION, 'run-1'), 30_000, 'the run to end');
});

afterAll(async () => {
  await env?.close();
  await store.close();
});

const exportUrl = (runId: string) => `${env.url}/sessions/${SESSION}/runs/${runId}/export.zip`;

describe('GET /sessions/:id/runs/:runId/export.zip', () => {
  it('answers the whole package as a zip of inert files', async () => {
    const response = await fetch(exportUrl('run-1'), { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="campaign-run-1.zip"');
    const reader = new ZipReader(new BlobReader(await response.blob()));
    const entries = await reader.getEntries();
    const names = entries.map((entry) => entry.filename);
    for (const name of ['README.md', 'run.json', 'research-brief.md', 'research-brief.json', 'social-posts.md', 'landing-page.html', 'banner.svg', 'banner.png']) {
      expect(names).toContain(name);
    }
    const file = (name: string) => {
      const entry = entries.find((candidate) => candidate.filename === name);
      if (!entry || entry.directory) throw new Error(`no file ${name} in the zip`);
      return entry;
    };
    const text = (name: string) => file(name).getData(new TextWriter());
    const page = await text('landing-page.html');
    expect(page.indexOf('Content-Security-Policy')).toBeGreaterThan(0);
    expect(page.indexOf('Content-Security-Policy')).toBeLessThan(page.indexOf('<body'));
    expect(page).not.toMatch(/<script\b/i);
    expect(await text('banner.svg')).not.toMatch(/<script\b|href="http/i);
    const png = await file('banner.png').getData(new Uint8ArrayWriter());
    expect([...png.slice(1, 4)].map((byte) => String.fromCharCode(byte)).join('')).toBe('PNG');
    expect(await text('README.md')).toContain('Launch the spring collection');
    await reader.close();
  });

  it('is the same zip, byte for byte, when asked again', async () => {
    const first = new Uint8Array(await (await fetch(exportUrl('run-1'), { headers: { authorization: `Bearer ${token}` } })).arrayBuffer());
    const second = new Uint8Array(await (await fetch(exportUrl('run-1'), { headers: { authorization: `Bearer ${token}` } })).arrayBuffer());
    expect(Buffer.from(first).equals(Buffer.from(second))).toBe(true);
  });

  it('refuses without a token, with a token of another session or without read, and names an unknown run', async () => {
    const answer = async (url: string, bearer?: string) => {
      const response = await fetch(url, bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {});
      return { status: response.status, body: (await response.json()) as { code: string; field?: string } };
    };
    expect(await answer(exportUrl('run-1'))).toMatchObject({ status: 401, body: { code: 'unauthorized', field: 'token' } });
    expect((await answer(exportUrl('run-1'), await env.token('another-session'))).status).toBe(403);
    expect(await answer(exportUrl('run-1'), await env.token(SESSION, ['write']))).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect(await answer(exportUrl('no-such-run'), token)).toMatchObject({ status: 404, body: { code: 'not_found', field: 'runId' } });
    expect(await answer(exportUrl('bad%2Fid'), token)).toMatchObject({ status: 400, body: { field: 'runId' } });
  });
});
