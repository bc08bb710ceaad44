import { produceOnSchedule, startClients, startDurable, startRaw, delta, nextTurn } from './_delivery.js';
async function durableThroughput(clients: number, events: number) {
  const durable = await startDurable('memory');
  const session = 'throughput';
  const subscribes = await Promise.all(Array.from({ length: clients }, async () => ({ type: 'subscribe', session, token: await durable.token(session), from: 0 })));
  const { result } = await startClients(durable.url, subscribes, events, false);
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  await produceOnSchedule(durable.store, session, events);
  const { batchSizes } = await result;
  const cpu = process.cpuUsage(cpu0);
  const rate = (events * clients) / ((performance.now() - started) / 1000);
  await durable.close();
  return { rate, batchSizes, cpuPerEvent: (cpu.user + cpu.system) / events };
}
async function rawThroughput(clients: number, batchSizes: number[]) {
  const events = batchSizes.reduce((s, n) => s + n, 0);
  const raw = await startRaw();
  const { result } = await startClients(raw.url, Array.from({ length: clients }, () => null), events, false);
  while (raw.wss.clients.size < clients) await new Promise((r) => setTimeout(r, 5));
  const targets = [...raw.wss.clients];
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  let offset = 0;
  for (const size of batchSizes) {
    const batch = [];
    for (let i = 0; i < size; i++) batch.push({ offset: offset + 1, at: Date.now(), event: delta(offset++) });
    const frame = JSON.stringify({ type: 'events', session: 'throughput', epoch: 'e', batch });
    for (const t of targets) t.send(frame);
    await nextTurn();
  }
  await result;
  const cpu = process.cpuUsage(cpu0);
  const rate = (events * clients) / ((performance.now() - started) / 1000);
  await raw.close();
  return { rate, cpuPerEvent: (cpu.user + cpu.system) / events };
}
const rounds = Number(process.argv[2] ?? 5);
for (let r = 0; r < rounds; r++) {
  const d = await durableThroughput(1, 20_000);
  const raw = process.env.NORAW ? { rate: 1, cpuPerEvent: 0 } : await rawThroughput(1, d.batchSizes);
  const mean = d.batchSizes.length ? 20000 / d.batchSizes.length : 0;
  console.log(`durable ${d.rate.toFixed(0)}/s cpu ${d.cpuPerEvent.toFixed(1)}us  raw ${raw.rate.toFixed(0)}/s cpu ${raw.cpuPerEvent.toFixed(1)}us ratio ${(d.rate / raw.rate).toFixed(2)} batches ${d.batchSizes.length} mean ${mean.toFixed(0)}`);
}
process.exit(0);
