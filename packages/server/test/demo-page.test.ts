// The demo page in real Chromium, as a person uses it. It serves the built widget and studio, so
// it runs when MT_PACKAGES_BUILT=1 (`npm test` builds the packages first and sets it); a bare
// `vitest run` on an unbuilt checkout has no widget file to serve.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './_harness.js';

const root = join(import.meta.dirname, '../../..');
const data = tempDir();
let demo: ChildProcess | undefined;
let browser: Browser | undefined;
let url = '';

describe.skipIf(process.env.MT_PACKAGES_BUILT !== '1')('the demo page', () => {
  beforeAll(async () => {
    demo = spawn(
      process.execPath,
      ['--conditions=@marketing-team/source', '--import', 'tsx', 'packages/server/src/cli.ts', 'dev', '--port', '0', '--data', data.path, '--scripted', '--widget', 'packages/widget/dist/marketing-team.js'],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      demo!.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /(http:\/\/localhost:\d+)/.exec(out);
        if (match && /listening on/.test(out)) resolve(match[1]!);
      });
      demo!.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
    });
    browser = await chromium.launch({
      executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--headless', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (demo && demo.exitCode === null) {
      const exited = new Promise((resolve) => demo!.once('exit', resolve));
      demo.kill('SIGTERM');
      await exited;
    }
    data.cleanup();
  });

  // Found driving the demo: the opening view waits for the workspace, and used to replace the
  // view a person had already picked while it waited.
  it('keeps the view a person picked before the page knew which one to open on', async () => {
    const page = await browser!.newPage();
    let releaseWorkspace: () => void = () => undefined;
    const workspaceHeld = new Promise<void>((resolve) => (releaseWorkspace = resolve));
    let workspaceAsked!: () => void;
    const asked = new Promise<void>((resolve) => (workspaceAsked = resolve));
    await page.route('**/workspaces/**', async (route) => {
      workspaceAsked();
      await workspaceHeld;
      await route.continue();
    });
    await page.goto(`${url}/#demo-view`);
    await asked;
    await page.getByRole('button', { name: 'Run a brief' }).click();
    const answered = page.waitForResponse('**/workspaces/**');
    releaseWorkspace();
    await answered;
    // The page's own opening choice runs once the answer is read; give it its turn, then look.
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 500)));
    expect(await page.evaluate(() => ({ team: document.querySelector('marketing-team')!.hidden, studio: document.querySelector('marketing-team-studio')!.hidden }))).toEqual({
      team: false,
      studio: true,
    });
    await page.close();
  });

  // Found driving the demo: while the workspace had no brand of its own, the page opened on the
  // studio even for a session that already had a run, so a session's link opened on a phone (or
  // a page reloaded) mid-run hid the very run it was opened to follow.
  it('opens a session that already has a run on that run, not on the studio', async () => {
    const session = `demo-follow-${Date.now().toString(36)}`;
    const first = await (await browser!.newContext()).newPage();
    await first.goto(`${url}/#${session}`);
    await first.getByRole('button', { name: 'Run a brief' }).click();
    await first.getByLabel('Campaign goal').fill('Launch the spring line to cafes');
    await first.getByRole('button', { name: /start the team/i }).click();
    await first.getByText(/tasks done/).locator('visible=true').first().waitFor();

    const second = await (await browser!.newContext({ viewport: { width: 375, height: 800 } })).newPage();
    const workspaceAnswered = second.waitForResponse('**/workspaces/**');
    await second.goto(`${url}/#${session}`);
    await workspaceAnswered;
    await second.getByText('Launch the spring line to cafes').locator('visible=true').first().waitFor({ timeout: 15_000 });
    // Whichever of the workspace and the session answered first, the page settles on the run.
    await second.evaluate(() => new Promise((resolve) => setTimeout(resolve, 500)));
    expect(await second.evaluate(() => ({ team: document.querySelector('marketing-team')!.hidden, studio: document.querySelector('marketing-team-studio')!.hidden }))).toEqual({
      team: false,
      studio: true,
    });
    await first.context().close();
    await second.context().close();
  });

  // Two devices of two editors: each page follows the workspace's studio session, so a save made
  // in one shows in the other (which has nothing unsaved) without a reload.
  it('shows a save made in one page in another page of the studio', async () => {
    const open = async () => {
      const context = await browser!.newContext();
      const page = await context.newPage();
      await page.goto(url);
      await page.getByRole('button', { name: 'Team studio' }).click();
      await page.locator('marketing-team-studio [part="panel"]').waitFor();
      return page;
    };
    const first = await open();
    const second = await open();
    const name = `Brand ${Date.now().toString(36)}`;
    const field = first.locator('marketing-team-studio #f-brand-name');
    await first.locator('marketing-team-studio [part="step-link"][data-step="brand"]').click();
    await field.fill(name);
    await first.locator('marketing-team-studio [part="save"]').click();
    await first.locator('marketing-team-studio [part="status"]', { hasText: /Version \d+/ }).waitFor();
    await second.locator('marketing-team-studio [part="step-link"][data-step="brand"]').click();
    await expect.poll(() => second.locator('marketing-team-studio #f-brand-name').inputValue(), { timeout: 15_000 }).toBe(name);
    await first.context().close();
    await second.context().close();
  });
});
