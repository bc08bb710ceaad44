import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from './sqlite-store.js';

const repositoryRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const child = fileURLToPath(new URL('./_sqlite-crash-child.ts', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'mt-sqlite-crash-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs the appending child until it acknowledged `acknowledged` offsets, then SIGKILLs it. */
function appendUntilKilled(path: string, synchronous: string, acknowledged: number): Promise<Map<number, string>> {
  return new Promise((resolve, reject) => {
    const appender = spawn(
      'node',
      ['--conditions=@marketing-team/source', '--import', 'tsx', child, path, synchronous],
      { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const acks = new Map<number, string>();
    let pending = '';
    let stderr = '';
    let killed = false;
    appender.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    appender.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const [offset, text] = line.split(' ');
        if (text !== undefined) acks.set(Number(offset), text);
      }
      if (!killed && acks.size >= acknowledged) {
        killed = true;
        appender.kill('SIGKILL');
      }
    });
    appender.on('error', reject);
    appender.on('exit', (_code, signal) => {
      if (signal === 'SIGKILL') resolve(acks);
      else reject(new Error(`the appender exited on its own: ${stderr}`));
    });
  });
}

describe('SqliteStore after a SIGKILL', () => {
  for (const synchronous of ['full', 'normal']) {
    it(`keeps every acknowledged append, in order, without a gap (synchronous=${synchronous})`, async () => {
      const path = join(root, `${synchronous}.db`);
      const acks = await appendUntilKilled(path, synchronous, 600);
      expect(acks.size).toBeGreaterThanOrEqual(600);
      const store = new SqliteStore({ path });
      const head = await store.head('crash');
      const records = await store.read('crash', 0);
      expect(records.map((record) => record.offset)).toEqual(Array.from({ length: head.offset }, (_, index) => index + 1));
      for (const [offset, text] of acks) {
        expect(records[offset - 1]?.event).toMatchObject({ type: 'text.delta', text });
      }
      // The log goes on from where the killed process left it.
      const next = await store.append('crash', [
        { type: 'text.delta', runId: 'r1', taskId: 't9', agent: 'content-creator', messageId: 'm1', text: 'after' },
      ]);
      expect(next.records[0]!.offset).toBe(head.offset + 1);
      await store.close();
    });
  }
});
