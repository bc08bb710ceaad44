import * as z from 'zod/mini';
// English messages before anything is parsed (see the file).
import './_english-messages.js';

const SAFE_ID = /^[A-Za-z0-9_.:-]+$/;
/** The longest id `IdSchema` accepts. */
export const MAX_ID_LENGTH = 128;
const AGENT_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MAX_AGENT_NAME_LENGTH = 64;
const SAFE_ID_MESSAGE = 'use letters, digits, "_", ".", ":" or "-"';

// Ids become keys of plain objects (the reduced state, per-session maps), where these would be
// dropped or reach the prototype; and path segments (URLs, file names), where "." and ".." name
// another place. So none of them, nor any id made only of dots, is an id.
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const isUnreserved = (id: string): boolean => !RESERVED_KEYS.has(id) && !/^\.+$/.test(id);
const RESERVED_MESSAGE = 'this id is reserved ("__proto__", "constructor", "prototype" and ids made only of dots)';

/** Session ids travel in URLs, Redis keys and file names, so they are kept to a safe alphabet. */
export const SessionIdSchema = z.string().check(
  z.minLength(1),
  z.maxLength(MAX_ID_LENGTH),
  z.regex(SAFE_ID, SAFE_ID_MESSAGE),
  z.refine(isUnreserved, RESERVED_MESSAGE),
);

/** Ids minted by clients or the runtime (runs, tasks, messages, client message ids). */
export const IdSchema = z.string().check(
  z.minLength(1),
  z.maxLength(MAX_ID_LENGTH),
  z.regex(SAFE_ID, SAFE_ID_MESSAGE),
  z.refine(isUnreserved, RESERVED_MESSAGE),
);

/**
 * A workspace is one customer of the host product (its brand and team). Its id travels in URLs,
 * token claims and store keys, so it keeps the same safe alphabet as session ids.
 */
export const WorkspaceIdSchema = IdSchema;

/** The workspace of tokens minted without a workspace claim, and of sessions nobody bound to one. */
export const DEFAULT_WORKSPACE_ID = 'default';

/** An offset is the 1-based position of an event in its session log; 0 means "before the first event". */
export const OffsetSchema = z.number().check(z.int(), z.nonnegative());

/** Agent names are kebab-case (`market-researcher`), so they read well in ids, URLs and logs. */
export const AgentNameSchema = z
  .string()
  .check(z.minLength(1), z.maxLength(MAX_AGENT_NAME_LENGTH), z.regex(AGENT_NAME, 'use lowercase letters, digits and single hyphens'));

/** What `IdSchema` (and `SessionIdSchema`) accepts, as a plain check for hot paths that cannot afford a parse. */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= MAX_ID_LENGTH && SAFE_ID.test(value) && isUnreserved(value);
}

/** What `AgentNameSchema` accepts, as a plain check. */
export function isAgentName(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= MAX_AGENT_NAME_LENGTH && AGENT_NAME.test(value);
}

export { DEFAULT_MAX_FRAME_BYTES } from './frame-size.js';
