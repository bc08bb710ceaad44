import { z } from 'zod';
import { ProtocolError, SessionIdSchema, protocolErrorFromZod } from '@marketing-team/core';

/** Default first segment of every channel name this package uses. */
export const DEFAULT_ABLY_CHANNEL_PREFIX = 'mt';

/**
 * A channel prefix: colon-free segments only, so capabilities granted on one session's channels can
 * never match another's (Ably capability wildcards work on whole `:`-delimited segments).
 */
export const AblyChannelPrefixSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, "_" or "-"');

/** The three Ably channels of one session. */
export interface AblySessionChannels {
  /** The session log: the server publishes stored records here; viewers subscribe. */
  log: string;
  /** Input events (briefs, board edits, approvals): clients with `write` publish here. */
  input: string;
  /** Cancel and steer: clients with `control` publish here. */
  control: string;
}

/** Names the Ably channels of `session`: `<prefix>:session:<id>`, `<prefix>:input:<id>`, `<prefix>:control:<id>`. */
export function ablySessionChannels(session: string, prefix: string = DEFAULT_ABLY_CHANNEL_PREFIX): AblySessionChannels {
  const id = SessionIdSchema.safeParse(session);
  if (!id.success) throw protocolErrorFromZod(id.error, 'session');
  const p = AblyChannelPrefixSchema.safeParse(prefix);
  if (!p.success) throw protocolErrorFromZod(p.error, 'channelPrefix');
  // Channel names may not start with "[" (reserved for qualifiers); the schemas above exclude it.
  if (id.data.startsWith('[')) throw new ProtocolError('bad_frame', 'session: may not start with "["', 'session');
  return {
    log: `${p.data}:session:${id.data}`,
    input: `${p.data}:input:${id.data}`,
    control: `${p.data}:control:${id.data}`,
  };
}
