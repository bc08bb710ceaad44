// Mounting and driving `<marketing-team-studio>` against the test server, for the studio's tests.
import '../src/studio.js';
import type { MarketingTeamStudioElement } from '../src/studio.js';
import { ok, waitFor } from './_assert.js';
import { callServer, serverUrl } from './_page.js';

/** The test server's marketing-team endpoint. */
export async function endpoint(): Promise<string> {
  return `${(await serverUrl()).replace(/^ws/, 'http')}/mt`;
}

/** A token of the test server: `admin` for editing a workspace, or a session token in it. */
export async function token(body: { workspace: string; capabilities: string[]; session?: string; userId?: string }): Promise<string> {
  return (await callServer<{ token: string }>('POST', '/test/token', body)).token;
}

/** A studio of `workspace` in the page, once it has loaded. */
export async function mountStudio(workspace: string, options: { userId?: string; theme?: 'light' | 'dark' } = {}): Promise<MarketingTeamStudioElement> {
  const studio = document.createElement('marketing-team-studio');
  studio.endpoint = await endpoint();
  studio.workspace = workspace;
  if (options.theme) studio.theme = options.theme;
  // admin for the workspace API, read and control for the studio session its drafts stream into
  studio.getToken = (wid) => token({ workspace: wid, session: `studio.${wid}`, capabilities: ['read', 'control', 'admin'], userId: options.userId ?? 'marketer' });
  document.body.append(studio);
  await waitFor(() => studio.shadowRoot?.querySelector('[part="panel"]'), 'the studio to load', 20_000);
  return studio;
}

/** An element of the studio's shadow root, which must be there. */
export function q<E extends Element = HTMLElement>(studio: MarketingTeamStudioElement, selector: string): E {
  const found = studio.shadowRoot!.querySelector<E>(selector);
  ok(found, `no ${selector} in the studio`);
  return found;
}
