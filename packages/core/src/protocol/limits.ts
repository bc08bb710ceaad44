import * as z from 'zod/mini';
import { ensureEnglishMessages } from './_english-messages.js';

// Every protocol schema is built on these, so this runs before anything is parsed.
ensureEnglishMessages();

const SAFE_ID = /^[A-Za-z0-9_.:-]+$/;
const SAFE_ID_MESSAGE = 'use letters, digits, "_", ".", ":" or "-"';

/** Session ids travel in URLs, Redis keys and file names, so they are kept to a safe alphabet. */
export const SessionIdSchema = z.string().check(z.minLength(1), z.maxLength(128), z.regex(SAFE_ID, SAFE_ID_MESSAGE));

const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Ids minted by clients or the runtime (runs, tasks, messages, client message ids). */
export const IdSchema = z.string().check(
  z.minLength(1),
  z.maxLength(128),
  z.regex(SAFE_ID, SAFE_ID_MESSAGE),
  // Ids become keys of records in the reduced state; these would be dropped or collide there.
  z.refine((id) => !RESERVED_KEYS.has(id), 'this id is reserved'),
);

/** An offset is the 1-based position of an event in its session log; 0 means "before the first event". */
export const OffsetSchema = z.number().check(z.int(), z.nonnegative());

/** Agent names are kebab-case (`market-researcher`), so they read well in ids, URLs and logs. */
export const AgentNameSchema = z
  .string()
  .check(z.minLength(1), z.maxLength(64), z.regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'use lowercase letters, digits and single hyphens'));

/** Default largest accepted wire frame, in bytes. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024;
