import type { SessionState } from '@marketing-team/core';
import { nextTurn } from './_next-turn.js';

/** JSON of the parts of states already serialised: the reducer never changes a part it returned. */
const parts = new WeakMap<object, string>();

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
  const fields: string[] = [];
  for (const [key, value] of Object.entries(state)) {
    let json: string;
    if (key === 'messageBuckets') json = `[${(value as object[]).map(partJson).join(',')}]`;
    else if (typeof value === 'object' && value !== null) json = partJson(value);
    else if (value === undefined) continue;
    else json = JSON.stringify(value);
    fields.push(`${JSON.stringify(key)}:${json}`);
  }
  return `{${fields.join(',')}}`;
}

/** States whose whole JSON was built by `stateJsonInSlices`: states the reducer returned, never changed after. */
const whole = new WeakMap<SessionState, string>();

/**
 * `stateJson(state)` built over several turns of the event loop: the parts (each message bucket,
 * the runs, the board, ...) are serialised a few at a time, yielding once a turn has taken
 * `sliceMs`, so saving a snapshot of a long session (1.5 MB of JSON) never holds every other
 * session's live stream for the whole serialisation. Only for states the reducer returned: the
 * text is remembered for `storedStateJson`.
 */
export async function stateJsonInSlices(state: SessionState, sliceMs = 4): Promise<string> {
  const known = whole.get(state);
  if (known !== undefined) return known;
  let started = performance.now();
  const step = async (value: object): Promise<void> => {
    partJson(value);
    if (performance.now() - started >= sliceMs) {
      await nextTurn();
      started = performance.now();
    }
  };
  for (const [key, value] of Object.entries(state)) {
    if (key === 'messageBuckets') for (const bucket of value as object[]) await step(bucket);
    else if (typeof value === 'object' && value !== null) await step(value as object);
  }
  // Every part is serialised now: what is left is joining them.
  const json = stateJson(state);
  whole.set(state, json);
  return json;
}

/**
 * The JSON text a store saves for a snapshot's state: the text `stateJsonInSlices` already built
 * for that very state, else `JSON.stringify` (a state from elsewhere may have been changed since).
 */
export function storedStateJson(state: SessionState): string {
  return whole.get(state) ?? JSON.stringify(state);
}
