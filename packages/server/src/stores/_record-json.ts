import type { SessionRecord } from '@marketing-team/core';

/**
 * A record whose store holds its event as JSON text (SQLite, Redis), kept beside the record so a
 * frame splices it in instead of serialising the parsed event again: a catch-up of 10,000 records
 * skips 10,000 `JSON.stringify` calls.
 *
 * A plain class with three own fields, like any record (spreading, comparing and serialising see
 * exactly `offset`, `at` and `event`); the text sits in a private field. Replays create one per
 * stored record, so it allocates as little as a record can: no closure, no accessor, no WeakMap
 * entry (each of which made young-generation collections slow while a long log was replayed).
 */
class StoredRecord implements SessionRecord {
  readonly #eventJson: string;

  constructor(
    readonly offset: number,
    readonly at: number,
    readonly event: SessionRecord['event'],
    eventJson: string,
  ) {
    this.#eventJson = eventJson;
  }

  static json(record: SessionRecord): string | undefined {
    // The same text `JSON.stringify(record)` gives: integers, then the event exactly as it was written.
    return #eventJson in record ? `{"offset":${record.offset},"at":${record.at},"event":${record.#eventJson}}` : undefined;
  }
}

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

/** `JSON.stringify(record)`, spliced from the stored text when the store kept it. */
export function recordJson(record: SessionRecord): string {
  return StoredRecord.json(record) ?? JSON.stringify(record);
}
