import { MAX_DELTA_TEXT, isAgentName, isId, type EventOf } from '@marketing-team/core';

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
  const { runId, taskId, agent, messageId, text } = event;
  // Six own keys and six own-or-inherited fields present: none of them inherited, nothing else there.
  if (Object.keys(event).length !== 6 || !Object.hasOwn(event, 'type')) return undefined;
  if (!isId(runId) || !isId(taskId) || !isId(messageId)) return undefined;
  if (!isAgentName(agent)) return undefined;
  if (typeof text !== 'string' || text.length > MAX_DELTA_TEXT) return undefined;
  for (const key of ['runId', 'taskId', 'agent', 'messageId', 'text']) if (!Object.hasOwn(event, key)) return undefined;
  return { type: 'text.delta', runId, taskId, agent, messageId, text };
}

/**
 * `JSON.stringify(event)` of a delta `checkedTextDelta` returned, a quarter of its cost: its
 * fields are in that order, and its ids and agent name are of alphabets JSON never escapes, so
 * only the text needs escaping.
 */
export function textDeltaJson(event: EventOf<'text.delta'>): string {
  return `{"type":"text.delta","runId":"${event.runId}","taskId":"${event.taskId}","agent":"${event.agent}","messageId":"${event.messageId}","text":${JSON.stringify(event.text)}}`;
}
