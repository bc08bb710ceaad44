import * as z from 'zod/mini';
// English messages before anything is parsed (see the file).
import './_english-messages.js';
import { CapabilitySchema } from './capabilities.js';
import { ErrorCodeSchema } from './errors.js';
import { RunScopeSchema, SessionRecordSchema } from './events.js';
import { IdSchema, OffsetSchema, SessionIdSchema } from './limits.js';
import { SessionStateSchema } from './state.js';
import { TextDigestSchema } from './text-digest.js';
import { DeviceNameSchema, TelemetryReportSchema } from './delivery-telemetry.js';

const session = { session: SessionIdSchema };
const clientMsgId = { clientMsgId: IdSchema };
const token = z.string().check(z.minLength(1), z.maxLength(4096));
const ViewerSchema = z.object({
  clientId: z.string(),
  userId: z.string(),
  since: z.number(),
  /** The device's name, once it reported its attention (section 3.12). */
  device: z.optional(DeviceNameSchema),
  /** Whether the page has the keyboard focus and whether it is visible, as the device last said. */
  focused: z.optional(z.boolean()),
  visible: z.optional(z.boolean()),
  /** Server time (ms) the device last became focused (or visible, before it was ever focused). */
  activeAt: z.optional(z.number()),
});

/** Frames a client sends. */
export const ClientFrameSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    protocol: z.number().check(z.int(), z.positive()),
    /** Stable id of this device or tab, used for presence. */
    clientId: IdSchema,
  }),
  z.object({
    type: z.literal('subscribe'),
    ...session,
    token,
    /** Last offset this client applied; omit to start from a snapshot. */
    from: z.optional(OffsetSchema),
    /** Epoch the `from` offset belongs to; a mismatch makes the server send a snapshot. */
    epoch: z.optional(z.string().check(z.maxLength(64))),
  }),
  z.object({ type: z.literal('unsubscribe'), ...session }),
  z.object({
    type: z.literal('publish'),
    ...session,
    ...clientMsgId,
    event: z.record(z.string(), z.unknown()),
  }),
  z.object({
    type: z.literal('cancel'),
    ...session,
    ...clientMsgId,
    runId: IdSchema,
    scope: z.optional(RunScopeSchema),
    reason: z.optional(z.string().check(z.maxLength(500))),
  }),
  z.object({
    type: z.literal('steer'),
    ...session,
    ...clientMsgId,
    runId: IdSchema,
    instruction: z.string().check(z.minLength(1), z.maxLength(2000)),
    scope: z.optional(RunScopeSchema),
    mode: z.optional(z.enum(['next-turn', 'restart'])),
  }),
  /** Replaces the token of a live subscription before it expires. */
  z.object({ type: z.literal('refresh'), ...session, token }),
  z.object({ type: z.literal('ping'), t: z.optional(z.number()) }),
  /** Whether this device's page is focused and visible (section 3.12); sent when that changes, coalesced. */
  z.object({ type: z.literal('attention'), device: DeviceNameSchema, focused: z.boolean(), visible: z.boolean() }),
  /** How sessions reach this device, since its last report (section 3.11); a few per minute at most. */
  z.object({ type: z.literal('telemetry'), ...TelemetryReportSchema.shape }),
]);
export type ClientFrame = z.infer<typeof ClientFrameSchema>;

/** Frames a server sends. */
export const ServerFrameSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('welcome'),
    protocol: z.number().check(z.int(), z.positive()),
    connectionId: z.string(),
    /** The `clientId` of the `hello` this answers: presence shows the connection under it (a shared tab learns its leader's). */
    clientId: z.optional(z.string()),
    heartbeatMs: z.number().check(z.int(), z.positive()),
    maxFrameBytes: z.number().check(z.int(), z.positive()),
  }),
  z.object({
    type: z.literal('subscribed'),
    ...session,
    epoch: z.string(),
    /** Offset of the newest stored event when the subscription started. */
    head: OffsetSchema,
    capabilities: z.array(CapabilitySchema),
    /** Seconds since the Unix epoch when the token expires. */
    expiresAt: z.number().check(z.int()),
  }),
  z.object({
    type: z.literal('snapshot'),
    ...session,
    epoch: z.string(),
    offset: OffsetSchema,
    state: SessionStateSchema,
  }),
  z.object({
    type: z.literal('events'),
    ...session,
    epoch: z.string(),
    batch: z.array(SessionRecordSchema),
    /**
     * The server's digest of messages' text as of the batch's last record (section 3.10): sent for
     * a message when it ends and after every few thousand characters of it, never for every delta.
     */
    digests: z.optional(z.array(z.object({ messageId: IdSchema, ...TextDigestSchema.shape })).check(z.maxLength(256))),
  }),
  z.object({
    type: z.literal('ack'),
    ...session,
    ...clientMsgId,
    offset: OffsetSchema,
    /** True when this client message id was already applied; `offset` is the original one. */
    duplicate: z.boolean(),
  }),
  /** Everyone watching, sent once to a subscriber whose token grants `presence`, when it joins. */
  z.object({
    type: z.literal('presence'),
    ...session,
    viewers: z.array(ViewerSchema),
  }),
  /**
   * What changed since the last presence frame: viewers who joined and who left. Coalesced by the
   * server (a few per second at most), so a viewer toggling its subscription costs the others
   * little, and never the whole list again.
   */
  z.object({
    type: z.literal('presence.changed'),
    ...session,
    joined: z.array(ViewerSchema),
    left: z.array(z.object({ clientId: z.string(), userId: z.string() })),
  }),
  z.object({
    type: z.literal('error'),
    code: ErrorCodeSchema,
    message: z.string(),
    field: z.optional(z.string()),
    session: z.optional(SessionIdSchema),
    clientMsgId: z.optional(IdSchema),
  }),
  z.object({ type: z.literal('pong'), t: z.optional(z.number()) }),
]);
export type ServerFrame = z.infer<typeof ServerFrameSchema>;
export type ServerFrameOf<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>;
export type ClientFrameOf<T extends ClientFrame['type']> = Extract<ClientFrame, { type: T }>;
