import type { SessionRecord } from '@marketing-team/core';

/**
 * The JSON text of records whose store holds their event as JSON text (SQLite), kept beside the
 * record, so a frame splices it in instead of serialising the parsed event again: a catch-up of
 * 10,000 records skips 10,000 `JSON.stringify` calls. Weakly held: it goes with its record.
 */
const texts = new WeakMap<SessionRecord, string>();

/**
 * A record this process stored, holding its event's JSON text in a private field until its first
 * frame: no weak map entry per record (a live stream of 20,000 appends would fill one for the
 * collector to sweep), and nothing `JSON.stringify`, spreading or comparing a record can see.
 */
class StoredRecord implements SessionRecord {
  offset: number;
  at: number;
  event: SessionRecord['event'];
  #eventJson: string | undefined;

  constructor(offset: number, at: number, event: SessionRecord['event'], eventJson: string) {
    this.offset = offset;
    this.at = at;
    this.event = event;
    this.#eventJson = eventJson;
  }

  /**
   * The same text `JSON.stringify(record)` gives: integers, then the event exactly as it was
   * written. The event's text goes to the first frame and is then let go: a store that holds its
   * records (the memory store) does not hold each event twice, and a later frame serialises it.
   */
  static json(record: StoredRecord): string {
    const eventJson = record.#eventJson;
    if (eventJson === undefined) return JSON.stringify(record);
    record.#eventJson = undefined;
    return `{"offset":${record.offset},"at":${record.at},"event":${eventJson}}`;
  }
}

/** Builds a record from its stored parts and remembers its JSON text. `eventJson` must be `JSON.stringify(event)`. */
export function storedRecord(offset: number, at: number, event: SessionRecord['event'], eventJson: string): SessionRecord {
  return new StoredRecord(offset, at, event, eventJson);
}

/**
 * A record read back as JSON text whose event is parsed on first use. A replay to subscribers
 * only forwards the text (see `recordJson`), so a catch-up of 10,000 records parses none of them;
 * the reducer and anything else that reads `event` gets it parsed, once.
 */
export function readRecord(offset: number, at: number, eventJson: string): SessionRecord {
  let event: SessionRecord['event'] | undefined;
  const record = {
    offset,
    at,
    // An own, enumerable property like any record's: spreading, comparing and serialising see it.
    get event(): SessionRecord['event'] {
      event ??= JSON.parse(eventJson) as SessionRecord['event'];
      return event;
    },
  };
  texts.set(record, `{"offset":${offset},"at":${at},"event":${eventJson}}`);
  return record;
}

/** `JSON.stringify(record)`, spliced from the stored text when the store kept it. */
export function recordJson(record: SessionRecord): string {
  if (record instanceof StoredRecord) return StoredRecord.json(record);
  return texts.get(record) ?? JSON.stringify(record);
}
