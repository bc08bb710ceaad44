import { z } from 'zod';

/** Session ids travel in URLs, Redis keys and file names, so they are kept to a safe alphabet. */
export const SessionIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'use letters, digits, "_", ".", ":" or "-"');

const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Ids minted by clients or the runtime (runs, tasks, messages, client message ids). */
export const IdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'use letters, digits, "_", ".", ":" or "-"')
  // Ids become keys of records in the reduced state; these would be dropped or collide there.
  .refine((id) => !RESERVED_KEYS.has(id), 'this id is reserved');

/** An offset is the 1-based position of an event in its session log; 0 means "before the first event". */
export const OffsetSchema = z.number().int().nonnegative();

export const AgentNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'use lowercase letters, digits and single hyphens');

/** Default largest accepted wire frame, in bytes. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024;
