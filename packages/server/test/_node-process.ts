// One server node in its own process, for the multi-node test and the scale-out bench.
// MT_STORE=redis (default): RedisStore + RedisRunLeases under MT_PREFIX on MT_REDIS_URL.
// MT_STORE=sqlite: SqliteStore at MT_SQLITE_PATH, no leases (the single-node baseline).
// MT_STORE=postgres: PostgresStore + PostgresRunLeases with table prefix MT_PREFIX on MT_POSTGRES_URL.
// The scripted producer runs briefs (MT_DELTAS deltas per task, MT_TASKS tasks, MT_RATE per second).
// MT_VIEWERS_TTL (with Redis): viewers are shared across nodes by RedisClusterViewers with that ttl.
// Prints `READY <port> <nodeId>` once listening; `GET /node?session=…` reports what it owns.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PostgresRunLeases } from '../src/cluster/postgres-run-leases.js';
import { RedisClusterViewers } from '../src/cluster/redis-cluster-viewers.js';
import { RedisRunLeases } from '../src/cluster/redis-run-leases.js';
import { attachWebSocket, createMarketingTeamServer, createNodeListener } from '../src/http/index.js';
import type { RunLauncher } from '../src/runtime/run-launcher.js';
import { createScriptedProducer } from '../src/runtime/scripted-producer.js';
import { PostgresStore } from '../src/stores/postgres-store.js';
import { RedisStore } from '../src/stores/redis-store.js';
import { SqliteStore } from '../src/stores/sqlite-store.js';
import type { SessionStore } from '../src/stores/session-store.js';
import { ORIGIN, ROOMY_LIMITS, SECRET } from './_harness.js';

const env = process.env;
const nodeId = env.MT_NODE_ID ?? `node-${process.pid}`;
let store: SessionStore;
let leases: RedisRunLeases | PostgresRunLeases | undefined;
let viewers: RedisClusterViewers | undefined;
if (env.MT_STORE === 'sqlite') {
  if (!env.MT_SQLITE_PATH) throw new Error('MT_SQLITE_PATH is required with MT_STORE=sqlite');
  store = new SqliteStore({ path: env.MT_SQLITE_PATH });
} else if (env.MT_STORE === 'postgres') {
  const tablePrefix = env.MT_PREFIX ?? 'mt_';
  const connectionString = env.MT_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  store = new PostgresStore({ connectionString, tablePrefix, maxConnections: 20 });
  leases = new PostgresRunLeases({ store, connectionString, tablePrefix, nodeId, ttlMs: Number(env.MT_LEASE_TTL ?? 10_000), onError: () => undefined });
} else {
  const keyPrefix = env.MT_PREFIX ?? 'mt:';
  const url = env.MT_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisStore = new RedisStore({ url, keyPrefix });
  store = redisStore;
  leases = new RedisRunLeases({ store, url, keyPrefix, nodeId, ttlMs: Number(env.MT_LEASE_TTL ?? 10_000), onError: () => undefined });
  if (env.MT_VIEWERS_TTL) viewers = new RedisClusterViewers({ url, keyPrefix, nodeId, ttlMs: Number(env.MT_VIEWERS_TTL), onError: () => undefined });
}

const defaults = { deltas: Number(env.MT_DELTAS ?? 2000), deltasPerSecond: Number(env.MT_RATE ?? 500), tasks: Number(env.MT_TASKS ?? 1) };
const launcher: RunLauncher = {
  launch(context) {
    // A goal reading `deltas=<n> rate=<n>` sets the producer of that run (the bench uses it).
    const match = /deltas=(\d+) rate=(\d+)/.exec(context.brief.goal);
    const options = match ? { ...defaults, deltas: Number(match[1]), deltasPerSecond: Number(match[2]) } : defaults;
    return createScriptedProducer(options).launch(context);
  },
};

const server = createMarketingTeamServer({
  store,
  tokens: { secret: SECRET },
  limits: ROOMY_LIMITS,
  allowedOrigins: [ORIGIN],
  onError: () => undefined,
  rateLimit: { messagesPerSecond: 1e6, burst: 1e6 },
  ...(leases ? { runLeases: leases } : { interruptOrphanedRuns: true }),
  ...(viewers ? { clusterViewers: viewers } : {}),
  launcher,
});
server.route('/node', (request) => {
  const session = new URL(request.url).searchParams.get('session') ?? '';
  const owned = session ? server.hub.ownedRuns(session) : [];
  return Response.json({ nodeId, owned, held: leases?.held() ?? [], leaseMetrics: leases?.metrics ?? null });
});

const http = createServer(createNodeListener(server));
const ws = attachWebSocket(http, server);
http.listen(0, '127.0.0.1', () => {
  process.stdout.write(`READY ${(http.address() as AddressInfo).port} ${nodeId}\n`);
});

process.once('SIGTERM', () => {
  void (async () => {
    ws.close();
    await server.close();
    await leases?.close();
    await viewers?.close();
    await store.close();
    http.closeAllConnections();
    http.close();
    process.exit(0);
  })();
});
