import * as z from 'zod/mini';
// English messages before anything is parsed (see the file).
import './_english-messages.js';

/**
 * What a session token allows.
 * - `read`: subscribe, replay, snapshot.
 * - `write`: publish input events (briefs, board edits).
 * - `control`: cancel and steer runs, approve or send back a task at a review gate.
 * - `presence`: see who else watches the session (user and device ids). Apart from `read`
 *   because the viewers of a session are other people's data: a read-only share link should not
 *   tell its holder who else is looking.
 * - `admin`: edit the workspace's team (brand kit, skills, agents, rules, playbook) and roll it
 *   back. Tokens minted for running briefs do not carry it.
 */
export const CapabilitySchema = z.enum(['read', 'write', 'control', 'presence', 'admin']);
export type Capability = z.infer<typeof CapabilitySchema>;
/** Every capability of a session, in the order they are usually listed (`admin` is not one: it edits the workspace). */
export const ALL_CAPABILITIES: readonly Capability[] = ['read', 'write', 'control', 'presence'];
