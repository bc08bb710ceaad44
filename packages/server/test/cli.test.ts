import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { defaultTeam, workspaceDocumentHash, workspaceFromTeam, workspaceToClaudeFiles } from '@marketing-team/core';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startChatCompletionsDouble } from '../src/models/testing/chat-completions-double.js';
import { Follower, RawClient, tempDir, until } from './_harness.js';

const root = join(import.meta.dirname, '../../..');
const dir = tempDir();
let child: ChildProcess | undefined;

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  dir.cleanup();
});

describe('marketing-team dev', () => {
  it('starts the demo on SQLite, prints its URL, serves the page, mints demo tokens and runs a brief', async () => {
    child = spawn(process.execPath, ['--conditions=@marketing-team/source', '--import', 'tsx', 'packages/server/src/cli.ts', 'dev', '--port', '0', '--data', dir.path, '--scripted'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child!.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /(http:\/\/localhost:\d+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      child!.once('exit', (code) => reject(new Error(`exited with ${code}`)));
    });
    expect(existsSync(join(dir.path, 'sessions.db'))).toBe(true);

    const page = await fetch(url);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    // With @marketing-team/widget installed beside it (built, in this repository), the page is the widget; otherwise the minimal page.
    const widget = await fetch(`${url}/marketing-team.js`);
    expect(await page.text()).toContain(widget.ok ? '<marketing-team' : '<textarea');
    if (widget.ok) {
      // The element's lazily loaded parts: chunks beside the file, imported relative to its URL.
      const chunks = [...(await widget.text()).matchAll(/import\("\.\/(marketing-team-chunks\/[\w-]+\.js)"\)/g)].map((match) => match[1]!);
      expect(chunks.length).toBeGreaterThan(0);
      for (const chunk of chunks) {
        const response = await fetch(`${url}/${chunk}`);
        expect(response.status, chunk).toBe(200);
        expect(response.headers.get('content-type')).toContain('text/javascript');
      }
      expect((await fetch(`${url}/marketing-team-chunks/missing.js`)).status).toBe(404);
    }

    const refused = await fetch(`${url}/tokens`, { method: 'POST', body: JSON.stringify({ session: 'not-a-demo' }) });
    expect(refused.status).toBe(401);
    const { token } = (await (await fetch(`${url}/tokens`, { method: 'POST', body: JSON.stringify({ session: 'demo-test' }) })).json()) as { token: string };

    const client = await RawClient.connect(`${url.replace('http', 'ws')}/ws`, { origin: url });
    const follower = new Follower();
    client.onFrame = (frame) => follower.onFrame(frame);
    client.send({ type: 'subscribe', session: 'demo-test', token });
    client.send({ type: 'publish', session: 'demo-test', clientMsgId: 'b1', event: { type: 'brief.submitted', runId: 'run-1', brief: { goal: 'Demo' } } });
    await until(() => follower.state.runs['run-1']?.status === 'running', 20_000, 'the run to start');
    client.send({ type: 'cancel', session: 'demo-test', clientMsgId: 'c1', runId: 'run-1' });
    await until(() => follower.state.runs['run-1']?.status === 'cancelled', 20_000, 'the run to stop');
    expect(follower.problems).toEqual([]);
    client.close();

    // The same log over the Durable Streams protocol.
    const stream = await fetch(`${url}/streams/sessions/demo-test?offset=-1`, { headers: { authorization: `Bearer ${token}` } });
    expect(stream.status).toBe(200);
    const body = (await stream.json()) as unknown[];
    expect(body.length).toBeGreaterThan(0);
  }, 60_000);
});

/** Starts the demo with `args`; resolves with its port and what it printed. */
async function startDemo(args: string[]): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const demo = spawn(process.execPath, ['--conditions=@marketing-team/source', '--import', 'tsx', 'packages/server/src/cli.ts', 'dev', '--port', '0', '--data', dir.path, '--scripted', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  demos.add(demo);
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /http:\/\/localhost:(\d+)/.exec(out);
      if (match && /listening on/i.test(out)) resolve(Number(match[1]));
    };
    demo.stdout!.on('data', read);
    demo.stderr!.on('data', read);
    demo.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
  });
  return { child: demo, port, output: () => out };
}

/** True when a TCP connection to host:port is accepted. */
function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const demos = new Set<ChildProcess>();
afterAll(async () => {
  for (const demo of demos) {
    if (demo.exitCode !== null) continue;
    const exited = new Promise((resolve) => demo.once('exit', resolve));
    demo.kill('SIGTERM');
    await exited;
  }
});

describe('marketing-team dev on the network', () => {
  // 127.0.0.2 is another address of this machine: a server bound to 127.0.0.1 refuses it,
  // one listening on every interface accepts it, as it would a phone's connection.
  it('listens on 127.0.0.1 only by default', async () => {
    const { port, output } = await startDemo([]);
    expect(await reachable('127.0.0.1', port)).toBe(true);
    expect(await reachable('127.0.0.2', port)).toBe(false);
    expect(output()).toMatch(/--lan/);
  }, 60_000);

  it('opens to the network with --lan, and says what that means', async () => {
    const { port, output } = await startDemo(['--lan']);
    expect(await reachable('127.0.0.2', port)).toBe(true);
    expect(output()).toMatch(/WARNING: listening on 0\.0\.0\.0: anyone who can reach this machine/);
  }, 60_000);
});

describe('marketing-team dev on a Chat Completions server', () => {
  it('runs briefs on the server and model named by OPENAI_API_KEY, OPENAI_BASE_URL and OPENAI_MODEL', async () => {
    const api = await startChatCompletionsDouble({ apiKey: 'demo-key' });
    const { ANTHROPIC_API_KEY: _ignored, ...env } = process.env;
    const data = tempDir();
    const demo = spawn(process.execPath, ['--conditions=@marketing-team/source', '--import', 'tsx', 'packages/server/src/cli.ts', 'dev', '--port', '0', '--data', data.path], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...env, OPENAI_API_KEY: 'demo-key', OPENAI_BASE_URL: api.baseURL, OPENAI_MODEL: 'llama3.2' },
    });
    demos.add(demo);
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        demo.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /(http:\/\/localhost:\d+)/.exec(out);
          if (match) resolve(match[1]!);
        });
        demo.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
      });
      expect(out).toContain(`team runtime on llama3.2 at ${api.baseURL}`);
      const { token } = (await (await fetch(`${url}/tokens`, { method: 'POST', body: JSON.stringify({ session: 'demo-openai' }) })).json()) as { token: string };
      const client = await RawClient.connect(`${url.replace('http', 'ws')}/ws`, { origin: url });
      client.send({ type: 'subscribe', session: 'demo-openai', token });
      client.send({ type: 'publish', session: 'demo-openai', clientMsgId: 'b1', event: { type: 'brief.submitted', runId: 'run-1', brief: { goal: 'Demo' } } });
      const [first] = await api.waitForRequests(1);
      expect(first?.headers.authorization).toBe('Bearer demo-key');
      expect(first?.body).toMatchObject({ model: 'llama3.2', stream: true });
      client.send({ type: 'cancel', session: 'demo-openai', clientMsgId: 'c1', runId: 'run-1' });
      client.close();
    } finally {
      await api.close();
      data.cleanup();
    }
  }, 60_000);
});

/** Writes a workspace document into a folder as a Claude Code team folder. */
function writeTeamFolder(folder: string, files: Array<{ path: string; content: string }>): void {
  for (const file of files) {
    mkdirSync(dirname(join(folder, file.path)), { recursive: true });
    writeFileSync(join(folder, file.path), file.content);
  }
}

describe('marketing-team dev --team', () => {
  const notely = {
    ...workspaceFromTeam(defaultTeam),
    brand: {
      name: 'Notely',
      voiceGuide: 'Calm and exact.',
      styleGuide: 'Sentence case.',
      strategy: 'Be the recap tool teams trust.',
      audience: 'Product managers.',
      products: [{ name: 'Notely AI Recap', description: 'Meeting recaps.' }],
    },
  };

  it("imports the folder into the demo's workspace before listening, once per change", async () => {
    const team = tempDir();
    const data = tempDir();
    try {
      writeTeamFolder(team.path, workspaceToClaudeFiles(notely));
      const { port, output, child: demo } = await startDemo(['--data', data.path, '--team', team.path]);
      expect(output()).toContain(`team from ${team.path} (workspace default v1)`);
      const url = `http://localhost:${port}`;
      // demo tokens carry no workspace claim: they belong to the default workspace, which now holds the folder
      const { token } = (await (await fetch(`${url}/tokens`, { method: 'POST', body: JSON.stringify({ session: 'demo-team' }) })).json()) as { token: string };
      const read = await fetch(`${url}/workspaces/default`, { headers: { authorization: `Bearer ${token}` } });
      expect(read.status).toBe(200);
      const version = (await read.json()) as { hash: string; savedBy: string; document: { brand: { name: string } } };
      expect(version).toMatchObject({ hash: workspaceDocumentHash(notely), savedBy: 'marketing-team dev --team', document: { brand: { name: 'Notely' } } });
      const exited = new Promise((resolve) => demo.once('exit', resolve));
      demo.kill('SIGTERM');
      await exited;
      // the same folder again: no new version
      const again = await startDemo(['--data', data.path, '--team', team.path]);
      expect(again.output()).toContain('(workspace default v1, unchanged)');
    } finally {
      team.cleanup();
      data.cleanup();
    }
  }, 60_000);

  it('refuses an invalid folder with the file and line, and does not start', async () => {
    const team = tempDir();
    try {
      const files = workspaceToClaudeFiles(notely).map((file) =>
        file.path === '.claude/skills/ad-copy/SKILL.md' ? { ...file, content: file.content.replace('name: ad-copy\n', 'name: ad-copy\n\tcolour: red\n') } : file,
      );
      writeTeamFolder(team.path, files);
      const demo = spawn(process.execPath, ['--conditions=@marketing-team/source', '--import', 'tsx', 'packages/server/src/cli.ts', 'dev', '--port', '0', '--data', team.path, '--scripted', '--team', team.path], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      demos.add(demo);
      let out = '';
      demo.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      demo.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const code = await new Promise((resolve) => demo.once('exit', resolve));
      expect(code).toBe(1);
      expect(out).toContain(`--team: ${join(team.path, '.claude/skills/ad-copy/SKILL.md')}:3: tab used for indentation`);
      expect(out).not.toMatch(/http:\/\/localhost/);
    } finally {
      team.cleanup();
    }
  }, 60_000);
});
