import type { MarketingTeamElement } from '../src/index.js';
import { executeServerCommand } from '@web/test-runner-commands';

/** Resizes the real browser viewport. */
export function setViewport(width: number, height: number): Promise<unknown> {
  return executeServerCommand('mt-viewport', { width, height });
}

/** Presses keys on the real keyboard (puppeteer key names; `Control+Enter` holds Control). */
export function press(...keys: string[]): Promise<unknown> {
  return executeServerCommand('mt-press', { keys });
}

/** Types text on the real keyboard into the focused element. */
export function type(text: string): Promise<unknown> {
  return executeServerCommand('mt-type', { text });
}

/** Saves a screenshot (the full page, or a clip of it) under `test-output/`. */
export function screenshot(path: string, clip?: { x: number; y: number; width: number; height: number }): Promise<unknown> {
  return executeServerCommand('mt-screenshot', clip ? { path, clip } : { path });
}

/**
 * Saves screenshots of one part of the page at 1280 and 375 px wide, light and dark (every element
 * in `elements` switches theme), to `test-output/<folder>/<name>-<width>-<theme>.png`.
 */
export async function themedShots(
  elements: MarketingTeamElement[],
  target: () => Element | undefined,
  folder: string,
  name: string,
): Promise<void> {
  for (const width of [1280, 375]) {
    for (const theme of ['light', 'dark']) {
      for (const element of elements) element.setAttribute('theme', theme);
      await setViewport(width, 900);
      await frames();
      // At the top of the page, so the sticky row of kinds sits in its place above the cards.
      window.scrollTo(0, 0);
      await frames();
      const box = target()!.getBoundingClientRect();
      await screenshot(`test-output/${folder}/${name}-${width}-${theme}.png`, {
        x: Math.max(0, box.left + window.scrollX - 8),
        y: Math.max(0, box.top + window.scrollY - 8),
        width: Math.min(box.width + 16, width),
        height: Math.min(box.height + 16, 2400),
      });
    }
  }
  for (const element of elements) element.removeAttribute('theme');
  await setViewport(800, 600);
}

/** Waits for two animation frames, so batched updates have rendered. */
export function frames(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));
}

/** The test server's WebSocket base (`ws://127.0.0.1:N`); the widget endpoint is `<base>/mt`. */
export function serverUrl(): Promise<string> {
  return executeServerCommand('mt-server-url') as Promise<string>;
}

/** Calls the test server's test-only API. */
export function callServer<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  return executeServerCommand('mt-server', { method, path, body }) as Promise<T>;
}

/** Mints a token for a session on the test server. */
export async function mintToken(session: string, capabilities: ('read' | 'write' | 'control' | 'presence')[]): Promise<string> {
  return (await callServer<{ token: string }>('POST', '/test/token', { session, capabilities })).token;
}

/** Builds the self-contained `marketing-team.js` and returns the URL the runner serves it at. */
export function buildBundle(): Promise<string> {
  return executeServerCommand('mt-build-bundle') as Promise<string>;
}

/** The URL of a local beacon server that records every request it receives (a stand-in for a remote tracker). */
export function beaconUrl(): Promise<string> {
  return executeServerCommand('mt-beacon-url') as Promise<string>;
}

/** Paths (with query) the beacon has received since the last reset. */
export function beaconHits(): Promise<string[]> {
  return executeServerCommand('mt-beacon-hits') as Promise<string[]>;
}

/** Forgets the beacon's hits. */
export function resetBeacon(): Promise<unknown> {
  return executeServerCommand('mt-beacon-reset');
}

/** A session id no other test (or earlier run) uses, starting with `prefix`. */
export function uniqueSession(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A `<marketing-team>` on `session` of the test server, with a freshly minted token, appended to `parent`. */
export async function mountElement(
  session: string,
  { capabilities = ['read', 'write', 'control'], parent = document.body }: { capabilities?: ('read' | 'write' | 'control')[]; parent?: HTMLElement } = {},
): Promise<MarketingTeamElement> {
  const element = document.createElement('marketing-team');
  element.endpoint = `${(await serverUrl()).replace(/^ws/, 'http')}/mt`;
  element.session = session;
  element.token = await mintToken(session, capabilities);
  parent.append(element);
  return element;
}

/**
 * Opens the tab of a kind of deliverable in every package under `root` that has tabs, as a person
 * clicking it (cards of the other kinds are hidden), and waits for it to render.
 */
export async function showKind(root: ParentNode, kind: string): Promise<void> {
  const find = (node: ParentNode): HTMLElement[] => [
    ...Array.from(node.querySelectorAll<HTMLElement>(`[part~="tab"][data-kind="${kind}"]`)),
    ...Array.from(node.querySelectorAll('*')).flatMap((element) => (element.shadowRoot ? find(element.shadowRoot) : [])),
  ];
  const host = root as Partial<Element>;
  for (const tab of host.shadowRoot ? find(host.shadowRoot) : find(root)) tab.click();
  await frames();
}
