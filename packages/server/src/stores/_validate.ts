import {
  IdSchema,
  OffsetSchema,
  ProtocolError,
  SessionEventSchema,
  protocolErrorFromZod,
  type SessionEvent,
} from '@marketing-team/core';
import { z } from 'zod';
import { assertSessionId, fenceKind, type FenceKind } from './_fence.js';
import { checkedTextDelta, textDeltaJson } from './_text-delta-check.js';
import { DEFAULT_CLIENT_MESSAGE_WINDOW, DEFAULT_FENCE_WINDOW, type AppendOptions, type RetentionPolicy, type StoredSnapshot, type StoreLimits, type SubscribeOptions } from './session-store.js';

/** An append after validation: each event parsed once and serialised once. */
export interface PreparedAppend {
  session: string;
  events: SessionEvent[];
  /** `JSON.stringify` of each parsed event, for stores that persist text. */
  json: string[];
  kinds: FenceKind[];
  clientMsgId: string | undefined;
}

/** `StoreLimits` with their defaults. */
export const StoreLimitsSchema = z.object({
  maxEventBytes: z.number().int().positive().default(2 * 1024 * 1024),
  maxEventsPerAppend: z.number().int().positive().max(100_000).default(1000),
});
/** Store limits with defaults applied. */
export type ResolvedLimits = z.output<typeof StoreLimitsSchema>;

/** Parses store option objects, naming the offending option in the error. */
export function parseOptions<S extends z.ZodType>(schema: S, options: unknown, prefix: string): z.output<S> {
  const parsed = schema.safeParse(options ?? {});
  if (!parsed.success) throw protocolErrorFromZod(parsed.error, prefix);
  return parsed.data;
}

/** Validates `StoreLimits` and applies the defaults. */
export function resolveLimits(limits: StoreLimits | undefined): ResolvedLimits {
  return parseOptions(StoreLimitsSchema, limits, 'options');
}

/** Validates the arguments of `findClientMessage`. */
export function validateClientMessageLookup(session: string, clientMsgId: string): void {
  assertSessionId(session);
  const parsed = IdSchema.safeParse(clientMsgId);
  if (!parsed.success) throw protocolErrorFromZod(parsed.error, 'clientMsgId');
}

const AppendOptionsSchema = z.object({ clientMsgId: z.optional(IdSchema) }).optional();

/**
 * Validates everything an append carries before a store touches its log: the session id, the
 * options, and each event against core's `SessionEventSchema` (a `text.delta` by the same rules
 * written out, the schema naming what is wrong when they fail) and the size limits.
 * This is the one validation of the hot path; stores trust its output.
 *
 * With `reused` (from `reusablePreparedAppend`), a single-event append fills it instead of
 * allocating a result and three arrays: a live stream's appends are nearly all single deltas,
 * and these four objects were a tenth of what the memory store's delivery path allocated.
 */
export function prepareAppend(
  session: string,
  events: readonly unknown[],
  options: AppendOptions | undefined,
  limits: ResolvedLimits,
  reused?: PreparedAppend,
): PreparedAppend {
  assertSessionId(session);
  if (!Array.isArray(events)) throw new ProtocolError('bad_frame', 'events: expected an array', 'events');
  if (events.length === 0) throw new ProtocolError('bad_frame', 'events: at least one event is required', 'events');
  if (events.length > limits.maxEventsPerAppend) {
    throw new ProtocolError('frame_too_large', `events: at most ${limits.maxEventsPerAppend} events per append`, 'events');
  }
  let clientMsgId: string | undefined;
  if (options !== undefined) {
    const parsedOptions = AppendOptionsSchema.safeParse(options);
    if (!parsedOptions.success) throw protocolErrorFromZod(parsedOptions.error, 'options');
    clientMsgId = parsedOptions.data?.clientMsgId;
  }
  const prepared: PreparedAppend =
    reused !== undefined && events.length === 1
      ? reused
      : { session, events: new Array(events.length), json: new Array(events.length), kinds: new Array(events.length), clientMsgId };
  const { events: parsedEvents, json, kinds } = prepared;
  for (let index = 0; index < events.length; index++) {
    let event: SessionEvent | undefined = checkedTextDelta(events[index]);
    let text: string;
    if (event === undefined) {
      const parsed = SessionEventSchema.safeParse(events[index]);
      if (!parsed.success) throw protocolErrorFromZod(parsed.error, `events.${index}`);
      event = parsed.data;
      text = JSON.stringify(event);
    } else text = textDeltaJson(event);
    // A UTF-16 length times 3 bounds the UTF-8 size, so most events skip the byte count.
    if (text.length * 3 > limits.maxEventBytes && Buffer.byteLength(text) > limits.maxEventBytes) {
      throw new ProtocolError(
        'frame_too_large',
        `events.${index}: larger than ${limits.maxEventBytes} bytes`,
        `events.${index}`,
      );
    }
    parsedEvents[index] = event;
    json[index] = text;
    kinds[index] = fenceKind(event);
  }
  // Set last: a schema parse may run an event's getters, and one that appended again filled `reused` meanwhile.
  prepared.session = session;
  prepared.clientMsgId = clientMsgId;
  return prepared;
}

/**
 * A `PreparedAppend` for one event that `prepareAppend` fills again and again. Only for a store
 * that is done reading it before anything it calls can append again (the memory store, which
 * reads it synchronously and emits last): the next single-event append overwrites it.
 */
export function reusablePreparedAppend(): PreparedAppend {
  return { session: '', events: [undefined as unknown as SessionEvent], json: [''], kinds: ['other'], clientMsgId: undefined };
}

/** Validates `after` and `limit` of a read. */
export function validateRead(session: string, after: number, limit: number | undefined): void {
  assertSessionId(session);
  validateAfter(after);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    throw new ProtocolError('bad_frame', 'limit: expected a positive integer', 'limit');
  }
}

/** Validates an offset argument named `after`. */
export function validateAfter(after: number): void {
  const parsed = OffsetSchema.safeParse(after);
  if (!parsed.success) throw protocolErrorFromZod(parsed.error, 'after');
}

const map = z.record(z.string(), z.unknown());
const list = z.array(z.unknown());

/**
 * The outline of a reduced state: every field there with its kind, entries left unchecked. A
 * snapshot is what the reducer produced, so checking every message on each save (6 MB at 3,000
 * messages) only blocked the loop; the whole state is validated when it is loaded
 * (`restoreSessionState`), where a bad one is skipped and the log replayed.
 */
const StateOutlineSchema = z.object({
  version: z.number().int(),
  offset: OffsetSchema,
  runs: map,
  runOrder: list,
  messageBuckets: list,
  agents: map,
  agentOrder: list,
  deliverables: map,
  deliverableOrder: list,
  board: map,
  boardOrder: list,
  steers: list,
  routing: list,
  usage: map,
  deliverableVersions: map,
  workspace: map.optional(),
});

const SnapshotSchema = z.object({ offset: OffsetSchema, state: StateOutlineSchema });

/** Validates a snapshot's offset and the outline of its state before it is stored. */
export function validateSnapshot(session: string, snapshot: StoredSnapshot): StoredSnapshot {
  assertSessionId(session);
  const parsed = SnapshotSchema.safeParse(snapshot);
  if (!parsed.success) throw protocolErrorFromZod(parsed.error, 'snapshot');
  // The state as given: parsing its outline copied only the top level.
  return { offset: parsed.data.offset, state: snapshot.state };
}

/** Raised when a snapshot names an offset the log has not reached. */
export function snapshotBeyondHead(offset: number, head: number): ProtocolError {
  return new ProtocolError('conflict', `snapshot.offset: ${offset} is beyond the head ${head}`, 'snapshot.offset');
}

/** A retention policy; the windows default to `DEFAULT_CLIENT_MESSAGE_WINDOW` and `DEFAULT_FENCE_WINDOW`. */
export const RetentionPolicySchema = z.object({
  maxEvents: z.number().int().nonnegative().optional(),
  maxAgeMs: z.number().int().nonnegative().optional(),
  clientMessageWindow: z.number().int().nonnegative().default(DEFAULT_CLIENT_MESSAGE_WINDOW),
  fenceWindow: z.number().int().nonnegative().default(DEFAULT_FENCE_WINDOW),
});

/** A retention policy after validation, its windows filled in. */
export type ResolvedRetention = z.output<typeof RetentionPolicySchema>;

/** Validates the session id and a retention policy. */
export function validateRetention(session: string, policy: RetentionPolicy): ResolvedRetention {
  assertSessionId(session);
  const parsed = RetentionPolicySchema.safeParse(policy);
  if (!parsed.success) throw protocolErrorFromZod(parsed.error, 'policy');
  return parsed.data;
}

const callback = z.custom<(...args: never[]) => void>((value) => typeof value === 'function', 'expected a function');

const SubscribeOptionsSchema = z.object({
  batchSize: z.number().int().positive().max(10_000).default(500),
  epoch: z.string().min(1).max(64).optional(),
  onReset: callback.optional(),
  onError: callback.optional(),
  onLive: callback.optional(),
});

/** Subscribe options with defaults applied. */
export interface ResolvedSubscribeOptions {
  batchSize: number;
  epoch: string | undefined;
  onReset: (() => void) | undefined;
  onError: ((error: unknown) => void) | undefined;
  onLive: (() => void) | undefined;
}

/** Validates a subscribe call (session, after, listener, options). */
export function validateSubscribe(
  session: string,
  after: number,
  listener: unknown,
  options: SubscribeOptions | undefined,
): ResolvedSubscribeOptions {
  assertSessionId(session);
  validateAfter(after);
  if (typeof listener !== 'function') throw new ProtocolError('bad_frame', 'listener: expected a function', 'listener');
  const parsed = parseOptions(SubscribeOptionsSchema, options, 'options');
  return {
    batchSize: parsed.batchSize,
    epoch: parsed.epoch,
    onReset: options?.onReset,
    onError: options?.onError,
    onLive: options?.onLive,
  };
}

/**
 * The newest offset retention may drop: the larger cut of the two policies, never past the
 * newest snapshot (without one nothing is dropped). `ageCut` is the newest offset older than
 * `maxAgeMs`, found by the store.
 */
export function retentionCut(
  policy: RetentionPolicy,
  head: number,
  snapshotOffset: number,
  ageCut: number,
): number {
  let cut = 0;
  if (policy.maxEvents !== undefined) cut = Math.max(cut, head - policy.maxEvents);
  if (policy.maxAgeMs !== undefined) cut = Math.max(cut, ageCut);
  return Math.min(cut, snapshotOffset);
}
