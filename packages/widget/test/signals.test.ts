// What a device tells about itself, in real Chromium against the real test server: the `debug`
// panel shows this device's delivery figures live (time to first token, gaps, resume after a
// dropped socket, reconnects), and a review request goes to the device the person is using:
// two same-origin iframes, each a `<marketing-team>` on its own socket (a desktop and a phone of
// one person), one focused; the other shows it quietly, and says where it was answered.
import type { MarketingTeamElement } from '../src/index.js';
import '../src/index.js';
import { deepQuery, deepQueryAll, deepText, equal, ok, waitFor } from './_assert.js';
import type { Device, DeviceOptions } from './_device-page.js';
import { afterEach, describe, it } from './_mocha.js';
import { callServer, frames, mountElement, screenshot, serverUrl, setViewport, uniqueSession } from './_page.js';

const LONG = 60_000;
const iframes: HTMLIFrameElement[] = [];

afterEach(async () => {
  for (const element of Array.from(document.body.querySelectorAll('marketing-team'))) element.remove();
  for (const frame of iframes.splice(0)) frame.remove();
  await setViewport(800, 600);
});

const live = (element: MarketingTeamElement) => waitFor(() => deepQuery(element, 'mt-connection-status >>> [data-status="live"]'), 'live', LONG);

/** The value shown beside a label of the debug panel. */
function figure(element: MarketingTeamElement, label: string): string | undefined {
  const panel = deepQuery(element, 'mt-debug-panel');
  const row = panel && deepQueryAll(panel, '[part="debug-figures"] > div').find((each) => each.querySelector('dt')?.textContent === label);
  return row?.querySelector('dd')?.textContent ?? undefined;
}

/** Screenshots of one region at 1280 and 375 px wide, light and dark. */
async function shots(name: string, themed: Element[], region: () => DOMRect, prepare?: () => void): Promise<void> {
  for (const width of [1280, 375]) {
    for (const theme of ['light', 'dark']) {
      for (const element of themed) element.setAttribute('theme', theme);
      document.body.style.background = theme === 'dark' ? '#0d0f14' : '#ffffff';
      await setViewport(width, 900);
      await frames();
      // Scrolled, then painted, then measured.
      prepare?.();
      await frames();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const box = region();
      await screenshot(`test-output/signals/${name}-${width}-${theme}.png`, {
        x: Math.max(0, box.left + window.scrollX - 8),
        y: Math.max(0, box.top + window.scrollY - 8),
        width: Math.min(box.width + 16, width),
        height: Math.min(box.height + 16, 2400),
      });
    }
  }
  for (const element of themed) element.removeAttribute('theme');
  document.body.style.background = '';
}

/** A device: a same-origin iframe with its own `<marketing-team>` and SessionClient. */
async function openDevice(options: Omit<DeviceOptions, 'url'>): Promise<{ frame: HTMLIFrameElement; device: Device }> {
  const frame = document.createElement('iframe');
  const agent = new URL('/packages/widget/test/_device-page.ts', location.href).href;
  frame.style.cssText = 'display:block;width:100%;height:5000px;border:0';
  frame.title = options.deviceName;
  frame.srcdoc = `<!doctype html><html lang="en"><head><title>${options.deviceName}</title><script type="module" src="${agent}"></script></head><body style="margin:8px"></body></html>`;
  document.body.append(frame);
  iframes.push(frame);
  const window = await waitFor(() => (frame.contentWindow?.startDevice ? frame.contentWindow : undefined), 'the device page to load', 20_000);
  return { frame, device: window.startDevice({ url: `${await serverUrl()}/mt/ws`, ...options }) };
}

async function presenceToken(session: string): Promise<string> {
  return (await callServer<{ token: string }>('POST', '/test/token', { session, capabilities: ['read', 'write', 'control', 'presence'] })).token;
}

const alertOf = (device: Device) => deepQuery<HTMLElement>(device.element, '[part="review-alert"]');

describe('device signals', () => {
  it('shows this device delivery figures in the debug panel, live, only with the debug attribute', async () => {
    const session = uniqueSession('widget-debug');
    const element = await mountElement(session);
    await live(element);
    ok(!deepQuery(element, 'mt-debug-panel'), 'no panel without the attribute');
    element.setAttribute('debug', '');
    await waitFor(() => deepQuery(element, 'mt-debug-panel >>> [part="debug-figures"]'), 'the debug panel');
    equal(figure(element, 'Device'), 'desktop', 'the device kind from the user agent');
    equal(figure(element, 'Transport'), 'websocket');
    equal(figure(element, 'Time to first token'), '—', 'nothing measured before a brief');

    await element.submitBrief({ goal: 'Launch our budgeting app to students', channels: ['instagram'], deliverables: ['social-posts'] });
    const firstToken = await waitFor(() => (figure(element, 'Time to first token') !== '—' ? figure(element, 'Time to first token') : undefined), 'time to first token', LONG);
    ok(/^\d+(\.\d)? (ms|s)$/.test(firstToken), `a duration: ${firstToken}`);
    await waitFor(() => element.state?.runs[element.state.runOrder.at(-1)!]?.status === 'completed' || undefined, 'the run to complete', LONG);
    ok(figure(element, 'Longest gap') !== '—', 'the longest gap of the run');

    // A dropped socket: the client reconnects and catches up, and the panel says how long that took.
    await callServer('POST', '/test/drop', { session });
    await waitFor(() => (figure(element, 'Reconnects') === '1' ? true : undefined), 'the reconnect counted', LONG);
    await waitFor(() => (figure(element, 'Resume') !== '—' ? true : undefined), 'the resume time', LONG);
    equal(figure(element, 'Digest mismatches'), '0', 'every text matched the server');

    const panel = deepQuery(element, 'mt-debug-panel')!;
    await shots('debug-panel', [element], () => panel.getBoundingClientRect());
    element.removeAttribute('debug');
    await waitFor(() => !deepQuery(element, 'mt-debug-panel') || undefined, 'the panel gone with the attribute');
  });

  it('alerts on the focused device, says it quietly on the other, follows the focus, and shows on both where it was answered, after a reload too', async () => {
    const session = uniqueSession('widget-route');
    const desktop = await openDevice({ session, token: await presenceToken(session), deviceName: 'desktop' });
    const phone = await openDevice({ session, token: await presenceToken(session), deviceName: 'phone' });
    await Promise.all([live(desktop.device.element), live(phone.device.element)]);
    desktop.frame.contentWindow!.focus();

    await desktop.device.element.submitBrief({ goal: 'Grow sign-ups among students', channels: ['instagram'], deliverables: ['research-brief'], reviewGates: ['research-brief'] });
    const waiting = (device: Device) => Object.values(device.element.state?.runs[device.element.state.runOrder.at(-1) ?? '']?.tasks ?? {}).find((task) => task.review);
    await waitFor(() => waiting(phone.device)?.status === 'review' || undefined, 'the research waiting for review', LONG);

    // The desktop has the focus: the alert is there, the phone says it quietly and names the desktop.
    await waitFor(() => alertOf(desktop.device)?.dataset.route === 'prominent' || undefined, 'the alert on the focused desktop', LONG);
    await waitFor(() => alertOf(phone.device)?.dataset.route === 'quiet' || undefined, 'the quiet line on the phone', LONG);
    equal(alertOf(desktop.device)!.getAttribute('role'), 'alert');
    ok(deepText(alertOf(phone.device)!).includes('waiting on your desktop'), deepText(alertOf(phone.device)!));
    ok(deepQuery(phone.device.element, '[part="review"][data-quiet]'), "the phone's approval box stays, without emphasis");

    // The person picks up the phone: the alert moves with the focus.
    phone.frame.contentWindow!.focus();
    await waitFor(() => alertOf(phone.device)?.dataset.route === 'prominent' || undefined, 'the alert on the phone once focused', LONG);
    await waitFor(() => alertOf(desktop.device)?.dataset.route === 'quiet' || undefined, 'the quiet line on the desktop', LONG);

    for (const [name, device, other] of [['review-alert-prominent', phone, desktop], ['review-alert-quiet', desktop, phone]] as const) {
      // The device shot alone at the top of the page, so nothing moves it while the shot is taken.
      other.frame.style.visibility = 'hidden';
      other.frame.style.position = 'absolute';
      await shots(
        name,
        [desktop.device.element, phone.device.element],
        () => {
          const frameBox = device.frame.getBoundingClientRect();
          const box = alertOf(device.device)!.getBoundingClientRect();
          return new DOMRect(frameBox.left + box.left, frameBox.top + box.top, box.width, box.height);
        },
        () => {
          // The frame is taller than its page: the page scrolls, the frame never does.
          window.scrollTo(0, Math.max(0, alertOf(device.device)!.getBoundingClientRect().top + device.frame.getBoundingClientRect().top + window.scrollY - 20));
        },
      );
      other.frame.style.visibility = '';
      other.frame.style.position = '';
    }

    // Approved on the phone: the desktop says where, the phone shows it done.
    deepQuery<HTMLButtonElement>(phone.device.element, '[part="review-approve"]')!.click();
    const answer = await waitFor(() => deepQuery(desktop.device.element, '[part="review-answer"]'), 'the answer on the desktop', LONG);
    equal(deepText(answer).trim(), 'Approved on phone');
    ok(!deepQuery(phone.device.element, '[part="review-answer"]'), 'the phone, where it was answered, needs no note');
    await waitFor(() => (!alertOf(desktop.device) && !alertOf(phone.device)) || undefined, 'no alert left once answered', LONG);
    const answerEvent = (await callServer<{ records: Array<{ event: { type: string; answeredOn?: unknown } }> }>('GET', `/test/log?session=${encodeURIComponent(session)}`)).records.find(
      (record) => record.event.type === 'review.approved',
    );
    equal(JSON.stringify((answerEvent?.event.answeredOn as { device?: string } | undefined)?.device), '"phone"', 'the log says which device answered');

    const card = () => deepQueryAll(desktop.device.element, 'mt-deliverable-card').find((each) => each.shadowRoot?.querySelector('[part="review-answer"]'))!;
    await shots(
      'answered-on',
      [desktop.device.element],
      () => {
        const frameBox = desktop.frame.getBoundingClientRect();
        const box = card().getBoundingClientRect();
        return new DOMRect(frameBox.left + box.left, frameBox.top + box.top, box.width, Math.min(box.height, 320));
      },
      () => {
        // The card's top (its header and the answer) in view; the frame is taller than its page.
        window.scrollTo(0, Math.max(0, card().getBoundingClientRect().top + desktop.frame.getBoundingClientRect().top + window.scrollY - 20));
      },
    );

    // A reload of the desktop: the answer is in the log, so it is still said.
    desktop.frame.remove();
    const reloaded = await openDevice({ session, token: await presenceToken(session), deviceName: 'desktop' });
    const again = await waitFor(() => deepQuery(reloaded.device.element, '[part="review-answer"]'), 'the answer after a reload', LONG);
    equal(deepText(again).trim(), 'Approved on phone');
  });
});
