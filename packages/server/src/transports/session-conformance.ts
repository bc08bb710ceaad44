import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyRecords,
  createDefaultTeam,
  createSessionState,
  deviceInUse,
  listMessages,
  type Capability,
  type SessionEvent,
  type SessionRecord,
  type SessionState,
  type WebSocketConstructor,
} from '@marketing-team/core';
import { seededRandom } from '../_seeded-random.js';
import { createOfflineProvider } from '../models/offline-provider.js';
import type { RunLauncher } from '../runtime/run-launcher.js';
import { createTeamRuntime } from '../runtime/team-runtime.js';
import { ConformanceClient, until, type ConformanceView } from './_conformance-client.js';

/** What the suite hands the factory: the server it builds must run briefs with this launcher. */
export interface SessionConformanceServerOptions {
  /** The default team on the offline model at a pace the suite can interrupt; give it to the server as `launcher`. */
  launcher: RunLauncher;
}

/** A server endpoint and the client transport that reaches it. */
export interface SessionConformanceEndpoint {
  /** The URL the transport is constructed with (`ws://host/mt/ws`, or the HTTP base for SSE). */
  url: string;
  /**
   * The client transport: a constructor of the socket-shaped seam core's `SessionClient` takes
   * (a WebSocket, `SseSocket`, the socket `createAblySessionSocket` makes, or your own).
   */
  WebSocket: WebSocketConstructor;
  /** Mints a session token the server accepts. */
  token(grant: { session: string; userId: string; capabilities: Capability[] }): Promise<string>;
  /** Stops the server and everything the endpoint opened. */
  close(): Promise<void> | void;
  /**
   * The server's metrics as Prometheus text (what `GET …/metrics` answers), for the telemetry
   * check; an endpoint without it skips that check.
   */
  metrics?(): Promise<string> | string;
}

/** Builds the endpoint under test once for the whole suite. */
export type SessionConformanceFactory = (options: SessionConformanceServerOptions) => Promise<SessionConformanceEndpoint> | SessionConformanceEndpoint;

const EVERYTHING: Capability[] = ['read', 'write', 'control', 'presence'];
const CONTENT_EVENTS = new Set(['message.started', 'text.delta', 'message.completed', 'deliverable.created']);
const RUN_ENDS = new Set(['completed', 'failed', 'cancelled', 'interrupted']);
/** Steady enough to interrupt mid-run, fast enough that a campaign takes a few seconds. */
const TOKENS_PER_SECOND = 1500;

function runEnded(view: ConformanceView, runId: string): boolean {
  const status = view.state.runs[runId]?.status;
  return status !== undefined && RUN_ENDS.has(status);
}

function brief(runId: string, goal: string): Record<string, unknown> {
  return { type: 'brief.submitted', runId, brief: { goal, channels: ['x', 'linkedin'] } };
}

/** The value of one sample (`name{labels}`) in Prometheus text; 0 when the series is not there yet. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((each) => each.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** Polls an async `read` until `check` holds of its value, failing with `what` after `timeoutMs`. */
async function eventually<T>(read: () => Promise<T> | T, check: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function reduce(records: readonly SessionRecord[]): SessionState {
  return applyRecords(createSessionState(), records);
}

/** True once a record of `type` for `runId` has been applied by the view. */
function saw(view: ConformanceView, type: SessionEvent['type'], runId: string): boolean {
  return view.records.some((record) => record.event.type === type && 'runId' in record.event && record.event.runId === runId);
}

/**
 * The semantics of a durable session, as a client sees them through one transport, as vitest
 * `describe` blocks: resume from any offset, the cancel fence, steer receipts, idempotent client
 * messages, late joins by snapshot, presence, and convergence of devices writing at once. Every
 * check speaks the frames of the protocol (docs/protocol.md) over the transport's socket-shaped
 * seam, so it holds for any client built on them. Run it unchanged per transport:
 *
 * ```ts
 * describeSessionConformance('WebSocket', async ({ launcher }) => {
 *   const running = await startMyServer({ launcher });
 *   return { url: running.wsUrl, WebSocket: MyWebSocket, token: running.mint, close: running.close };
 * });
 * ```
 */
export function describeSessionConformance(name: string, factory: SessionConformanceFactory): void {
  describe(`session conformance: ${name}`, () => {
    let endpoint: SessionConformanceEndpoint;
    const clients: ConformanceClient[] = [];

    beforeAll(async () => {
      const launcher = createTeamRuntime({ team: createDefaultTeam(), provider: createOfflineProvider({ tokensPerSecond: TOKENS_PER_SECOND }) });
      endpoint = await factory({ launcher });
    }, 60_000);

    afterAll(async () => {
      for (const client of clients.splice(0)) client.close();
      await endpoint?.close();
    }, 60_000);

    async function connect(device: string): Promise<ConformanceClient> {
      const client = await ConformanceClient.connect(endpoint, `${device}-${randomUUID().slice(0, 8)}`);
      clients.push(client);
      return client;
    }

    /** A new client (own connection) subscribed to `session`. */
    async function join(session: string, options: { device: string; userId?: string; capabilities?: Capability[]; from?: number }): Promise<ConformanceClient> {
      const client = await connect(options.device);
      const token = await endpoint.token({ session, userId: options.userId ?? 'user-1', capabilities: options.capabilities ?? EVERYTHING });
      await client.subscribe(session, token, options.from);
      return client;
    }

    async function submit(client: ConformanceClient, session: string, runId: string): Promise<void> {
      const answer = await client.write({ type: 'publish', session, clientMsgId: `brief-${runId}`, event: brief(runId, 'Launch our reusable bottle to commuters') });
      expect(answer).toMatchObject({ type: 'ack', duplicate: false });
    }

    it('resume: a client dropped at any offset ends with the state of a client never interrupted', async () => {
      const session = `conformance-resume-${randomUUID()}`;
      const steady = await join(session, { device: 'steady', from: 0 });
      const dropped = await join(session, { device: 'dropped', from: 0 });
      // The same drop points and offsets on every run.
      const random = seededRandom(15);
      await submit(steady, session, 'run-1');
      // Dropped while the run streams, as often as it can reconnect.
      let drops = 0;
      let next = 1 + Math.floor(random() * 10);
      while (!runEnded(dropped.view(session), 'run-1')) {
        await until(() => dropped.view(session).state.offset >= next || runEnded(dropped.view(session), 'run-1'), 'the next drop point', 60_000);
        if (runEnded(dropped.view(session), 'run-1')) break;
        dropped.drop();
        drops += 1;
        // Offline for a moment, so records pile up to be replayed.
        await new Promise((resolve) => setTimeout(resolve, random() * 100));
        await dropped.reconnect();
        next = dropped.view(session).state.offset + 1 + Math.floor(random() * 8);
      }
      const steadyView = steady.view(session);
      await until(() => runEnded(steadyView, 'run-1') && steadyView.state.offset === dropped.view(session).state.offset, 'both clients at the end of the run', 60_000);
      expect(drops).toBeGreaterThanOrEqual(1);
      expect(dropped.view(session).state).toEqual(steadyView.state);
      // Then from any offset of the log: the first, the last, and a spread of others in between.
      const head = steadyView.state.offset;
      const offsets = new Set([0, 1, head - 1, head]);
      while (offsets.size < 16) offsets.add(Math.floor(random() * head));
      const token = await endpoint.token({ session, userId: 'user-1', capabilities: ['read'] });
      for (const from of offsets) {
        const resumer = await connect(`resume-from-${from}`);
        const held = { state: reduce(steadyView.records.filter((record) => record.offset <= from)), epoch: dropped.view(session).epoch ?? '' };
        const view = await resumer.subscribe(session, token, from, held);
        await until(() => view.state.offset === head, `the client resumed from ${from} to catch up`, 30_000);
        expect(view.state, `resumed from ${from}`).toEqual(steadyView.state);
        expect(resumer.problems, `resumed from ${from}`).toEqual([]);
        resumer.close();
      }
      expect(dropped.problems).toEqual([]);
      expect(steady.problems).toEqual([]);
      expect(steadyView.state).toEqual(reduce(steadyView.records));
    }, 120_000);

    it('the cancel fence: no content of a cancelled run reaches a client after its run.cancelled', async () => {
      const session = `conformance-cancel-${randomUUID()}`;
      const client = await join(session, { device: 'canceller', from: 0 });
      const view = client.view(session);
      await submit(client, session, 'run-1');
      await until(() => saw(view, 'text.delta', 'run-1'), 'the run streaming', 60_000);
      const answer = await client.write({ type: 'cancel', session, clientMsgId: 'cancel-1', runId: 'run-1' });
      expect(answer).toMatchObject({ type: 'ack', duplicate: false });
      await until(() => saw(view, 'run.cancelled', 'run-1'), 'run.cancelled', 60_000);
      // Whatever a slow producer still had in flight would be stored before this marker.
      const marker = await client.write({ type: 'publish', session, clientMsgId: 'marker-1', event: { type: 'card.created', cardId: 'marker', title: 'After the cancel' } });
      expect(marker.type).toBe('ack');
      await until(() => view.state.offset >= (marker.type === 'ack' ? marker.offset : Infinity), 'the marker', 30_000);
      const cancelled = view.records.findIndex((record) => record.event.type === 'run.cancelled');
      const late = view.records.slice(cancelled + 1).filter((record) => CONTENT_EVENTS.has(record.event.type) && 'runId' in record.event && record.event.runId === 'run-1');
      expect(late).toEqual([]);
      expect(view.state.runs['run-1']?.status).toBe('cancelled');
      // Partial output is kept.
      expect(listMessages(view.state).some((message) => message.runId === 'run-1' && message.text.length > 0)).toBe(true);
      expect(client.problems).toEqual([]);
    }, 120_000);

    it('steer receipts: every accepted steer is recorded as steer.applied, and a steer without control is refused', async () => {
      const session = `conformance-steer-${randomUUID()}`;
      const client = await join(session, { device: 'steerer', from: 0 });
      const viewer = await join(session, { device: 'viewer', capabilities: ['read', 'write'], userId: 'user-2', from: 0 });
      const view = client.view(session);
      await submit(client, session, 'run-1');
      await until(() => saw(view, 'text.delta', 'run-1'), 'the run streaming', 60_000);
      const accepted: number[] = [];
      for (const [index, mode] of (['restart', 'next-turn'] as const).entries()) {
        const answer = await client.write({ type: 'steer', session, clientMsgId: `steer-${index}`, runId: 'run-1', instruction: `Mention the trail map (${index})`, mode });
        expect(answer).toMatchObject({ type: 'ack', duplicate: false });
        if (answer.type === 'ack') accepted.push(answer.offset);
      }
      const refused = await viewer.write({ type: 'steer', session, clientMsgId: 'steer-viewer', runId: 'run-1', instruction: 'Not mine to give' });
      expect(refused).toMatchObject({ type: 'error', code: 'forbidden' });
      await until(() => runEnded(view, 'run-1'), 'the end of the run', 90_000);
      const applied = view.records.flatMap((record) => (record.event.type === 'steer.applied' ? [record.event.steerOffset] : []));
      for (const offset of accepted) expect(applied).toContain(offset);
      const submitted = view.records.filter((record) => record.event.type === 'steer.submitted');
      expect(submitted.map((record) => record.offset)).toEqual(accepted);
      for (const steer of view.state.steers.filter((each) => accepted.includes(each.offset))) expect(steer.appliedTo.length).toBeGreaterThan(0);
      expect(client.problems).toEqual([]);
    }, 120_000);

    it('idempotent writes: the same client message id twice is applied once, on a new connection too', async () => {
      const session = `conformance-idempotent-${randomUUID()}`;
      const writer = await join(session, { device: 'writer', from: 0 });
      const observer = await join(session, { device: 'observer', from: 0 });
      const card = { type: 'publish', session, clientMsgId: 'card-1', event: { type: 'card.created', cardId: 'c1', title: 'Book the shoot' } } as const;
      const first = await writer.write(card);
      const again = await writer.write(card);
      expect(first).toMatchObject({ type: 'ack', duplicate: false });
      expect(again).toMatchObject({ type: 'ack', duplicate: true, offset: first.type === 'ack' ? first.offset : -1 });
      // A retry after a lost ack comes on a new connection.
      writer.drop();
      await writer.reconnect();
      expect(await writer.write(card)).toMatchObject({ type: 'ack', duplicate: true, offset: first.type === 'ack' ? first.offset : -1 });
      // A retried brief is one run; a retried cancel is one cancel.
      await submit(writer, session, 'run-1');
      expect(await writer.write({ type: 'publish', session, clientMsgId: 'brief-run-1', event: brief('run-1', 'Launch our reusable bottle to commuters') })).toMatchObject({ type: 'ack', duplicate: true });
      const cancel = { type: 'cancel', session, clientMsgId: 'cancel-1', runId: 'run-1' } as const;
      const cancelled = await writer.write(cancel);
      expect(await writer.write(cancel)).toMatchObject({ type: 'ack', duplicate: true, offset: cancelled.type === 'ack' ? cancelled.offset : -1 });
      const view = observer.view(session);
      await until(() => runEnded(view, 'run-1'), 'the end of the run', 60_000);
      const count = (type: string) => view.records.filter((record) => record.event.type === type).length;
      expect(count('card.created')).toBe(1);
      expect(count('brief.submitted')).toBe(1);
      expect(count('cancel.requested')).toBe(1);
      expect(writer.problems).toEqual([]);
      expect(observer.problems).toEqual([]);
    }, 120_000);

    it('late join: a client joining mid-run gets a snapshot equal to replaying the log from 0, then the same tail', async () => {
      const session = `conformance-late-${randomUUID()}`;
      const early = await join(session, { device: 'early', from: 0 });
      await submit(early, session, 'run-1');
      const earlyView = early.view(session);
      await until(() => earlyView.records.filter((record) => record.event.type === 'text.delta').length >= 30, 'the run well under way', 60_000);
      const late = await join(session, { device: 'late' });
      const lateView = late.view(session);
      await until(() => runEnded(earlyView, 'run-1') && runEnded(lateView, 'run-1') && lateView.state.offset === earlyView.state.offset, 'both at the end of the run', 90_000);
      // A transport may serve a late joiner from a snapshot (the server's) or by replaying what it
      // keeps (Ably's history); either way it ends where the log reduced from 0 ends, and a
      // snapshot is the log reduced up to its offset.
      const at = lateView.snapshots[0];
      if (at === undefined) {
        expect(lateView.records[0]?.offset).toBe(1);
      } else {
        expect(at).toBeGreaterThan(0);
        expect(applyRecords(reduce(earlyView.records.filter((record) => record.offset <= at)), lateView.records)).toEqual(earlyView.state);
        expect(lateView.records.length).toBeLessThan(earlyView.records.length);
      }
      expect(lateView.state).toEqual(reduce(earlyView.records));
      expect(lateView.state).toEqual(earlyView.state);
      expect(late.problems).toEqual([]);
      expect(early.problems).toEqual([]);
    }, 120_000);

    it('presence: devices joining and leaving are seen by the others, coalesced, beside the log and only with the presence capability', async () => {
      const session = `conformance-presence-${randomUUID()}`;
      const first = await join(session, { device: 'laptop', userId: 'user-1' });
      const second = await join(session, { device: 'phone', userId: 'user-1' });
      const blind = await join(session, { device: 'reader', userId: 'user-2', capabilities: ['read'] });
      const ids = (client: ConformanceClient) => [...client.view(session).viewers.values()].map((viewer) => viewer.clientId);
      const sees = (client: ConformanceClient, devices: ConformanceClient[]) => devices.every((device) => ids(client).includes(device.clientId));
      // A device without `presence` may or may not be listed (Ably lists only those who may enter its presence set).
      await until(() => sees(first, [first, second]) && sees(second, [first, second]), 'both devices to see each other', 30_000);
      // A device that comes and goes in a loop costs the others a few coalesced frames, not one per toggle.
      const toggler = await connect('toggler');
      const token = await endpoint.token({ session, userId: 'user-3', capabilities: ['read', 'presence'] });
      const framesBefore = first.view(session).presenceFrames;
      const toggles = 20;
      for (let index = 0; index < toggles; index += 1) {
        await toggler.subscribe(session, token);
        toggler.unsubscribe(session);
      }
      second.close();
      await until(() => sees(first, [first]) && !ids(first).includes(second.clientId) && !ids(first).includes(toggler.clientId), 'the laptop to see the phone and the toggler gone', 30_000);
      expect(first.view(session).presenceFrames - framesBefore).toBeLessThan(toggles);
      expect(blind.view(session).presenceFrames).toBe(0);
      expect(first.view(session).state.offset).toBe(0);
      expect(first.problems).toEqual([]);
    }, 120_000);

    it('multi-device convergence: two devices writing at once during a run end with identical state', async () => {
      const session = `conformance-converge-${randomUUID()}`;
      const laptop = await join(session, { device: 'laptop', userId: 'user-1', from: 0 });
      const phone = await join(session, { device: 'phone', userId: 'user-2', from: 0 });
      await submit(laptop, session, 'run-1');
      await until(() => saw(laptop.view(session), 'text.delta', 'run-1'), 'the run streaming', 60_000);
      for (const [client, device] of [[laptop, 'laptop'], [phone, 'phone']] as const) {
        await client.write({ type: 'publish', session, clientMsgId: `${device}-card`, event: { type: 'card.created', cardId: `card-${device}`, title: `From the ${device}` } });
      }
      const writes = (client: ConformanceClient, device: string) =>
        Array.from({ length: 15 }, (_, index) =>
          client.write({
            type: 'publish',
            session,
            clientMsgId: `${device}-${index}`,
            event: { type: 'card.updated', cardId: index % 2 === 0 ? 'card-laptop' : 'card-phone', title: `${device} edit ${index}` },
          }),
        );
      // Both devices edit the same cards at the same time; the log orders the edits once for everyone.
      const answers = await Promise.all([...writes(laptop, 'laptop'), ...writes(phone, 'phone')]);
      for (const answer of answers) expect(answer.type).toBe('ack');
      await until(
        () => runEnded(laptop.view(session), 'run-1') && runEnded(phone.view(session), 'run-1') && laptop.view(session).state.offset === phone.view(session).state.offset,
        'both devices at the end of the run',
        90_000,
      );
      expect(phone.view(session).state).toEqual(laptop.view(session).state);
      expect(phone.view(session).records).toEqual(laptop.view(session).records);
      expect(Object.keys(laptop.view(session).state.board).filter((id) => id.startsWith('card-')).sort()).toEqual(['card-laptop', 'card-phone']);
      expect(laptop.problems).toEqual([]);
      expect(phone.problems).toEqual([]);
    }, 120_000);

    it('verified resume: live events carry digests of the messages, each matching the text the client holds', async () => {
      const session = `conformance-digests-${randomUUID()}`;
      const client = await join(session, { device: 'verifier', from: 0 });
      const view = client.view(session);
      await submit(client, session, 'run-1');
      await until(() => runEnded(view, 'run-1'), 'the end of the run', 90_000);
      const messages = listMessages(view.state).filter((message) => message.runId === 'run-1' && message.text.length > 0);
      expect(messages.length).toBeGreaterThan(0);
      // Each message that ended has been vouched for at its final length, on the frame that ended it.
      const vouched = (id: string, length: number) => view.digests.some((digest) => digest.messageId === id && digest.length === length);
      await until(() => messages.every((message) => message.status === 'streaming' || vouched(message.id, message.text.length)), 'a digest of every message that ended', 30_000);
      expect(view.digests.filter((digest) => !digest.matched)).toEqual([]);
      expect(client.problems).toEqual([]);
    }, 120_000);

    it('attention: every device sees the same device in use, the one focused, and a review follows the person to the next one', async () => {
      const session = `conformance-attention-${randomUUID()}`;
      const laptop = await join(session, { device: 'laptop', userId: 'user-1' });
      const phone = await join(session, { device: 'phone', userId: 'user-1' });
      const colleague = await join(session, { device: 'colleague', userId: 'user-2' });
      const everyone = [laptop, phone, colleague];
      const inUse = (client: ConformanceClient) => deviceInUse([...client.view(session).viewers.values()], 'user-1');
      laptop.signal({ type: 'attention', device: 'desktop', focused: false, visible: true });
      phone.signal({ type: 'attention', device: 'phone', focused: true, visible: true });
      await until(() => everyone.every((client) => inUse(client)?.clientId === phone.clientId && inUse(client)?.focused === true), 'the phone in use on every device', 30_000);
      expect(inUse(colleague)).toMatchObject({ device: 'phone', focused: true, visible: true });
      // The person picks up the laptop: a review asked now is routed there.
      phone.signal({ type: 'attention', device: 'phone', focused: false, visible: false });
      laptop.signal({ type: 'attention', device: 'desktop', focused: true, visible: true });
      await until(() => everyone.every((client) => inUse(client)?.clientId === laptop.clientId && inUse(client)?.focused === true), 'the laptop in use on every device', 30_000);
      const seenByColleague = colleague.view(session).viewers.get(`user-1\n${phone.clientId}`);
      expect(seenByColleague).toMatchObject({ device: 'phone', focused: false, visible: false });
      expect(inUse(colleague)!.activeAt).toBeGreaterThanOrEqual(seenByColleague!.activeAt ?? 0);
      for (const client of everyone) expect(client.problems).toEqual([]);
    }, 120_000);

    it('telemetry: a device\'s report reaches the server\'s metrics, and one sent again within the limit is dropped and counted', async (context) => {
      const metrics = endpoint.metrics?.bind(endpoint);
      // An endpoint that exposes no metrics reader (optional for third parties) has nothing to prove here; ours all do.
      if (!metrics) return context.skip();
      const session = `conformance-telemetry-${randomUUID()}`;
      const client = await join(session, { device: 'reporter' });
      const reports = 'marketing_team_telemetry_reports_total{device="tablet"}';
      const firstTokens = 'marketing_team_device_time_to_first_token_seconds_count{device="tablet"}';
      const dropped = 'marketing_team_telemetry_reports_dropped_total';
      const before = await metrics();
      const report = { type: 'telemetry' as const, device: 'tablet', timeToFirstTokenMs: [840], longestGapMs: [1200], resumeMs: [], cancelToQuietMs: [], reconnects: 1, digestMismatches: 0 };
      client.signal(report);
      const after = await eventually(metrics, (text) => sample(text, reports) === sample(before, reports) + 1, 'the report in the metrics');
      expect(sample(after, firstTokens)).toBe(sample(before, firstTokens) + 1);
      expect(sample(after, 'marketing_team_device_reconnects_total{device="tablet"}')).toBe(sample(before, 'marketing_team_device_reconnects_total{device="tablet"}') + 1);
      // The same device again at once: over the limit of one report per device per interval.
      client.signal(report);
      const later = await eventually(metrics, (text) => sample(text, dropped) === sample(before, dropped) + 1, 'the second report dropped');
      expect(sample(later, reports)).toBe(sample(before, reports) + 1);
      expect(client.problems).toEqual([]);
    }, 120_000);
  });
}
