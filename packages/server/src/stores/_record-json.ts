import type { SessionRecord } from '@marketing-team/core';
import { TextPieces } from './_text-pieces.js';

/**
 * A record whose store holds its event as JSON text (SQLite, Redis) or made that text when it
 * validated the append (memory), kept beside the record so a frame splices it in instead of serialising the parsed event again: a catch-up of 10,000 records
 * skips 10,000 `JSON.stringify` calls.
 *
 * A plain class with three own fields, like any record (spreading, comparing and serialising see
 * exactly `offset`, `at` and `event`); the text sits in a private field. Replays create one per
 * stored record, so it allocates as little as a record can: no closure, no accessor, no WeakMap
 * entry (each of which made young-generation collections slow while a long log was replayed).
 */
class StoredRecord implements SessionRecord {
  #eventJson: string | undefined;

  constructor(
    readonly offset: number,
    readonly at: number,
    readonly event: SessionRecord['event'],
    eventJson: string,
  ) {
    this.#eventJson = eventJson;
  }

  /** The length of the event's stored text while the record holds it. */
  static eventJsonLength(record: SessionRecord): number | undefined {
    return #eventJson in record ? record.#eventJson?.length : undefined;
  }

  /**
   * The event's text, taken: it goes to the first frame and is then let go, so a store that
   * holds its records (the memory store) does not hold each event twice; a later frame
   * serialises the event again.
   */
  static takeEventJson(record: SessionRecord): string | undefined {
    if (!(#eventJson in record)) return undefined;
    const eventJson = record.#eventJson;
    record.#eventJson = undefined;
    return eventJson;
  }
}

/**
 * About how many bytes `record` takes as JSON: the length of its stored text while the record
 * holds it (until its first frame), else of the event serialised now (rare: records are sized
 * as they arrive, before any frame).
 */
export function recordSize(record: SessionRecord): number {
  return (StoredRecord.eventJsonLength(record) ?? JSON.stringify(record.event).length) + RECORD_OVERHEAD;
}

/** The record's own fields around its event: `{"offset":…,"at":…,"event":}` and the object. */
const RECORD_OVERHEAD = 64;

/** Builds a record from its stored parts. `eventJson` must be `JSON.stringify(event)`. */
export function storedRecord(offset: number, at: number, event: SessionRecord['event'], eventJson: string): SessionRecord {
  return new StoredRecord(offset, at, event, eventJson);
}

/**
 * A record read back as JSON text. Its event is parsed now: parsing a small event costs less than
 * any lazy form of it did (a getter per record), and the reducer reads every event anyway.
 */
export function readRecord(offset: number, at: number, eventJson: string): SessionRecord {
  return new StoredRecord(offset, at, JSON.parse(eventJson) as SessionRecord['event'], eventJson);
}

/**
 * Adds the pieces of `JSON.stringify(record)` to `pieces`, the event's stored text spliced in
 * when the store kept it: a frame of many records joins all its pieces once, into one flat
 * string, where joining each record's string and then the frame's copied the text twice more.
 */
export function writeRecordJson(record: SessionRecord, pieces: TextPieces): void {
  const eventJson = StoredRecord.takeEventJson(record);
  if (eventJson === undefined) return pieces.add(JSON.stringify(record));
  // Integers, then the event exactly as it was written: the same text `JSON.stringify` gives.
  pieces.add('{"offset":');
  pieces.add(`${record.offset}`);
  pieces.add(',"at":');
  pieces.add(`${record.at}`);
  pieces.add(',"event":');
  pieces.add(eventJson);
  pieces.add('}');
}

/** `JSON.stringify(record)`, spliced from the stored text when the store kept it. */
export function recordJson(record: SessionRecord): string {
  const pieces = new TextPieces();
  writeRecordJson(record, pieces);
  return pieces.join();
}
