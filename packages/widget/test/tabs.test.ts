// Tabs of one browser sharing one socket, the local cache and the durable outbox, in real
// Chromium against the real test server. Each "tab" is a same-origin iframe running a
// SessionClient (see _tab-agent.ts): it has its own document, Web Locks and BroadcastChannel,
// and removing it is closing the tab (its locks are released, as when a tab closes or crashes).
import type { SessionRecord, SessionState } from '@marketing-team/core';
import { deepEqual, equal, ok, waitFor } from './_assert.js';
import { afterEach, describe, it } from './_mocha.js';
import { callServer, mintToken, serverUrl, uniqueSession } from './_page.js';
import type { Tab, TabOptions } from './_tab-agent.js';

const LONG = 40_000;
const frames: HTMLIFrameElement[] = [];

afterEach(() => {
  for (const frame of frames.splice(0)) frame.remove();
});

async function openTab(options: TabOptions): Promise<{ frame: HTMLIFrameElement; tab: Tab }> {
  const frame = document.createElement('iframe');
  const agent = new URL('/packages/widget/test/_tab-agent.ts', location.href).href;
  frame.srcdoc = `<!doctype html><html lang="en"><head><title>tab</title><script type="module" src="${agent}"></script></head><body></body></html>`;
  document.body.append(frame);
  frames.push(frame);
  const window = await waitFor(() => (frame.contentWindow?.startTab ? frame.contentWindow : undefined), 'the tab agent to load', 20_000);
  return { frame, tab: window.startTab(options) };
}

async function upgrades(): Promise<number> {
  return (await callServer<{ upgrades: number }>('GET', '/test/upgrades')).upgrades;
}

async function options(session: string, extra: Partial<TabOptions> = {}): Promise<TabOptions> {
  return { url: `${await serverUrl()}/mt/ws`, session, token: await mintToken(session, ['read', 'write', 'control']), ...extra };
}

function latestRun(state: SessionState) {
  const id = state.runOrder[state.runOrder.length - 1];
  return id ? state.runs[id] : undefined;
}

function ended(tab: Tab): boolean {
  const status = latestRun(tab.state())?.status;
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

function live(tab: Tab): boolean {
  return tab.client.getConnection().status === 'live' && tab.handle.caughtUp;
}

/** What a fresh client with its own socket (no sharing, no cache) reduces the whole log to. */
async function reference(session: string, offset: number): Promise<SessionState> {
  const { tab } = await openTab(await options(session));
  await waitFor(() => tab.state().offset >= offset || undefined, 'the reference client to catch up', LONG);
  return tab.state();
}

/** The client's local database, as it is (never created here, so the client's own schema applies). */
function openCache(): Promise<IDBDatabase> {
  return new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open('marketing-team-sessions');
    request.onupgradeneeded = () => request.transaction?.abort();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('no local database yet'));
  });
}

/** The offset of `session`'s state in this browser's local cache, if it is there. */
async function cachedOffset(session: string): Promise<number | undefined> {
  const database = await openCache();
  try {
    const keys = await new Promise<IDBValidKey[]>((resolve) => {
      const request = database.transaction('states').objectStore('states').getAllKeys();
      request.onsuccess = () => resolve(request.result);
    });
    const key = keys.find((each) => String(each).endsWith(`\n${session}`));
    if (key === undefined) return undefined;
    const cached = await new Promise<{ state: SessionState } | undefined>((resolve) => {
      const request = database.transaction('states').objectStore('states').get(key);
      request.onsuccess = () => resolve(request.result as { state: SessionState } | undefined);
    });
    return cached?.state.offset;
  } finally {
    database.close();
  }
}

/** Client messages kept in the durable outbox for `session`. */
async function storedMessages(session: string): Promise<{ clientMsgId: string }[]> {
  const database = await openCache();
  try {
    return await new Promise((resolve) => {
      const request = database.transaction('outbox').objectStore('outbox').getAll();
      request.onsuccess = () => resolve((request.result as { key: string; clientMsgId: string }[]).filter((message) => message.key.endsWith(`\n${session}`)));
    });
  } finally {
    database.close();
  }
}

describe('tabs of one browser', () => {
  it('share one WebSocket: two tabs, one upgrade on the server, the same events in both, a follower writes through the leader, two sessions per tab', async () => {
    const session = uniqueSession('tabs-one-socket');
    const before = await upgrades();
    const { tab: first } = await openTab(await options(session, { shareConnection: true }));
    await waitFor(() => live(first), 'the first tab live', LONG);
    const { tab: second } = await openTab(await options(session, { shareConnection: true }));
    await waitFor(() => live(second), 'the second tab live', LONG);
    // The follower's brief goes through the leader's socket and its ack comes back to it.
    const { runId } = await second.handle.submitBrief({ goal: 'Launch our reusable bottle to commuters', channels: ['x'] });
    ok(runId, 'the follower got its ack');
    await waitFor(() => ended(first) && ended(second) && first.state().offset === second.state().offset, 'the run to end in both tabs', LONG);
    equal(await upgrades(), before + 1, 'one WebSocket upgrade for both tabs');
    deepEqual(second.state(), first.state(), 'both tabs hold the same state');
    // A second session in each tab rides the same socket.
    const other = uniqueSession('tabs-one-socket-other');
    const token = await mintToken(other, ['read', 'write', 'control']);
    const otherInFirst = first.client.session(other, { token });
    const otherInSecond = second.client.session(other, { token });
    await first.client.session(other, { token }).submitBrief({ goal: 'Sell our bottle to hikers', channels: ['x'] });
    await waitFor(() => otherInSecond.getState().runOrder.length === 1 && otherInFirst.getState().offset === otherInSecond.getState().offset || undefined, 'the other session in both tabs', LONG);
    equal(await upgrades(), before + 1, 'still one socket with two sessions per tab');
    deepEqual(await reference(session, first.state().offset), first.state(), 'the state of a client with a socket of its own');
  });

  it('one browser with 1, 5 and 20 tabs keeps one server socket; without sharing, a socket per tab', async function () {
    // Sixty-four tabs opened and closed one after the other: longer than the default 30 s.
    (this as { timeout(ms: number): void }).timeout(240_000);
    const footprint = () => callServer<{ openSockets: number; subscriptions: number; heapUsed: number; collected: boolean }>('GET', '/test/footprint');
    /** The least heap of three readings: a reading can catch allocations in flight (the metrics scrape, a ping), never less than what is held. */
    const heldHeap = async () => Math.min(...(await Promise.all([0, 1, 2].map(async (wait) => {
      await new Promise((resolve) => setTimeout(resolve, wait * 100));
      return (await footprint()).heapUsed;
    }))));
    const figures: string[] = [];
    // A first tab of each kind, unmeasured: the server's first session and socket warm it up.
    for (const shared of [true, false]) {
      const { frame, tab } = await openTab(await options(uniqueSession('tabs-footprint-warm-up'), { shareConnection: shared }));
      await waitFor(() => live(tab) || undefined, 'the warm-up tab live', LONG);
      frame.remove();
    }
    for (const shared of [true, false]) {
      for (const count of [1, 5, 20]) {
        const session = uniqueSession(`tabs-footprint-${count}`);
        // The tabs of earlier tests are gone once their sockets have closed.
        await waitFor(async () => (await footprint()).openSockets === 0 || undefined, 'no socket open', LONG);
        const before = await footprint();
        const opened: { frame: HTMLIFrameElement; tab: Tab }[] = [];
        for (let index = 0; index < count; index += 1) opened.push(await openTab(await options(session, { shareConnection: shared })));
        await waitFor(() => opened.every(({ tab }) => live(tab)) || undefined, `${count} tabs live`, LONG);
        const during = { ...(await footprint()), heapUsed: await heldHeap() };
        const sockets = during.openSockets - before.openSockets;
        equal(sockets, shared ? 1 : count, `${count} ${shared ? 'shared' : 'unshared'} tabs`);
        // The tabs of one browser following one session are one subscription on the server: the
        // leader's socket re-subscribes for each tab that joins, and the server replaces the link.
        const subscriptions = during.subscriptions - before.subscriptions;
        equal(subscriptions, shared ? 1 : count, `server subscriptions of ${count} ${shared ? 'shared' : 'unshared'} tabs`);
        for (const { frame } of opened) frame.remove();
        await waitFor(async () => (await footprint()).openSockets === before.openSockets || undefined, 'the sockets of the closed tabs to close', LONG);
        // What the open tabs cost the server: the heap with them, less the heap just after they
        // closed (the session itself stays in memory a while either way, so it is not counted).
        const kib = Math.round((during.heapUsed - (await heldHeap())) / 1024);
        figures.push(`${shared ? 'shared' : 'unshared'} ${count} tabs ${sockets} sockets ${subscriptions} subscriptions ${kib} KiB`);
      }
    }
    // The figures of the report (logged, not asserted): sockets and server heap growth per tab count.
    console.log(`server footprint (heap after gc: ${(await footprint()).collected}): ${figures.join('; ')}`);
  });

  it('count as one device: the focused tab steers the browser\'s attention, a tab opening unfocused does not take it away', async () => {
    const session = uniqueSession('tabs-one-device');
    // A device of its own (its own socket) that sees presence as the server sends it.
    const { tab: observer } = await openTab({ url: `${await serverUrl()}/mt/ws`, session, token: await mintToken(session, ['read', 'presence']) });
    await waitFor(() => (live(observer) && observer.handle.viewers.length === 1) || undefined, 'the observer in presence', LONG);
    const browser = () => observer.handle.viewers.filter((viewer) => viewer.clientId.startsWith('tab-'));
    const { tab: first } = await openTab(await options(session, { shareConnection: true }));
    const { frame: secondFrame, tab: second } = await openTab(await options(session, { shareConnection: true }));
    await waitFor(() => (live(first) && live(second)) || undefined, 'two tabs live', LONG);
    secondFrame.contentWindow!.focus();
    await waitFor(() => browser()[0]?.focused === true || undefined, 'the browser focused, in presence', LONG);
    equal(browser().length, 1, 'two tabs, one device in presence');
    // A third tab opens without the focus and says so; the browser is still the device in front.
    const { tab: third } = await openTab(await options(session, { shareConnection: true }));
    await waitFor(() => live(third) || undefined, 'the third tab live', LONG);
    // Presence goes out coalesced: a device joining after the third tab spoke is the point where
    // the server's presence includes whatever the third tab's attention did to the browser's.
    const { tab: witness } = await openTab(await options(session));
    await waitFor(() => (live(witness) && observer.handle.viewers.length === 3) || undefined, 'the witness in presence', LONG);
    equal(browser().length, 1, 'three tabs, one device in presence');
    equal(browser()[0]?.focused, true, 'the focused tab\'s attention wins');
    equal(browser()[0]?.visible, true, 'visible');
  });

  it('hands over when the leader tab closes mid-run: the others see every event exactly once', async () => {
    const session = uniqueSession('tabs-handover');
    const before = await upgrades();
    const { frame: leaderFrame, tab: leader } = await openTab(await options(session, { shareConnection: true }));
    await waitFor(() => live(leader), 'the leader live', LONG);
    const { tab: second } = await openTab(await options(session, { shareConnection: true }));
    const { tab: third } = await openTab(await options(session, { shareConnection: true }));
    await waitFor(() => live(second) && live(third), 'the followers live', LONG);
    equal(await upgrades(), before + 1, 'three tabs, one socket');
    await second.handle.submitBrief({ goal: 'Launch our reusable bottle to commuters', channels: ['x', 'instagram'] });
    await waitFor(() => (latestRun(second.state())?.status === 'running' && second.state().offset > 15) || undefined, 'the run under way', LONG);
    ok(!ended(third), 'the run is still going when the leader goes');
    const leaderGone = Date.now();
    leaderFrame.remove();
    await waitFor(() => ended(second) && ended(third) && second.state().offset === third.state().offset, 'the run to end in the remaining tabs', LONG);
    equal(await upgrades(), before + 2, 'the next leader opened the one new socket');
    // Nothing lost or applied twice: the same state as a client that read the log on its own
    // (a text delta applied twice would show in the messages), and offsets never went back.
    const expected = await reference(session, second.state().offset);
    deepEqual(second.state(), expected, 'the second tab');
    deepEqual(third.state(), expected, 'the third tab');
    for (const tab of [second, third]) ok(tab.offsets.every((offset, index) => index === 0 || offset > tab.offsets[index - 1]!), 'offsets only go forward');

    // The figures of the report (logged, not asserted): the hand-over gap (leader gone to the next
    // event shown in a follower) and the sockets of three tabs without sharing.
    const next = second.marks.find((mark) => mark.kind === 'render' && mark.wall >= leaderGone);
    const unshared = await upgrades();
    for (let index = 0; index < 3; index += 1) {
      const { tab } = await openTab(await options(session));
      await waitFor(() => live(tab), 'an unshared tab live', LONG);
    }
    console.log(
      `hand-over gap: ${next?.kind === 'render' ? next.wall - leaderGone : 'none'} ms; ` + `sockets for 3 tabs: shared 1, unshared ${(await upgrades()) - unshared}`,
    );
  });
});

describe('the local cache', () => {
  it('renders the cached state of a reload before the socket opens (server unreachable), then resumes from the cached offset', async () => {
    const session = uniqueSession('tabs-cache');
    const { frame, tab: first } = await openTab(await options(session, { cache: true }));
    await waitFor(() => live(first), 'live', LONG);
    await first.handle.submitBrief({ goal: 'Launch our reusable bottle to commuters', channels: ['x'] });
    await waitFor(() => ended(first) || undefined, 'the run to end', LONG);
    const offset = first.state().offset;
    await waitFor(async () => (await cachedOffset(session)) === offset || undefined, 'the state in the cache');
    frame.remove();

    // The reload, with the server out of reach: the cached state shows, no socket opened.
    const { tab: reloaded } = await openTab(await options(session, { cache: true, offline: true }));
    const render = await waitFor(() => reloaded.marks.find((mark) => mark.kind === 'render'), 'the cached state to render');
    equal(render.kind === 'render' && render.offset, offset, 'the first render is the cached state');
    deepEqual(reloaded.state(), first.state(), 'the cached state is the state the last page had');
    ok(!reloaded.marks.some((mark) => mark.kind === 'open'), 'no socket opened');

    // The network returns: the client resumes from the cached offset, not from a snapshot.
    reloaded.setOffline(false);
    await waitFor(() => live(reloaded), 'live again', LONG);
    const open = reloaded.marks.findIndex((mark) => mark.kind === 'open');
    ok(open > reloaded.marks.indexOf(render), 'rendered before the socket opened');
    const subscribe = reloaded.marks.find((mark) => mark.kind === 'subscribe');
    equal(subscribe?.kind === 'subscribe' && subscribe.from, offset, 'subscribed from the cached offset');
    deepEqual(reloaded.state(), first.state(), 'the same state once live');

    // The figures of the report (logged, not asserted): page load, and client creation, to the
    // first render of this session, from the cache and from the network, median of 7 pages each.
    const figures: Record<'cached' | 'network', { load: number[]; client: number[] }> = { cached: { load: [], client: [] }, network: { load: [], client: [] } };
    for (let round = 0; round < 7; round += 1) {
      for (const kind of ['network', 'cached'] as const) {
        const { frame: page, tab } = await openTab(await options(session, { cache: kind === 'cached' }));
        const shown = await waitFor(() => tab.marks.find((mark) => mark.kind === 'render'), 'the first render');
        figures[kind].load.push(shown.at);
        figures[kind].client.push(shown.at - tab.marks[0]!.at);
        page.remove();
      }
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!.toFixed(1);
    console.log(
      `first render of a ${offset}-event session: from page load cached ${median(figures.cached.load)} ms vs network ${median(figures.network.load)} ms; ` +
        `from client creation cached ${median(figures.cached.client)} ms vs network ${median(figures.network.client)} ms`,
    );
  });
});

describe('the durable outbox', () => {
  it('keeps a steer made offline across a reload and sends it once when the connection returns', async () => {
    const session = uniqueSession('tabs-outbox');
    const { frame, tab: first } = await openTab(await options(session, { cache: true }));
    await waitFor(() => live(first), 'live', LONG);
    const { runId } = await first.handle.submitBrief({ goal: 'Launch our reusable bottle to commuters', channels: ['x', 'instagram', 'linkedin'] });
    await waitFor(() => latestRun(first.state())?.status === 'running' || undefined, 'the run under way', LONG);
    first.setOffline(true);
    await waitFor(() => first.client.getConnection().status !== 'live' || undefined, 'offline');
    const steer = first.handle.steer(runId, 'Lead with the price');
    steer.catch(() => undefined);
    equal(first.handle.pending.length, 1, 'the steer is pending');
    const clientMsgId = first.handle.pending[0]!.clientMsgId;
    await waitFor(async () => (await storedMessages(session)).some((message) => message.clientMsgId === clientMsgId) || undefined, 'the steer on disk');
    frame.remove();

    // The reload, still offline: the steer is there, pending; then the network returns.
    const { tab: reloaded } = await openTab(await options(session, { cache: true, offline: true }));
    await waitFor(() => reloaded.handle.pending.some((message) => message.clientMsgId === clientMsgId) || undefined, 'the kept steer pending after the reload');
    reloaded.setOffline(false);
    await waitFor(() => live(reloaded) && reloaded.handle.pending.length === 0, 'the steer acknowledged', LONG);
    equal(reloaded.sent.filter((type) => type === 'steer').length, 1, 'sent once');
    equal((await storedMessages(session)).length, 0, 'gone from the durable outbox once acknowledged');
    const { records } = await callServer<{ records: SessionRecord[] }>('GET', `/test/log?session=${encodeURIComponent(session)}`);
    const steers = records.filter((record) => record.event.type === 'steer.submitted');
    equal(steers.length, 1, 'stored once');
  });
});
