import type { MessageState, SessionState } from '../protocol/index.js';
import { emptyMessageBuckets, messageBucketIndex } from '../protocol/messages.js';
import { SessionStateSchema } from '../protocol/state.js';
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
