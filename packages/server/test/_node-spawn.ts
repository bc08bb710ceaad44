// Starts server nodes as real processes (`_node-process.ts`) and stops them, for the tests that
// need several nodes on one Redis.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../../..');

/** A node process listening on a local port. */
export interface NodeProcess {
  child: ChildProcess;
  id: string;
  wsUrl: string;
  httpUrl: string;
}

/**
 * Starts a test server script (`packages/server/test/<script>`) in its own process with `env`
 * added to this one's, and resolves once it prints `READY <port>`. `children` collects it for cleanup.
 */
export async function spawnReady(script: string, args: string[], env: Record<string, string>, children?: Set<ChildProcess>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--conditions=@marketing-team/source', '--import', 'tsx', `packages/server/test/${script}`, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  children?.add(child);
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`${script} exited early with ${code}`)));
  });
  return { child, port };
}

/** Starts `_node-process.ts` as node `id` with `env`; resolves once it listens. */
export async function spawnNode(id: string, env: Record<string, string>, children: Set<ChildProcess>): Promise<NodeProcess> {
  const { child, port } = await spawnReady('_node-process.ts', [], { MT_NODE_ID: id, ...env }, children);
  return { child, id, wsUrl: `ws://127.0.0.1:${port}/ws`, httpUrl: `http://127.0.0.1:${port}` };
}

/** Kills `child` with SIGKILL (a crash, no goodbye) and resolves once it has exited. */
export function killNode(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
