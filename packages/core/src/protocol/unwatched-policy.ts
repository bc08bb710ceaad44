import * as z from 'zod/mini';
// English messages before anything is parsed (see the file).
import './_english-messages.js';

/** Longest wait a policy accepts: a week, in milliseconds. */
const MAX_UNWATCHED_MS = 7 * 24 * 60 * 60 * 1000;
const waitMs = z.number().check(z.int(), z.nonnegative(), z.maximum(MAX_UNWATCHED_MS));

/** How long a run waits, unwatched, before it pauses, unless the policy says otherwise. */
export const DEFAULT_PAUSE_AFTER_MS = 10_000;
/** How long a run goes on unwatched before it is cancelled, unless the policy says otherwise. */
export const DEFAULT_CANCEL_AFTER_MS = 600_000;

/**
 * What happens to a run while nobody watches its session (no subscriber with `read`):
 * - `keep`: it goes on and finishes (the default);
 * - `pause`: once nobody has watched for `afterMs`, it starts no new task and stops generating
 *   (`run.paused`); it resumes as soon as someone opens the session again (`run.resumed`);
 * - `cancel`: once nobody has watched for `afterMs`, it is cancelled (`run.cancelled` by the system).
 * A short `afterMs` keeps a page reload from pausing the run.
 */
export const UnwatchedPolicySchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('keep') }),
  z.object({ action: z.literal('pause'), afterMs: z._default(waitMs, DEFAULT_PAUSE_AFTER_MS) }),
  z.object({ action: z.literal('cancel'), afterMs: z._default(waitMs, DEFAULT_CANCEL_AFTER_MS) }),
]);
/** A validated policy, `afterMs` filled in. */
export type UnwatchedPolicy = z.infer<typeof UnwatchedPolicySchema>;
/** A policy as a brief or the runtime's options write it: `afterMs` may be left out. */
export type UnwatchedPolicyInput = z.input<typeof UnwatchedPolicySchema>;
