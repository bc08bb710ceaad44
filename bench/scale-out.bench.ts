// Scale-out: node processes serving 100 concurrent runs (one session each, the scripted producer
// running on the node that took the brief) to 300 WebSocket clients (three per session, spread
// over the nodes round-robin, so most clients read a run another node owns). Compared: one node
// on SQLite (the embedded default), one node on Redis, two nodes on Redis. Measured per setup:
// delivered records per second at saturation, and p50/p99 delivery latency at a fixed rate
// (client receive time minus the record's stored time). On two nodes on Redis: cancel-to-owner
// latency, a cancel sent to the node that does not own the run. A fourth setup pins each run's
// clients to the node that owns it (a session-affine balancer), so each node follows only its runs.
// Every node is its own process; the clients share the bench process, and everything shares
// this machine's cores (see the printed core count when reading the ratios). One and two nodes
// on PostgreSQL (MT_POSTGRES_URL, default the local `test` database) run the same workload.
// Run alone: node --conditions=@marketing-team/source --import tsx bench/scale-out.bench.ts
// MT_SCALE_OUT_SETUPS picks setups by label words (e.g. `SQLite,PostgreSQL`); default all.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import WebSocket from 'ws';
import { createTokenIssuer } from '../packages/server/src/auth/token-issuer.js';
import { ORIGIN, SECRET } from '../packages/server/test/_harness.js';
import { spawnReady } from '../packages/server/test/_node-spawn.js';
import { benchResult, percentile, type BenchResult } from './bench-result.js';
import { dropPostgresPrefix } from './_postgres.js';

const tokens = createTokenIssuer({ secret: SECRET });
const RUNS = 100;
const CLIENTS_PER_RUN = 3;

interface Node {
  child: ChildProcess;
  wsUrl: string;
}

interface Setup {
  label: string;
  /** All clients of a run on the node that owns it (a session-affine balancer), rather than round-robin. */
  pinned?: boolean;
  nodes: Node[];
  close(): Promise<void>;
}

async function startNode(env: Record<string, string>): Promise<Node> {
  const { child, port } = await spawnReady('_node-process.ts', [], env);
  return { child, wsUrl: `ws://127.0.0.1:${port}/ws` };
}

async function stopNode(node: Node): Promise<void> {
  if (node.child.exitCode !== null) return;
  const exited = once(node.child, 'exit');
  node.child.kill('SIGTERM');
  const timer = setTimeout(() => node.child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function sqliteSetup(): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'mt-scale-'));
  const node = await startNode({ MT_STORE: 'sqlite', MT_SQLITE_PATH: join(dir, 'sessions.db') });
  return {
    label: '1 node, SQLite',
    nodes: [node],
    async close() {
      await stopNode(node);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function redisSetup(count: number, pinned = false): Promise<Setup> {
  const prefix = `mt-scale-${randomUUID().slice(0, 8)}:`;
  const nodes = await Promise.all(Array.from({ length: count }, (_, i) => startNode({ MT_PREFIX: prefix, MT_NODE_ID: `bench-${i}` })));
  return {
    label: `${count} node${count > 1 ? 's' : ''}, Redis${pinned ? ', clients pinned to the owner' : ''}`,
    nodes,
    pinned,
    async close() {
      await Promise.all(nodes.map(stopNode));
      const redis = new Redis('redis://127.0.0.1:6379');
      const keys = await redis.keys(`${prefix}*`);
      for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
      await redis.quit();
    },
  };
}

async function postgresSetup(count: number): Promise<Setup> {
  const prefix = `mt_scale_${randomUUID().replaceAll('-', '').slice(0, 8)}_`;
  const url = process.env.MT_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const nodes = await Promise.all(
    Array.from({ length: count }, (_, i) => startNode({ MT_STORE: 'postgres', MT_PREFIX: prefix, MT_POSTGRES_URL: url, MT_NODE_ID: `bench-${i}` })),
  );
  return {
    label: `${count} node${count > 1 ? 's' : ''}, PostgreSQL`,
    nodes,
    async close() {
      await Promise.all(nodes.map(stopNode));
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await dropPostgresPrefix(admin, prefix);
      await admin.end();
    },
  };
}

/** One WebSocket client of one session: counts records, samples latency, tracks run status. */
class Probe {
  records = 0;
  lastOffset = 0;
  readonly latencies: number[] = [];
  readonly ended = new Map<string, string>();
  readonly acks = new Map<string, (offset: number) => void>();
  readonly seen = new Map<string, (at: number) => void>();
  constructor(
    readonly socket: WebSocket,
    readonly session: string,
    sample: boolean,
  ) {
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as {
        type: string;
        clientMsgId?: string;
        offset?: number;
        batch?: { offset: number; at: number; event: { type: string; runId?: string } }[];
      };
      if (frame.type === 'ack' && frame.clientMsgId) this.acks.get(frame.clientMsgId)?.(frame.offset ?? 0);
      if (frame.type !== 'events' || !frame.batch) return;
      const now = Date.now();
      for (const record of frame.batch) {
        this.records += 1;
        this.lastOffset = record.offset;
        if (sample && record.event.type === 'text.delta') this.latencies.push(now - record.at);
        const type = record.event.type;
        if (type === 'run.completed' || type === 'run.cancelled' || type === 'run.failed' || type === 'run.interrupted') {
          this.ended.set(record.event.runId!, type);
        }
        this.seen.get(type)?.(record.at);
      }
    });
  }

  send(frame: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(frame));
  }

  publish(clientMsgId: string, frame: Record<string, unknown>): Promise<number> {
    return new Promise((resolve) => {
      this.acks.set(clientMsgId, resolve);
      this.send({ ...frame, session: this.session, clientMsgId });
    });
  }
}

async function connect(node: Node, session: string, sample: boolean): Promise<Probe> {
  const socket = new WebSocket(node.wsUrl, { origin: ORIGIN, perMessageDeflate: false });
  await once(socket, 'open');
  const probe = new Probe(socket, session, sample);
  probe.send({ type: 'hello', protocol: 1, clientId: `probe-${randomUUID().slice(0, 8)}` });
  const token = await tokens.mint({ session, userId: 'bench', capabilities: ['read', 'write', 'control'], ttlSeconds: 3600 });
  const subscribed = new Promise<void>((resolve) => {
    const onMessage = (data: Buffer) => {
      if ((JSON.parse(data.toString()) as { type: string }).type === 'subscribed') {
        socket.off('message', onMessage);
        resolve();
      }
    };
    socket.on('message', onMessage);
  });
  probe.send({ type: 'subscribe', session, token, from: 0 });
  await subscribed;
  return probe;
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * 100 runs of `deltas` deltas at `rate` per second each, three clients per run; client c of run
 * r connects to node (r + c) % nodes (or node r % nodes when pinned) and the brief goes through
 * node r % nodes, which owns it.
 */
async function workload(setup: Setup, phase: string, deltas: number, rate: number): Promise<{ perSecond: number; latencies: number[] }> {
  const nodes = setup.nodes;
  const nodeOf = (r: number, c: number) => (setup.pinned ? r % nodes.length : (r + c) % nodes.length);
  const probes: Probe[][] = [];
  for (let r = 0; r < RUNS; r++) {
    const session = `${phase}-${r}-${randomUUID().slice(0, 6)}`;
    probes.push(await Promise.all(Array.from({ length: CLIENTS_PER_RUN }, (_, c) => connect(nodes[nodeOf(r, c)]!, session, true))));
  }
  const started = Date.now();
  await Promise.all(
    probes.map((group, r) =>
      group[0]!.publish(`brief-${r}`, {
        type: 'publish',
        event: { type: 'brief.submitted', runId: `run-${r}`, brief: { goal: `bench deltas=${deltas} rate=${rate}` } },
      }),
    ),
  );
  const all = probes.flat();
  await until(() => all.every((probe) => probe.ended.size > 0), 120_000, `${phase}: every run to end at every client`);
  const seconds = (Date.now() - started) / 1000;
  const delivered = all.reduce((sum, probe) => sum + probe.records, 0);
  const latencies = all.flatMap((probe) => probe.latencies);
  for (const probe of all) probe.socket.terminate();
  return { perSecond: delivered / seconds, latencies };
}

/** A run owned by node 0, cancelled by a client of node 1; both times come from the log. */
async function cancelLatency(setup: Setup, samples: number): Promise<{ toOwner: number[]; toClients: number[] }> {
  const [a, b] = setup.nodes as [Node, Node];
  const toOwner: number[] = [];
  const toClients: number[] = [];
  for (let i = 0; i < samples; i++) {
    const session = `cancel-${i}-${randomUUID().slice(0, 6)}`;
    const owner = await connect(a, session, false);
    const remote = await connect(b, session, false);
    const runId = `run-${i}`;
    await owner.publish('brief', { type: 'publish', event: { type: 'brief.submitted', runId, brief: { goal: 'bench deltas=100000 rate=200' } } });
    await until(() => remote.records >= 10, 10_000, 'the run to stream on node 1');
    let requestedAt = 0;
    const cancelled = new Promise<number>((resolve) => remote.seen.set('run.cancelled', resolve));
    remote.seen.set('cancel.requested', (at) => (requestedAt = at));
    const sent = Date.now();
    remote.send({ type: 'cancel', session, clientMsgId: 'cancel', runId });
    const cancelledAt = await cancelled;
    toClients.push(Date.now() - sent);
    // Stored on node 1, seen by node 0 over pub/sub, run aborted and `run.cancelled` stored by node 0.
    toOwner.push(cancelledAt - requestedAt);
    owner.socket.terminate();
    remote.socket.terminate();
  }
  return { toOwner, toClients };
}

/** Throughput, latency and cancel figures of one node on SQLite vs one and two nodes on Redis and on PostgreSQL. */
export async function runScaleOutBench(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const figures = new Map<string, { perSecond: number; p50: number; p99: number }>();
  const log = (result: BenchResult) => {
    console.log(`  ${result.name}: ${result.value} ${result.unit} (baseline ${result.baseline}, ratio ${result.ratio})`);
    results.push(result);
  };
  console.log(`  ${RUNS} runs, ${RUNS * CLIENTS_PER_RUN} clients, ${cpus().length} cores shared by every node and the clients`);
  let cancel: { toOwner: number[]; toClients: number[] } | undefined;
  const wanted = process.env.MT_SCALE_OUT_SETUPS?.split(',').filter(Boolean);
  const setups: [string, () => Promise<Setup>][] = [
    ['SQLite', sqliteSetup],
    ['Redis', () => redisSetup(1)],
    ['Redis', () => redisSetup(2)],
    ['Redis', () => redisSetup(2, true)],
    ['PostgreSQL', () => postgresSetup(1)],
    ['PostgreSQL', () => postgresSetup(2)],
  ];
  for (const [kind, start] of setups) {
    if (wanted && !wanted.includes(kind)) continue;
    const setup = await start();
    try {
      const saturated = await workload(setup, 'saturate', 300, 1000);
      const steady = await workload(setup, 'steady', 100, 20);
      figures.set(setup.label, { perSecond: saturated.perSecond, p50: percentile(steady.latencies, 50), p99: percentile(steady.latencies, 99) });
      if (setup.label === '2 nodes, Redis') cancel = await cancelLatency(setup, 30);
    } finally {
      await setup.close();
    }
  }
  const sqlite = figures.get('1 node, SQLite');
  const one = figures.get('1 node, Redis');
  for (const [label, figure] of figures) {
    const baseline = label === '1 node, SQLite' ? null : (sqlite ?? null);
    log(benchResult(`throughput at saturation, ${label}`, figure.perSecond, 'deliveries/s', baseline?.perSecond ?? null, baseline ? 'informational (vs 1 node, SQLite)' : 'informational'));
    log(benchResult(`delivery latency p50, 100 runs x 20 deltas/s, ${label}`, figure.p50, 'ms', baseline?.p50 ?? null, 'informational'));
    log(benchResult(`delivery latency p99, 100 runs x 20 deltas/s, ${label}`, figure.p99, 'ms', baseline?.p99 ?? null, '< 100 ms'));
  }
  const two = figures.get('2 nodes, Redis');
  const pinned = figures.get('2 nodes, Redis, clients pinned to the owner');
  if (one && two && pinned) {
    log(benchResult('throughput scaling, 2 nodes vs 1 node on Redis (round-robin clients)', two.perSecond, 'deliveries/s', one.perSecond, 'ratio > 1 (bounded by the cores)'));
    log(benchResult('throughput scaling, 2 nodes vs 1 node on Redis (clients pinned to the owner)', pinned.perSecond, 'deliveries/s', one.perSecond, 'ratio > 1 (bounded by the cores)'));
  }
  if (cancel) {
    log(benchResult('cancel to owner p50 (cancel stored on node 1 -> run.cancelled stored by owner node 0)', percentile(cancel.toOwner, 50), 'ms', null, '< 100 ms'));
    log(benchResult('cancel to owner p99 (cancel stored on node 1 -> run.cancelled stored by owner node 0)', percentile(cancel.toOwner, 99), 'ms', null, '< 100 ms'));
    log(benchResult('cancel round trip p50 (client on node 1 sends -> sees run.cancelled)', percentile(cancel.toClients, 50), 'ms', null, 'informational'));
    log(benchResult('cancel round trip p99 (client on node 1 sends -> sees run.cancelled)', percentile(cancel.toClients, 99), 'ms', null, 'informational'));
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runScaleOutBench();
  process.exit(0);
}
