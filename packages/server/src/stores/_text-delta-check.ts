import type { EventOf } from '@marketing-team/core';

// The rules of core's `SessionEventSchema` for a `text.delta` (ids, agent name, text length),
// written out. `_text-delta-check.test.ts` holds this to the schema on generated inputs.
const SAFE_ID = /^[A-Za-z0-9_.:-]+$/;
const ONLY_DOTS = /^\.+$/;
const AGENT_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MAX_DELTA_TEXT = 16_000;

function isId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length >= 1 &&
    value.length <= 128 &&
    SAFE_ID.test(value) &&
    value !== '__proto__' &&
    value !== 'constructor' &&
    value !== 'prototype' &&
    !ONLY_DOTS.test(value)
  );
}

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
  if (typeof agent !== 'string' || agent.length < 1 || agent.length > 64 || !AGENT_NAME.test(agent)) return undefined;
  if (typeof text !== 'string' || text.length > MAX_DELTA_TEXT) return undefined;
  for (const key of ['runId', 'taskId', 'agent', 'messageId', 'text']) if (!Object.hasOwn(event, key)) return undefined;
  return { type: 'text.delta', runId, taskId, agent, messageId, text };
}
