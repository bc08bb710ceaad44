import type { SessionRecord } from '@marketing-team/core';
import { writeRecordJson } from '../stores/_record-json.js';
import { TextPieces } from '../stores/_text-pieces.js';
import type { MessageDigest } from './_digest-schedule.js';

/**
 * Records stored together, delivered to every subscriber of a session. Each wire form is
 * serialised once, on first use, and the same string goes to every connection.
 */
export class RecordBatch {
  #frame: string | undefined;
  #eventStream: string | undefined;

  constructor(
    readonly session: string,
    readonly epoch: string,
    readonly records: readonly SessionRecord[],
    /** The server's digests of messages' text as of the last record (protocol section 3.10). */
    readonly digests?: readonly MessageDigest[],
  ) {}

  /** Offset of the first record. */
  get firstOffset(): number {
    return this.records[0]?.offset ?? 0;
  }

  /** Offset of the last record. */
  get lastOffset(): number {
    return this.records[this.records.length - 1]?.offset ?? 0;
  }

  /** The records after `offset` as a batch of their own (this batch when nothing is cut). */
  after(offset: number): RecordBatch {
    if (offset < this.firstOffset) return this;
    // The digests hold as of the last record, which every part keeps.
    return new RecordBatch(this.session, this.epoch, this.records.filter((record) => record.offset > offset), this.digests);
  }

  /** The `events` frame as JSON, for WebSocket connections. */
  frameJson(): string {
    // The same text as `JSON.stringify` of the frame, with each record's stored JSON spliced in.
    this.#frame ??= joined((pieces) => {
      pieces.add(`{"type":"events","session":${JSON.stringify(this.session)},"epoch":${JSON.stringify(this.epoch)},"batch":[`);
      for (let index = 0; index < this.records.length; index++) {
        if (index > 0) pieces.add(',');
        writeRecordJson(this.records[index]!, pieces);
      }
      pieces.add(this.digests ? `],"digests":${JSON.stringify(this.digests)}}` : ']}');
    });
    return this.#frame;
  }

  /**
   * One Server-Sent Event per record (`id: <offset>`, data: the record as JSON), then, when the
   * batch carries digests, one `digests` event (data: the same `digests` array as the `events`
   * frame's), which holds as of the record just before it. A named event: a plain `EventSource`
   * reading only the records never sees it.
   */
  eventStreamText(): string {
    this.#eventStream ??= joined((pieces) => {
      for (const record of this.records) {
        pieces.add(`id: ${record.offset}\ndata: `);
        writeRecordJson(record, pieces);
        pieces.add('\n\n');
      }
      if (this.digests) pieces.add(`event: digests\ndata: ${JSON.stringify(this.digests)}\n\n`);
    });
    return this.#eventStream;
  }
}

/** One list for the pieces of every batch's wire forms: each is written in one go. */
const pieces = new TextPieces();

/** What `write` adds to the pieces, joined; the pieces are let go even when `write` throws. */
function joined(write: (pieces: TextPieces) => void): string {
  try {
    write(pieces);
    return pieces.join();
  } finally {
    pieces.clear();
  }
}
