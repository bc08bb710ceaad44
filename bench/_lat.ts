import { delta, startClients, startDurable, startRaw, type StoreKind } from './_delivery.js';
import { percentile } from './bench-result.js';
async function onSchedule(streams: number, perSecond: number, seconds: number, send: (stream: number, index: number, due: number) => void): Promise<void> {
  const interval = 1000 / perSecond;
  const count = perSecond * seconds;
  const start = performance.now();
  await Promise.all(Array.from({ length: streams }, (_, stream) => new Promise<void>((resolve) => {
    const offset = (stream * interval) / streams;
    let index = 0;
    const next = () => {
      send(stream, index, performance.timeOrigin + start + offset + index * interval);
      index += 1;
      if (index === count) return resolve();
      setTimeout(next, Math.max(0, start + offset + index * interval - performance.now()));
    };
    setTimeout(next, offset);
  })));
}
async function durableDelays(kind: StoreKind, streams: number, perSecond: number, seconds: number): Promise<number[]> {
  const durable = await startDurable(kind);
  const subscribes = await Promise.all(Array.from({ length: streams }, async (_, s) => ({ type: 'subscribe', session: `latency-${s}`, token: await durable.token(`latency-${s}`), from: 0 })));
  const { result } = await startClients(durable.url, subscribes, perSecond * seconds, true);
  const appends: Promise<unknown>[] = [];
  await onSchedule(streams, perSecond, seconds, (s, i, due) => appends.push(durable.store.append(`latency-${s}`, [delta(i, String(due))])));
  await Promise.all(appends);
  const { delays } = await result;
  await durable.close();
  return delays;
}
async function rawDelays(streams: number, perSecond: number, seconds: number): Promise<number[]> {
  const raw = await startRaw();
  const { result } = await startClients(raw.url, Array.from({ length: streams }, () => null), perSecond * seconds, true);
  while (raw.wss.clients.size < streams) await new Promise((r) => setTimeout(r, 5));
  const targets = [...raw.wss.clients];
  await onSchedule(streams, perSecond, seconds, (s, i, due) => {
    const batch = [{ offset: i + 1, at: Date.now(), event: delta(i, String(due)) }];
    targets[s]!.send(JSON.stringify({ type: 'events', session: `latency-${s}`, epoch: 'e', batch }));
  });
  const { delays } = await result;
  await raw.close();
  return delays;
}
const kind = (process.argv[2] ?? 'memory') as StoreKind;
const rounds = Number(process.argv[3] ?? 4);
const ours: number[] = [], base: number[] = [];
for (let r = 0; r < rounds; r++) {
  (globalThis as any).__fsyncs.length = 0; const d = await durableDelays(kind, 100, 50, 2); ours.push(...d); const f = [...(globalThis as any).__fsyncs].sort((a: number, b: number) => a - b); console.log(`  fsyncs ${f.length} p50 ${f[f.length >> 1]?.toFixed(2)} p99 ${f[Math.floor(f.length * 0.99)]?.toFixed(2)} max ${f.at(-1)?.toFixed(1)}`);
  const b = await rawDelays(100, 50, 2); base.push(...b);
  console.log(`round ${r}: durable p50 ${percentile(d,50).toFixed(2)} p99 ${percentile(d,99).toFixed(2)} max ${Math.max(...d).toFixed(1)} | raw p50 ${percentile(b,50).toFixed(2)} p99 ${percentile(b,99).toFixed(2)}`);
}
console.log(`pooled: durable p99 ${percentile(ours,99).toFixed(2)} raw p99 ${percentile(base,99).toFixed(2)} added ${(percentile(ours,99)-percentile(base,99)).toFixed(2)}`);
process.exit(0);
