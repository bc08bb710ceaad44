import { describe, expect, it } from 'vitest';
import { DeltaWriter } from './_delta-writer.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe('DeltaWriter', () => {
  it('joins chunks that arrive while an append is being stored, in order', async () => {
    const written: string[] = [];
    const gates: Array<ReturnType<typeof deferred>> = [];
    const writer = new DeltaWriter(
      async (text) => {
        written.push(text);
        const gate = deferred();
        gates.push(gate);
        await gate.promise;
      },
      0,
      1000,
      () => {},
    );
    writer.push('a');
    await Promise.resolve();
    await Promise.resolve();
    expect(written).toEqual(['a']);
    writer.push('b');
    writer.push('c');
    writer.push('d');
    gates[0]!.resolve();
    const drained = writer.drain();
    await new Promise((resolve) => setImmediate(resolve));
    expect(written).toEqual(['a', 'bcd']);
    gates[1]!.resolve();
    await drained;
    expect(written.join('')).toBe('abcd');
  });

  it('splits a buffer larger than maxChars into several deltas', async () => {
    const written: string[] = [];
    const writer = new DeltaWriter(async (text) => void written.push(text), 50, 4, () => {});
    writer.push('abcdefghij');
    await writer.drain();
    expect(written).toEqual(['abcd', 'efgh', 'ij']);
  });

  it('stops after a failed append, reports it once and rethrows it from drain', async () => {
    const errors: unknown[] = [];
    const written: string[] = [];
    const failure = new Error('fenced');
    const writer = new DeltaWriter(
      async (text) => {
        written.push(text);
        throw failure;
      },
      0,
      100,
      (error) => errors.push(error),
    );
    writer.push('x');
    await expect(writer.drain()).rejects.toBe(failure);
    writer.push('y');
    await expect(writer.drain()).rejects.toBe(failure);
    expect(written).toEqual(['x']);
    expect(errors).toEqual([failure]);
  });
});
