import type { SessionState } from '@marketing-team/core';
import type { GrowingTextJson } from './_growing-text-json.js';
import { sliceClock } from './_next-turn.js';

/** JSON of the parts of states already serialised: the reducer never changes a part it returned. */
const parts = new WeakMap<object, string>();

/** Parts whose JSON is at most this long are kept even by a snapshot save: empty buckets, most of a state's parts. */
const SMALL_PART = 256;

/** `JSON.stringify` of a plain object whose fields' JSON `fieldJson` gives, in their order. */
function objectJson(value: object, fieldJson: (key: string, field: unknown) => string): string {
  let json = '';
  for (const [key, field] of Object.entries(value)) {
    // What JSON.stringify leaves out of an object.
    if (field === undefined || typeof field === 'function' || typeof field === 'symbol') continue;
    json += `${json === '' ? '{' : ','}${JSON.stringify(key)}:${fieldJson(key, field)}`;
  }
  return json === '' ? '{}' : `${json}}`;
}

/**
 * `JSON.stringify(bucket)` of a message bucket (messages by id), each message's text escaped by
 * `texts`, which escapes only what a streaming message added since it last saw it.
 */
function bucketJson(bucket: object, texts: GrowingTextJson): string {
  return objectJson(bucket, (id, message) => messageJson(id, message, texts));
}

/** `JSON.stringify(message)` of a plain object with a text: its fields in order, the text from `texts`. */
function messageJson(id: string, message: unknown, texts: GrowingTextJson): string {
  if (
    typeof message !== 'object' ||
    message === null ||
    Object.getPrototypeOf(message) !== Object.prototype ||
    'toJSON' in message ||
    typeof (message as { text?: unknown }).text !== 'string'
  ) {
    return JSON.stringify(message);
  }
  return objectJson(message, (key, value) => (key === 'text' ? texts.json(id, value as string) : JSON.stringify(value)));
}

function partJson(value: object): string {
  let json = parts.get(value);
  if (json === undefined) {
    json = JSON.stringify(value);
    parts.set(value, json);
  }
  return json;
}

/**
 * `JSON.stringify(state)`, reusing the text of every part (each message bucket, the runs, the
 * board, ...) that an earlier call already serialised. Between two joins a running session
 * changes a few buckets and a run, so a snapshot frame of a 100,000-event session costs about
 * what one of a 1,000-event session does, instead of serialising every message again.
 */
export function stateJson(state: SessionState): string {
  const pieces: string[] = [];
  writeStateJson(state, pieces);
  return pieces.join('');
}

/**
 * Appends the pieces of `stateJson(state)` to `pieces`, so a frame that wraps the state joins
 * its text once: nesting joins copied a long session's megabytes of state once per level.
 */
export function writeStateJson(state: SessionState, pieces: string[]): void {
  let first = true;
  for (const [key, value] of Object.entries(state)) {
    if (value === undefined) continue;
    pieces.push(`${first ? '{' : ','}${JSON.stringify(key)}:`);
    first = false;
    if (key === 'messageBuckets') {
      const buckets = value as object[];
      for (let index = 0; index < buckets.length; index++) pieces.push(index === 0 ? '[' : ',', partJson(buckets[index]!));
      pieces.push(buckets.length === 0 ? '[]' : ']');
    } else pieces.push(typeof value === 'object' && value !== null ? partJson(value) : JSON.stringify(value));
  }
  pieces.push(first ? '{}' : '}');
}

/**
 * Serialises, a few at a time, the parts of `state` no snapshot frame has serialised yet, and
 * keeps them as `writeStateJson` would, yielding once a turn has taken `sliceMs`: the frame that
 * follows only joins texts, so joining a long session just opened holds up no other session.
 */
export async function cacheStatePartsInSlices(state: SessionState, sliceMs = 4): Promise<void> {
  const breathe = sliceClock(sliceMs);
  const values = Object.entries(state).flatMap(([key, value]) => (key === 'messageBuckets' ? (value as object[]) : [value]));
  for (const value of values) {
    if (typeof value !== 'object' || value === null || parts.has(value)) continue;
    parts.set(value, JSON.stringify(value));
    await breathe();
  }
}

/** States whose whole JSON was built by `stateJsonInSlices`, until a store takes it: states the reducer returned, never changed after. */
const whole = new WeakMap<SessionState, string>();

/**
 * `JSON.stringify(state)` built over several turns of the event loop: the parts (each message
 * bucket, the runs, the board, ...) are serialised a few at a time, yielding once a turn has
 * taken `sliceMs`, so saving a snapshot of a long session (1.5 MB of JSON) never holds every
 * other session's live stream for the whole serialisation. Parts a snapshot frame already
 * serialised are reused; new ones are not kept (a warm session would hold its state twice),
 * save small ones (empty buckets, most of a state's parts), which cost next to nothing to keep
 * and were serialised again, each with a turn check, by every snapshot. With `texts`, a long
 * message's text is escaped only past what `texts` kept of it from the last save.
 * Only for states the reducer returned: the text is kept for `storedStateJson`.
 */
export async function stateJsonInSlices(state: SessionState, sliceMs = 4, texts?: GrowingTextJson): Promise<string> {
  const breathe = sliceClock(sliceMs);
  // Only a part serialised now is awaited: the parts kept already (most of them: every empty
  // bucket) are read with no promise, where each cost an async call and an await per save.
  const serialise = async (value: object, bucket: boolean): Promise<string> => {
    const json = bucket && texts ? bucketJson(value, texts) : JSON.stringify(value);
    if (json.length <= SMALL_PART) parts.set(value, json);
    await breathe();
    return json;
  };
  // Concatenated, not joined: the text refers to its parts (a long message's escaped text among
  // them, shared with `texts`) instead of copying them all into one new string per save. A store
  // that writes it out reads it once, as it would a flat one.
  let json = '';
  for (const [key, value] of Object.entries(state)) {
    if (value === undefined) continue;
    json += `${json === '' ? '{' : ','}${JSON.stringify(key)}:`;
    if (key === 'messageBuckets') {
      const buckets = value as object[];
      for (let index = 0; index < buckets.length; index++) {
        const bucket = buckets[index]!;
        json += (index === 0 ? '[' : ',') + (parts.get(bucket) ?? (await serialise(bucket, true)));
      }
      json += buckets.length === 0 ? '[]' : ']';
    } else if (typeof value === 'object' && value !== null) json += parts.get(value) ?? (await serialise(value, false));
    else json += JSON.stringify(value);
  }
  json += json === '' ? '{}' : '}';
  whole.set(state, json);
  return json;
}

/**
 * The JSON text a store saves for a snapshot's state: the text `stateJsonInSlices` built for
 * that very state (taken, so it is not held longer), else `JSON.stringify` (a state from
 * elsewhere may have been changed since).
 */
export function storedStateJson(state: SessionState): string {
  const json = whole.get(state);
  if (json === undefined) return JSON.stringify(state);
  whole.delete(state);
  return json;
}
