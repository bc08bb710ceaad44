import { z } from 'zod';
import { CapabilitySchema, protocolErrorFromZod, type Capability } from '@marketing-team/core';
import { ablySessionChannels } from './channel-names.js';

/** An Ably capability: channel name to the operations allowed on it. */
export type AblyCapability = Record<string, string[]>;

const CapabilitiesSchema = z.array(CapabilitySchema).min(1).max(5);

/**
 * Maps session capabilities to an Ably capability scoped to one session's channels
 * (operations per https://ably.com/docs/auth/capabilities):
 * - `read` -> `subscribe`, `history` on the log channel (live tail, catch-up with
 *   `history({ untilAttach })`);
 * - `presence` (with `read`) -> `presence` on the log channel too (who is watching);
 * - `write` -> `publish` on the input channel;
 * - `control` -> `publish` on the control channel.
 * Nothing else is granted: no wildcard resource, no `publish` on the log channel, so only the
 * server can write records.
 */
export function ablyCapabilityFor(session: string, capabilities: readonly Capability[], prefix?: string): AblyCapability {
  const parsed = CapabilitiesSchema.safeParse(capabilities);
  if (!parsed.success) throw protocolErrorFromZod(parsed.error, 'capabilities');
  const channels = ablySessionChannels(session, prefix);
  const granted = new Set(parsed.data);
  const capability: AblyCapability = {};
  if (granted.has('read')) capability[channels.log] = granted.has('presence') ? ['history', 'presence', 'subscribe'] : ['history', 'subscribe'];
  if (granted.has('write')) capability[channels.input] = ['publish'];
  if (granted.has('control')) capability[channels.control] = ['publish'];
  return capability;
}
