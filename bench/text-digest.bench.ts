// What verified resume costs: the running digest the reducer keeps per message, and a client's
// checks at the server's digests (one every 4 096 characters and at the end), each against
// reducing the same deltas in the same run (the work every client does anyway).
import { applyRecords, findMessage, createSessionState, extendTextDigest, matchesTextDigest, digestText, type SessionRecord } from '@marketing-team/core';
import { benchResult, type BenchResult } from './bench-result.js';

const MESSAGE_CHARS = 100_000;
const DELTA_CHARS = 40;
const DIGEST_EVERY_CHARS = 4096;

function deltas(): SessionRecord[] {
  const text = 'Ship faster with five agents, one brief and a durable log. ';
  const records: SessionRecord[] = [
    { offset: 1, at: 0, event: { type: 'message.started', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1', offline: true } },
  ];
  for (let written = 0; written < MESSAGE_CHARS; written += DELTA_CHARS) {
    const piece = text.repeat(2).slice(written % text.length, (written % text.length) + DELTA_CHARS);
    records.push({ offset: records.length + 1, at: 0, event: { type: 'text.delta', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1', text: piece } });
  }
  return records;
}

/** Best timing of each of `works`, in ms, over `rounds` rounds that run them in turn (so load on the machine falls on all alike). */
function best(rounds: number, works: Array<() => unknown>): number[] {
  const fastest = works.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < rounds; round += 1) {
    works.forEach((work, index) => {
      const started = performance.now();
      work();
      fastest[index] = Math.min(fastest[index]!, performance.now() - started);
    });
  }
  return fastest;
}

export async function runTextDigest(): Promise<BenchResult[]> {
  const records = deltas();
  const pieces = records.slice(1).map((record) => (record.event as { text: string }).text);
  // Reducing one delta per batch, as a live client does.
  const reduce = () => {
    let state = createSessionState();
    for (const record of records) state = applyRecords(state, [record]);
    return state;
  };
  const text = findMessage(reduce(), 'm1')!.text;
  const checkpoints: Array<{ length: number; digest: ReturnType<typeof digestText> }> = [];
  for (let length = DIGEST_EVERY_CHARS; length < text.length; length += DIGEST_EVERY_CHARS) checkpoints.push({ length, digest: digestText(text.slice(0, length)) });
  checkpoints.push({ length: text.length, digest: digestText(text) });
  const [reducing, running, verifying] = best(15, [
    reduce,
    () => pieces.reduce((digest, piece) => extendTextDigest(digest, piece), digestText('')),
    () => checkpoints.every(({ length, digest }) => matchesTextDigest(text.slice(0, length), digest)),
  ]) as [number, number, number];
  return [
    benchResult(`running digest of a ${MESSAGE_CHARS / 1000}k-character message in ${DELTA_CHARS}-character deltas`, running, 'ms', reducing, 'ratio <= 0.25 of reducing the deltas'),
    benchResult(`client checks at every ${DIGEST_EVERY_CHARS} characters and at the end`, verifying, 'ms', reducing, 'ratio <= 0.5 of reducing the deltas'),
  ];
}
