import { MAX_DELTA_TEXT, isAgentName, isId, type EventOf } from '@marketing-team/core';

/** The ids and agent a delta names. */
interface DeltaIds {
  runId: string;
  taskId: string;
  agent: string;
  messageId: string;
}

/** Whether `event` names the same ids and agent as `last`: a message's deltas repeat them. */
function sameIds(last: DeltaIds | undefined, event: { runId?: unknown; taskId?: unknown; agent?: unknown; messageId?: unknown }): last is DeltaIds {
  return last !== undefined && event.runId === last.runId && event.taskId === last.taskId && event.messageId === last.messageId && event.agent === last.agent;
}

/** The ids and agent of the last delta accepted, all checked. */
let lastAccepted: DeltaIds | undefined;

/**
 * A `text.delta` as `SessionEventSchema` would parse it (a new object, its fields in the
 * schema's order), or undefined when `value` is anything else or not a plain, valid delta with
 * exactly its six fields: the caller then parses it with the schema, which also names what is
 * wrong. Deltas are most of every log, and the schema's union costs several times this check.
 */
export function checkedTextDelta(value: unknown): EventOf<'text.delta'> | undefined {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return undefined;
  const event = value as Record<string, unknown>;
  if (event.type !== 'text.delta') return undefined;
  // Its enumerable keys, own or inherited, are the six fields and nothing else; and none is
  // inherited when `Object.prototype` (its prototype) has no enumerable key, as it never has
  // unless something polluted it (every delta then goes to the schema). Checked without
  // `Object.keys`, which allocates an array per delta, and without an `Object.hasOwn` per field,
  // which cost more than the rest of the check.
  let keys = 0;
  for (const key in event) {
    if (key !== 'type' && key !== 'runId' && key !== 'taskId' && key !== 'agent' && key !== 'messageId' && key !== 'text') return undefined;
    keys++;
  }
  if (keys !== 6) return undefined;
  for (const _ in Object.prototype) return undefined;
  const { runId, taskId, agent, messageId, text } = event;
  if (typeof text !== 'string' || text.length > MAX_DELTA_TEXT) return undefined;
  let ids = lastAccepted;
  // The deltas of one message repeat its ids: the same strings as the last delta's need no second check.
  if (!sameIds(ids, event)) {
    if (!isId(runId) || !isId(taskId) || !isId(messageId)) return undefined;
    if (!isAgentName(agent)) return undefined;
    ids = lastAccepted = { runId, taskId, agent, messageId };
  }
  return { type: 'text.delta', runId: ids.runId, taskId: ids.taskId, agent: ids.agent, messageId: ids.messageId, text };
}

/** The JSON before the text of the last delta written, and the ids and agent it names. */
let lastPrefix: (DeltaIds & { json: string }) | undefined;

/**
 * `JSON.stringify(event)` of a delta `checkedTextDelta` returned, a fraction of its cost: its
 * fields are in that order, and its ids and agent name are of alphabets JSON never escapes, so
 * only the text needs escaping. The part before the text is the same for every delta of a
 * message and is kept: two joins per delta instead of ten (each a string to collect).
 */
export function textDeltaJson(event: EventOf<'text.delta'>): string {
  const { runId, taskId, agent, messageId } = event;
  let prefix = lastPrefix;
  if (!sameIds(prefix, event)) {
    const json = `{"type":"text.delta","runId":"${runId}","taskId":"${taskId}","agent":"${agent}","messageId":"${messageId}","text":`;
    lastPrefix = prefix = { runId, taskId, agent, messageId, json };
  }
  return `${prefix.json}${JSON.stringify(event.text)}}`;
}
