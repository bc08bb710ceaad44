import type { MessageState, SessionState } from '../protocol/index.js';
import { MESSAGE_BUCKET_COUNT, emptyMessageBuckets, messageBucketIndex } from '../protocol/messages.js';
import { DeliverableSchema } from '../protocol/deliverables.js';
import { MessageStateSchema, RunStateSchema, SessionStateSchema } from '../protocol/state.js';
import { STATE_VERSION } from '../protocol/version.js';
import { setOwn } from './_records.js';

/**
 * Turns a state read back from storage (a saved snapshot, a cache) into one this reducer
 * continues from: older shapes are migrated, then the whole state is validated, once, here,
 * so the hot path can save what the reducer produced without validating it again.
 * Returns `undefined` for a state that is not valid after migration (replay the log instead).
 */
export function restoreSessionState(value: unknown): SessionState | undefined {
  const migrated = migrate(value);
  if (migrated === undefined) return undefined;
  const parsed = SessionStateSchema.safeParse(migrated);
  return parsed.success && parsed.data.version === STATE_VERSION ? parsed.data : undefined;
}

type Parser = { safeParse(value: unknown): { success: boolean; data?: unknown } };

/** Parsers of the entries of the state's large maps, checked a slice at a time by {@link restoreSessionStateInTurns}. */
const SLICED: Record<string, Parser> = {
  runs: RunStateSchema,
  deliverables: DeliverableSchema,
};

/**
 * {@link restoreSessionState} for a server opening a long session: the same result, with the
 * message buckets, runs and deliverables checked entry by entry and `breathe` awaited after each
 * (the server's yields a turn every few milliseconds), so a large snapshot does not hold up every
 * other session on the node.
 */
export async function restoreSessionStateInTurns(value: unknown, breathe: () => Promise<void>): Promise<SessionState | undefined> {
  const migrated = migrate(value) as Record<string, unknown> | undefined;
  if (migrated === undefined) return undefined;
  const shape = SessionStateSchema.shape as Record<string, Parser>;
  // Key by key in the schema's order, as a parse of the whole state would build it (see `_entities.ts`).
  const restored: Record<string, unknown> = {};
  for (const key of Object.keys(shape)) {
    const field = Object.hasOwn(migrated, key) ? migrated[key] : undefined;
    if (key === 'messageBuckets') {
      if (!Array.isArray(field) || field.length !== MESSAGE_BUCKET_COUNT) return undefined;
      const buckets: Record<string, MessageState>[] = [];
      for (const bucket of field) {
        const entries = await parseEntries(bucket, MessageStateSchema, breathe);
        if (!entries) return undefined;
        buckets.push(entries as Record<string, MessageState>);
      }
      restored[key] = buckets;
    } else if (Object.hasOwn(SLICED, key)) {
      const entries = await parseEntries(field, SLICED[key]!, breathe);
      if (!entries) return undefined;
      restored[key] = entries;
    } else {
      const parsed = shape[key]!.safeParse(field);
      if (!parsed.success) return undefined;
      if (parsed.data !== undefined || Object.hasOwn(migrated, key)) restored[key] = parsed.data;
    }
  }
  return restored.version === STATE_VERSION ? (restored as SessionState) : undefined;
}

/** A record's entries parsed one by one (as `z.record(z.string(), schema)` would), with a breath between. */
async function parseEntries(value: unknown, schema: Parser, breathe: () => Promise<void>): Promise<Record<string, unknown> | undefined> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const parsed = schema.safeParse((value as Record<string, unknown>)[key]);
    if (!parsed.success) return undefined;
    setOwn(out, key, parsed.data);
    await breathe();
  }
  return out;
}

function migrate(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  const state = value as { version?: unknown };
  if (state.version === STATE_VERSION) return state;
  if (state.version === 2) return fromVersion2(value as { messages?: unknown });
  return undefined;
}

/** Version 2 kept one map of every message; version 3 spreads them over buckets. */
function fromVersion2(state: { messages?: unknown }): unknown {
  if (typeof state.messages !== 'object' || state.messages === null) return undefined;
  const { messages, ...rest } = state as { messages: Record<string, MessageState> };
  const messageBuckets = emptyMessageBuckets();
  for (const id of Object.keys(messages)) setOwn(messageBuckets[messageBucketIndex(id)]!, id, messages[id]!);
  return { ...rest, version: 3, messageBuckets };
}
