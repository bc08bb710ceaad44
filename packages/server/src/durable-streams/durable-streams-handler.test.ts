import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { applyRecords, createSessionState } from '@marketing-team/core';
import { MemoryStore } from '../stores/memory-store.js';
import { createDurableStreamsHandler } from './durable-streams-handler.js';
import { MemoryStreamStore } from './memory-stream-store.js';
import { SqliteStreamStore } from './sqlite-stream-store.js';
import { formatStreamOffset } from './stream-offset.js';

const base = 'http://localhost/ds';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function handlerWith(options: Partial<Parameters<typeof createDurableStreamsHandler>[0]> = {}) {
  const store = new MemoryStore();
  const streams = new MemoryStreamStore();
  cleanups.push(() => store.close(), () => streams.close());
  return createDurableStreamsHandler({ store, streams, basePath: '/ds', ...options });
}

describe('createDurableStreamsHandler', () => {
  test('bad options are refused with an error naming the field', () => {
    const store = new MemoryStore();
    cleanups.push(() => store.close());
    expect(() => createDurableStreamsHandler({ store, basePath: 'no-slash' })).toThrow(/basePath/);
    expect(() => createDurableStreamsHandler({ store, longPollTimeoutMs: -1 })).toThrow(/longPollTimeoutMs/);
    expect(() => createDurableStreamsHandler({ store: {} as never })).toThrow(/store/);
  });

  test('requests outside the base path are left to the host', async () => {
    const handler = handlerWith({ authorize: () => true });
    expect(await handler(new Request('http://localhost/other/x'))).toBeUndefined();
    expect(await handler(new Request('http://localhost/dsx'))).toBeUndefined();
  });

  test('without an authorize callback generic streams are refused', async () => {
    const handler = handlerWith();
    const response = (await handler(new Request(`${base}/v1/stream/a`, { method: 'PUT' })))!;
    expect(response.status).toBe(403);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  test('authorize sees the operation and the stream path', async () => {
    const seen: string[] = [];
    const handler = handlerWith({
      authorize: (_request, access) => {
        seen.push(`${access.operation} ${access.target.kind === 'stream' ? access.target.path : access.target.session}`);
        return access.operation !== 'delete';
      },
    });
    expect((await handler(new Request(`${base}/v1/stream/a`, { method: 'PUT', headers: { 'content-type': 'text/plain' } })))!.status).toBe(201);
    expect((await handler(new Request(`${base}/v1/stream/a`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' })))!.status).toBe(204);
    expect((await handler(new Request(`${base}/v1/stream/a`)))!.status).toBe(200);
    expect((await handler(new Request(`${base}/v1/stream/a`, { method: 'DELETE' })))!.status).toBe(403);
    expect(seen).toEqual(['create /v1/stream/a', 'append /v1/stream/a', 'read /v1/stream/a', 'delete /v1/stream/a']);
  });

  test('the Web handler hands authorize its own Request', async () => {
    const seen: unknown[] = [];
    const handler = handlerWith({
      authorize: (request) => {
        seen.push(request);
        return request.headers.get('Authorization') === 'Bearer yes';
      },
    });
    const refused = new Request(`${base}/v1/stream/a`, { method: 'PUT', headers: { authorization: 'Bearer no' } });
    const allowed = new Request(`${base}/v1/stream/a`, { method: 'PUT', headers: { authorization: 'Bearer yes' } });
    expect((await handler(refused))!.status).toBe(403);
    expect((await handler(allowed))!.status).toBe(201);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(refused);
    expect(seen[1]).toBe(allowed);
  });

  test('authorize may answer at once or through a promise; refusals and failures store nothing', async () => {
    let answer: () => unknown = () => true;
    const handler = handlerWith({ authorize: () => answer() as boolean });
    const append = async (body: string) =>
      (await handler(new Request(`${base}/v1/stream/answers`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body })))!.status;
    expect((await handler(new Request(`${base}/v1/stream/answers`, { method: 'PUT', headers: { 'content-type': 'text/plain' } })))!.status).toBe(201);
    expect(await append('a')).toBe(204);
    answer = () => Promise.resolve(true);
    expect(await append('b')).toBe(204);
    answer = () => false;
    expect(await append('x')).toBe(403);
    answer = () => Promise.resolve(false);
    expect(await append('x')).toBe(403);
    answer = () => {
      throw new Error('hook failed');
    };
    expect(await append('x')).toBe(500);
    answer = () => Promise.reject(new Error('hook failed'));
    expect(await append('x')).toBe(500);
    answer = () => true;
    expect(await (await handler(new Request(`${base}/v1/stream/answers?offset=-1`)))!.text()).toBe('ab');
  });

  test('malformed stream paths are refused, and dot segments never leave the base path', async () => {
    const handler = handlerWith({ authorize: () => true });
    for (const path of ['/v1//a', '/v1/a/']) {
      expect((await handler(new Request(`${base}${path}`, { method: 'PUT' })))!.status).toBe(400);
    }
    // URLs resolve dot segments (also percent-encoded ones) before the handler sees the path.
    expect(await handler(new Request(`${base}/%2e%2e/escape`, { method: 'PUT' }))).toBeUndefined();
  });

  test('a cross-origin request from an origin not allowed is refused; an allowed one gets CORS headers', async () => {
    const handler = handlerWith({ authorize: () => true, allowedOrigins: ['https://app.example'] });
    const refused = (await handler(new Request(`${base}/v1/stream/a`, { method: 'HEAD', headers: { origin: 'https://evil.example' } })))!;
    expect(refused.status).toBe(403);
    await handler(new Request(`${base}/v1/stream/a`, { method: 'PUT' }));
    const allowed = (await handler(new Request(`${base}/v1/stream/a`, { method: 'HEAD', headers: { origin: 'https://app.example' } })))!;
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(allowed.headers.get('access-control-expose-headers')).toContain('Stream-Next-Offset');
  });

  test('appends over the size limit get 413 and store nothing', async () => {
    const handler = handlerWith({ authorize: () => true, maxAppendBytes: 8 });
    await handler(new Request(`${base}/s`, { method: 'PUT', headers: { 'content-type': 'text/plain' } }));
    const response = (await handler(new Request(`${base}/s`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '123456789' })))!;
    expect(response.status).toBe(413);
    const head = (await handler(new Request(`${base}/s`, { method: 'HEAD' })))!;
    expect(head.headers.get('stream-next-offset')).toBe(formatStreamOffset(0));
  });

  test('a SQLite stream store keeps data and producer state across a restart', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'mt-ds-sqlite-'));
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
    const sessions = new MemoryStore();
    cleanups.push(() => sessions.close());
    const open = () => new SqliteStreamStore({ path: join(directory, 'streams.db') });
    const producer = { 'content-type': 'application/json', 'producer-id': 'p', 'producer-epoch': '0', 'producer-seq': '0' };

    const first = open();
    const before = createDurableStreamsHandler({ store: sessions, streams: first, authorize: () => true });
    await before(new Request('http://localhost/s', { method: 'PUT', headers: { 'content-type': 'application/json' } }));
    expect((await before(new Request('http://localhost/s', { method: 'POST', headers: producer, body: '[{"n":1},{"n":2}]' })))!.status).toBe(200);
    await first.close();

    const second = open();
    cleanups.push(() => second.close());
    const after = createDurableStreamsHandler({ store: sessions, streams: second, authorize: () => true });
    // The retry of the same producer tuple after the restart is recognised as a duplicate.
    expect((await after(new Request('http://localhost/s', { method: 'POST', headers: producer, body: '[{"n":1},{"n":2}]' })))!.status).toBe(204);
    const read = (await after(new Request('http://localhost/s?offset=-1')))!;
    expect(await read.json()).toEqual([{ n: 1 }, { n: 2 }]);
    expect(read.headers.get('stream-next-offset')).toBe(formatStreamOffset(1));
  });
});

describe('session streams', () => {
  const card = (index: number) => ({ type: 'card.created' as const, cardId: `card-${index}`, title: `Card ${index}`, status: 'todo' as const, by: { kind: 'system' as const } });

  test('late joiners load the snapshot and read on from its offset; trimmed offsets are 410 Gone', async () => {
    const store = new MemoryStore();
    cleanups.push(() => store.close());
    const handler = createDurableStreamsHandler({ store, basePath: '/ds', authorize: () => true });
    const { records } = await store.append('s1', Array.from({ length: 6 }, (_, index) => card(index)));
    expect((await handler(new Request(`${base}/sessions/s1/snapshot`)))!.status).toBe(404);

    const state = applyRecords(createSessionState(), records.slice(0, 4));
    await store.saveSnapshot('s1', { offset: 4, state });
    await store.applyRetention('s1', { maxEvents: 2 });
    expect(await store.firstOffset('s1')).toBeGreaterThan(1);

    const snapshot = (await handler(new Request(`${base}/sessions/s1/snapshot`)))!;
    const body = (await snapshot.json()) as { offset: string; state: unknown };
    expect(body).toEqual({ offset: formatStreamOffset(4), state: JSON.parse(JSON.stringify(state)) });
    const rest = (await handler(new Request(`${base}/sessions/s1?offset=${body.offset}`)))!;
    expect(await rest.json()).toEqual(records.slice(4));
    expect(rest.headers.get('stream-up-to-date')).toBe('true');

    expect((await handler(new Request(`${base}/sessions/s1?offset=-1`)))!.status).toBe(410);
    expect((await handler(new Request(`${base}/sessions/s1?offset=${formatStreamOffset(99)}`)))!.status).toBe(410);
  });

  test('a long-poll on a session returns the next records as they are stored', async () => {
    const store = new MemoryStore();
    cleanups.push(() => store.close());
    const handler = createDurableStreamsHandler({ store, basePath: '/ds', authorize: () => true, longPollTimeoutMs: 5_000 });
    await store.append('s2', [card(0)]);
    const pending = handler(new Request(`${base}/sessions/s2?offset=${formatStreamOffset(1)}&live=long-poll`));
    const { records } = await store.append('s2', [card(1), card(2)]);
    const response = (await pending)!;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(records);
    expect(response.headers.get('stream-next-offset')).toBe(formatStreamOffset(3));
    expect(response.headers.get('stream-cursor')).toMatch(/^\d+$/);
  });
});

/** A real memory store that counts the records it hands out, by read or by subscription. */
class CountingStore extends MemoryStore {
  handedOut = 0;
  override async read(...args: Parameters<MemoryStore['read']>) {
    const records = await super.read(...args);
    this.handedOut += records.length;
    return records;
  }
  override subscribe(...[session, after, listener, options]: Parameters<MemoryStore['subscribe']>) {
    return super.subscribe(session, after, (records) => {
      this.handedOut += records.length;
      listener(records);
    }, options);
  }
}

/** A real memory stream store that counts the bytes it hands out. */
class CountingStreamStore extends MemoryStreamStore {
  bytesOut = 0;
  override async readMessages(...args: Parameters<MemoryStreamStore['readMessages']>) {
    const messages = await super.readMessages(...args);
    for (const message of messages) this.bytesOut += message.data.length;
    return messages;
  }
}

/** Lets every pending callback of the store and the stream run, a generous number of turns. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 100; turn++) await new Promise((resolve) => setImmediate(resolve));
}

/** The `data` payloads and `control` objects of an SSE body read to its end. */
async function sseEvents(response: Response): Promise<{ data: string[]; controls: Array<Record<string, unknown>>; bytes: number }> {
  const text = await response.text();
  const data: string[] = [];
  const controls: Array<Record<string, unknown>> = [];
  for (const block of text.split('\n\n').filter(Boolean)) {
    const [head, ...lines] = block.split('\n');
    const payload = lines.map((line) => line.replace(/^data:/, '')).join('\n');
    if (head === 'event: data') data.push(payload);
    else if (head === 'event: control') controls.push(JSON.parse(payload) as Record<string, unknown>);
  }
  return { data, controls, bytes: new TextEncoder().encode(text).length };
}

describe('SSE responses go at the reader’s pace and end at a byte cap', () => {
  const title = 'x'.repeat(290);
  const card = (index: number) => ({ type: 'card.created' as const, cardId: `card-${index}`, title, status: 'todo' as const, by: { kind: 'system' as const } });

  test('a session reader that stops reading stops the store reads', async () => {
    const store = new CountingStore();
    cleanups.push(() => store.close());
    for (let batch = 0; batch < 20; batch++) await store.append('big', Array.from({ length: 100 }, (_, index) => card(batch * 100 + index)));
    const handler = createDurableStreamsHandler({ store, basePath: '/ds', authorize: () => true, maxRecordsPerRead: 100 });
    const response = (await handler(new Request(`${base}/sessions/big?offset=-1&live=sse`)))!;
    const reader = response.body!.getReader();
    await reader.read();
    store.handedOut = 0;
    await settle();
    // About a page past what was read, never the 2,000-record log (about 800 KB) a push would queue.
    expect(store.handedOut).toBeLessThanOrEqual(200);
    await reader.cancel();
  });

  test('a session SSE response ends after sseMaxBytes; the next one goes on from its last offset', async () => {
    const store = new MemoryStore();
    cleanups.push(() => store.close());
    for (let batch = 0; batch < 10; batch++) await store.append('capped', Array.from({ length: 100 }, (_, index) => card(batch * 100 + index)));
    const all = await store.read('capped', 0);
    const handler = createDurableStreamsHandler({ store, basePath: '/ds', authorize: () => true, maxRecordsPerRead: 50, sseMaxBytes: 64 * 1024 });
    const received: unknown[] = [];
    let offset = '-1';
    let responses = 0;
    while (received.length < all.length) {
      responses += 1;
      const { data, controls, bytes } = await sseEvents((await handler(new Request(`${base}/sessions/capped?offset=${offset}&live=sse`)))!);
      // The cap holds to within one page (about 20 KB here).
      expect(bytes).toBeLessThan(64 * 1024 + 30 * 1024);
      for (const payload of data) received.push(...(JSON.parse(payload) as unknown[]));
      offset = controls.at(-1)!['streamNextOffset'] as string;
      if (received.length < all.length) expect(controls.at(-1)!['upToDate']).toBeUndefined();
      expect(responses).toBeLessThan(20);
    }
    expect(responses).toBeGreaterThan(3);
    expect(received).toEqual(JSON.parse(JSON.stringify(all)));
  });

  test('a generic-stream reader that stops reading stops the storage reads, and the response ends at sseMaxBytes', async () => {
    const store = new MemoryStore();
    const streams = new CountingStreamStore();
    cleanups.push(() => store.close(), () => streams.close());
    const handler = createDurableStreamsHandler({ store, streams, basePath: '/ds', authorize: () => true, maxReadBytes: 16 * 1024, sseMaxBytes: 64 * 1024 });
    expect((await handler(new Request(`${base}/big`, { method: 'PUT', headers: { 'content-type': 'text/plain' } })))!.status).toBe(201);
    for (let index = 0; index < 200; index++) {
      const appended = await handler(new Request(`${base}/big`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: `${index}:${'y'.repeat(4 * 1024)}\n` }));
      expect(appended!.status).toBeLessThan(300);
    }
    const response = (await handler(new Request(`${base}/big?offset=-1&live=sse`)))!;
    const reader = response.body!.getReader();
    await reader.read();
    streams.bytesOut = 0;
    await settle();
    // A few 16 KiB pages at most, not the 800 KiB stream.
    expect(streams.bytesOut).toBeLessThanOrEqual(96 * 1024);
    await reader.cancel();

    const { bytes, controls } = await sseEvents((await handler(new Request(`${base}/big?offset=-1&live=sse`)))!);
    expect(bytes).toBeLessThan(64 * 1024 + 24 * 1024);
    expect(controls.at(-1)!['upToDate']).toBeUndefined();
  });
});

describe('generic stream storage is bounded', () => {
  const past = new Date(Date.UTC(2020, 0, 1)).toISOString();
  const future = new Date(Date.UTC(2999, 0, 1)).toISOString();
  const put = (path: string, headers: Record<string, string> = {}) =>
    new Request(`${base}${path}`, { method: 'PUT', headers: { 'content-type': 'text/plain', ...headers } });

  for (const kind of ['memory', 'sqlite'] as const) {
    test(`expired streams are removed by a sweep though nobody reads them (${kind})`, async () => {
      let streams: MemoryStreamStore | SqliteStreamStore;
      if (kind === 'memory') streams = new MemoryStreamStore();
      else {
        const dir = mkdtempSync(join(tmpdir(), 'mt-ds-sweep-'));
        streams = new SqliteStreamStore({ path: join(dir, 'streams.db') });
        cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      }
      const store = new MemoryStore();
      cleanups.push(() => streams.close(), () => store.close());
      const handler = createDurableStreamsHandler({ store, streams, basePath: '/ds', authorize: () => true });
      expect((await handler(put('/old', { 'stream-expires-at': past })))!.status).toBe(201);
      expect((await handler(put('/kept', { 'stream-expires-at': future })))!.status).toBe(201);
      expect((await handler(put('/plain')))!.status).toBe(201);
      expect(await streams.getStream('/old')).toBeDefined();

      expect(await handler.sweepExpired()).toBe(1);
      expect(await streams.getStream('/old')).toBeUndefined();
      expect(await streams.getStream('/kept')).toBeDefined();
      expect(await streams.getStream('/plain')).toBeDefined();
    });
  }

  test('requests sweep now and then by themselves', async () => {
    const store = new MemoryStore();
    const streams = new MemoryStreamStore();
    cleanups.push(() => streams.close(), () => store.close());
    const handler = createDurableStreamsHandler({ store, streams, basePath: '/ds', authorize: () => true, sweepIntervalMs: 1 });
    expect((await handler(put('/old', { 'stream-expires-at': past })))!.status).toBe(201);
    // Requests for another stream: the expired one goes without being read.
    for (let attempt = 0; attempt < 1000 && (await streams.getStream('/old')); attempt++) {
      await handler(new Request(`${base}/other`, { method: 'HEAD' }));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(await streams.getStream('/old')).toBeUndefined();
  });

  test('maxStreams and maxStreamBytes refuse with a status and a message naming the option, storing nothing', async () => {
    const store = new MemoryStore();
    const streams = new MemoryStreamStore();
    cleanups.push(() => streams.close(), () => store.close());
    const handler = createDurableStreamsHandler({ store, streams, basePath: '/ds', authorize: () => true, maxStreams: 2, maxStreamBytes: 1000 });
    expect((await handler(put('/a')))!.status).toBe(201);
    expect((await handler(put('/b')))!.status).toBe(201);
    const third = (await handler(put('/c')))!;
    expect(third.status).toBe(507);
    expect(await third.text()).toMatch(/maxStreams/);
    expect(await streams.getStream('/c')).toBeUndefined();
    // Re-creating an existing stream is idempotent and not a new stream.
    expect((await handler(put('/a')))!.status).toBe(200);

    const append = (body: string) => handler(new Request(`${base}/a`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body }));
    expect((await append('x'.repeat(600)))!.status).toBe(204);
    const over = (await append('y'.repeat(600)))!;
    expect(over.status).toBe(413);
    expect(await over.text()).toMatch(/maxStreamBytes/);
    expect((await streams.getStream('/a'))!.tail).toBe(1);
    expect((await handler(new Request(`${base}/b`, { method: 'DELETE' })))!.status).toBe(204);
    const tooBigAtBirth = (await handler(new Request(`${base}/a2`, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'z'.repeat(1001) })))!;
    expect(tooBigAtBirth.status).toBe(413);
    expect(await streams.getStream('/a2')).toBeUndefined();
  });
});

/** Reads an SSE body as it comes: the JSON values of its data events, and its raw chunks. */
function liveValues(response: Response) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const values: unknown[] = [];
  const chunks: Uint8Array[] = [];
  let text = '';
  return {
    values,
    chunks,
    /** Reads until `count` values have come. */
    async until(count: number): Promise<void> {
      while (values.length < count) {
        const { done, value } = await reader.read();
        if (done) throw new Error(`the response ended after ${values.length} values`);
        chunks.push(value);
        text += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const [head, ...lines] = text.slice(0, end).split('\n');
          text = text.slice(end + 2);
          if (head === 'event: data') values.push(...(JSON.parse(lines.map((line) => line.replace(/^data:/, '')).join('\n')) as unknown[]));
        }
      }
    },
    cancel: () => reader.cancel(),
  };
}

describe('live SSE readers of a generic stream share each append', () => {
  async function liveSetup() {
    const store = new MemoryStore();
    const streams = new (class extends CountingStreamStore {
      reads = 0;
      override async readMessages(...args: Parameters<MemoryStreamStore['readMessages']>) {
        this.reads += 1;
        return super.readMessages(...args);
      }
    })();
    cleanups.push(() => store.close(), () => streams.close());
    const handler = createDurableStreamsHandler({ store, streams, basePath: '/ds', authorize: () => true });
    expect((await handler(new Request(`${base}/live`, { method: 'PUT', headers: { 'content-type': 'application/json' } })))!.status).toBe(201);
    const append = async (value: unknown) => {
      const response = (await handler(new Request(`${base}/live`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) })))!;
      expect(response.status).toBeLessThan(300);
    };
    const readers = await Promise.all(Array.from({ length: 4 }, async () => liveValues((await handler(new Request(`${base}/live?offset=now&live=sse`)))!)));
    return { streams, append, readers };
  }

  test('caught-up readers get each append without reading the store, every value once and in order', async () => {
    const { streams, append, readers } = await liveSetup();
    await settle();
    streams.reads = 0;
    for (let index = 0; index < 10; index++) {
      await append({ index });
      await Promise.all(readers.map((reader) => reader.until(index + 1)));
    }
    expect(streams.reads).toBe(0);
    // Appends that land together: a reader that missed one reads the store and still gets each once.
    await Promise.all(Array.from({ length: 10 }, (_, index) => append({ index: 10 + index })));
    await Promise.all(readers.map((reader) => reader.until(20)));
    await settle();
    for (const reader of readers) {
      expect(reader.values).toEqual(Array.from({ length: 20 }, (_, index) => ({ index })));
      await reader.cancel();
    }
  });

  test('an idle reader gets a keep-alive each interval, between appends too, and a long-poll ends at its timeout', async () => {
    const store = new MemoryStore();
    const streams = new MemoryStreamStore();
    cleanups.push(() => store.close(), () => streams.close());
    const handler = createDurableStreamsHandler({ store, streams, basePath: '/ds', authorize: () => true, longPollTimeoutMs: 100, sseMaxDurationMs: 700 });
    await handler(new Request(`${base}/idle`, { method: 'PUT', headers: { 'content-type': 'application/json' } }));
    const reading = sseEvents((await handler(new Request(`${base}/idle?offset=now&live=sse`)))!);
    await new Promise((resolve) => setTimeout(resolve, 250));
    await handler(new Request(`${base}/idle`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' }));
    const started = Date.now();
    const polled = (await handler(new Request(`${base}/idle?offset=${formatStreamOffset(1)}&live=long-poll`)))!;
    expect(polled.status).toBe(204);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    const { data, controls } = await reading;
    expect(data).toEqual(['[{"n":1}]']);
    // The first control, then keep-alives about every 100 ms over 700 ms (fewer on a loaded machine), the append's among them.
    const keepAlives = controls.filter((control) => control['upToDate'] === true).length;
    expect(keepAlives).toBeGreaterThanOrEqual(2);
    expect(keepAlives).toBeLessThanOrEqual(9);
    expect(controls.at(-1)!['streamNextOffset']).toBe(formatStreamOffset(1));
  });

  test('each Web reader gets its own bytes: one that writes into a chunk changes nothing for the others', async () => {
    const { append, readers } = await liveSetup();
    const [first, second] = readers;
    await settle();
    await append({ shared: 'bytes' });
    await first!.until(1);
    for (const chunk of first!.chunks) chunk.fill(0x20);
    await second!.until(1);
    expect(second!.values).toEqual([{ shared: 'bytes' }]);
    for (const reader of readers) await reader.cancel();
  });
});

describe('handler.node: served on Node without Web Request/Response', () => {
  async function serveNatively(options: Partial<Parameters<typeof createDurableStreamsHandler>[0]> = {}) {
    const handler = handlerWith({ authorize: () => true, ...options });
    const server = createServer((req, res) => void handler.node(req, res).then((handled) => handled || res.writeHead(404).end('left to the host')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  test('creates, appends and reads like the Web handler, and leaves other paths to the host', async () => {
    const origin = await serveNatively();
    const url = `${origin}/ds/v1/stream/native`;
    expect((await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json' } })).status).toBe(201);
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[{"a":1},{"b":2}]' })).status).toBe(204);
    const read = await fetch(`${url}?offset=-1`);
    expect(read.status).toBe(200);
    expect(read.headers.get('stream-up-to-date')).toBe('true');
    expect(await read.json()).toEqual([{ a: 1 }, { b: 2 }]);
    const other = await fetch(`${origin}/elsewhere`);
    expect([other.status, await other.text()]).toEqual([404, 'left to the host']);
  });

  test('refuses a body past maxAppendBytes with 413, declared or streamed', async () => {
    const origin = await serveNatively({ maxAppendBytes: 1024 });
    const url = `${origin}/ds/v1/stream/limited`;
    await fetch(url, { method: 'PUT', headers: { 'content-type': 'text/plain' } });
    const declared = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(2048) });
    expect([declared.status, await declared.text()]).toEqual([413, 'body: larger than 1024 bytes']);
    // A chunked body gives no length up front: it is refused once it passes the limit.
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode('y'.repeat(512)));
        controller.close();
      },
    });
    const streamed = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: chunks, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
    const stored = await fetch(`${url}?offset=-1`);
    expect(await stored.text()).toBe('');
  });

  test('authorize sees the method, the full URL and the headers (any case, a repeated one joined)', async () => {
    const seen: unknown[] = [];
    const origin = await serveNatively({
      authorize: (request) => {
        const { headers } = request;
        seen.push({
          method: request.method,
          url: request.url,
          tenant: headers.get('X-Tenant'),
          roles: headers.get('x-role'),
          hasTenant: headers.has('x-TENANT'),
          missing: [headers.get('x-missing'), headers.has('x-missing'), headers.get('constructor'), headers.has('constructor')],
        });
        return headers.get('x-tenant') === 'acme';
      },
    });
    const url = `${origin}/ds/v1/stream/tenant?from=test`;
    expect((await fetch(url, { method: 'PUT', headers: { 'x-tenant': 'other' } })).status).toBe(403);
    // Two lines of the same header, as Node receives them from a client that repeats it.
    const repeated = 'PUT /ds/v1/stream/tenant?from=test HTTP/1.1\r\nHost: localhost\r\nX-Tenant: acme\r\nX-Role: reader\r\nx-role: writer\r\nContent-Length: 0\r\n\r\n';
    expect(await rawExchange(origin, [repeated])).toMatch(/^HTTP\/1\.1 201/);
    expect(seen).toEqual([
      { method: 'PUT', url, tenant: 'other', roles: null, hasTenant: true, missing: [null, false, null, false] },
      { method: 'PUT', url: 'http://localhost/ds/v1/stream/tenant?from=test', tenant: 'acme', roles: 'reader, writer', hasTenant: true, missing: [null, false, null, false] },
    ]);
  });

  test('authorize decides requests a Web Request cannot express (a method it forbids, credentials in the URL)', async () => {
    const seen: string[] = [];
    const origin = await serveNatively({
      authorize: (request) => {
        seen.push(`${request.method} ${request.url}`);
        return false;
      },
    });
    const trace = 'TRACE /ds/v1/stream/odd HTTP/1.1\r\nHost: localhost\r\n\r\n';
    expect(await rawExchange(origin, [trace])).toMatch(/^HTTP\/1\.1 403/);
    const credentials = 'GET /ds/v1/stream/odd HTTP/1.1\r\nHost: user:secret@localhost\r\n\r\n';
    expect(await rawExchange(origin, [credentials])).toMatch(/^HTTP\/1\.1 403/);
    expect(seen).toEqual(['TRACE http://localhost/ds/v1/stream/odd', 'GET http://user:secret@localhost/ds/v1/stream/odd']);
  });

  test('the signal handed to authorize aborts when the client goes away', async () => {
    let aborted: () => void = () => undefined;
    const heard = new Promise<void>((resolve) => (aborted = resolve));
    let signal: AbortSignal | undefined;
    const origin = await serveNatively({
      authorize: (request) =>
        new Promise<boolean>((resolve) => {
          signal = request.signal;
          request.signal.addEventListener('abort', () => {
            aborted();
            resolve(false);
          });
        }),
    });
    const client = new AbortController();
    const pending = fetch(`${origin}/ds/v1/stream/slow`, { method: 'PUT', signal: client.signal }).catch(() => undefined);
    while (!signal) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(signal.aborted).toBe(false);
    client.abort();
    await heard;
    expect(signal.aborted).toBe(true);
    await pending;
  });

  /** Sends raw HTTP/1.1 on one connection, each part in its own write, and returns the first response's head. */
  async function rawExchange(origin: string, parts: string[], gapMs = 0): Promise<string> {
    const { hostname, port } = new URL(origin);
    const socket = connect(Number(port), hostname);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.setNoDelay(true);
    let received = '';
    const head = new Promise<string>((resolve, reject) => {
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        const end = received.indexOf('\r\n\r\n');
        if (end >= 0) resolve(received.slice(0, end));
      });
      socket.on('error', reject);
    });
    for (const part of parts) {
      socket.write(part);
      if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
    const text = await head;
    socket.destroy();
    return text;
  }

  const post = (path: string, body: string, contentType = 'application/json') =>
    `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;

  test('reads a body that came with its headers in one packet, and one that came after them', async () => {
    const origin = await serveNatively();
    const url = `${origin}/ds/v1/stream/packets`;
    await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json' } });
    // Whole request in one write.
    const together = '[{"n":1},{"text":"é ✓"}]';
    expect(await rawExchange(origin, [post('/ds/v1/stream/packets', together) + together])).toMatch(/^HTTP\/1\.1 204/);
    // Headers first, body a moment later.
    const apart = '{"n":2}';
    expect(await rawExchange(origin, [post('/ds/v1/stream/packets', apart), apart], 20)).toMatch(/^HTTP\/1\.1 204/);
    const read = await fetch(`${url}?offset=-1`);
    expect(await read.json()).toEqual([{ n: 1 }, { text: 'é ✓' }, { n: 2 }]);
  });

  test('streams SSE and stops reading when the reader goes away', async () => {
    const origin = await serveNatively();
    const url = `${origin}/ds/v1/stream/live`;
    await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json' } });
    const stop = new AbortController();
    const response = await fetch(`${url}?offset=-1&live=sse`, { signal: stop.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' });
    let text = '';
    while (!text.includes('"n":1')) text += (await reader.read()).value ?? '';
    expect(text).toContain('event: data');
    stop.abort();
    await reader.cancel().catch(() => undefined);
  });
});
