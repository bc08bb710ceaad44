// Test-runner plugin: starts the real marketing-team test server (test/test-server.ts) beside
// the browser, and gives browser-side tests commands (executeServerCommand) that drive the real
// page from Node (viewport, keyboard, screenshots) and call the test server's API.
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { writeBundle } from '../scripts/bundle.mjs';

/** @param {{ repositoryRoot: string }} options */
export function widgetTestPlugin({ repositoryRoot }) {
  /** @type {import('node:child_process').ChildProcess | undefined} */
  let child;
  /** @type {Promise<number> | undefined} */
  let port;

  function startServer() {
    child = spawn(
      process.execPath,
      // --expose-gc: the tabs test reads the server's memory after a collection.
      ['--conditions=@marketing-team/source', '--expose-gc', '--import', 'tsx', 'packages/widget/test/test-server.ts'],
      { cwd: repositoryRoot, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const started = child;
    port = new Promise((resolve, reject) => {
      const lines = createInterface({ input: started.stdout });
      lines.once('line', (line) => resolve(JSON.parse(line).port));
      started.once('exit', (code) => reject(new Error(`test server exited with ${code}`)));
    });
    return port;
  }

  // A local stand-in for a tracking pixel: a page that fetches from it made a remote request.
  /** @type {import('node:http').Server | undefined} */
  let beaconServer;
  /** @type {Promise<string> | undefined} */
  let beaconUrl;
  /** @type {string[]} */
  const beaconHits = [];
  function startBeacon() {
    beaconUrl ??= new Promise((resolve) => {
      beaconServer = createServer((request, response) => {
        beaconHits.push(request.url ?? '');
        response.writeHead(200, { 'content-type': 'text/plain', 'access-control-allow-origin': '*' }).end('beacon');
      });
      beaconServer.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${beaconServer.address().port}`));
    });
    return beaconUrl;
  }

  async function callServer({ method = 'GET', path, body }) {
    const base = `http://127.0.0.1:${await (port ?? startServer())}`;
    const response = await fetch(`${base}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await response.json();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  }

  return {
    name: 'marketing-team-widget-test',
    async serverStart() {
      await startServer();
    },
    async serverStop() {
      beaconServer?.close();
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
    /** @param {{ command: string, payload: any, session: any }} context */
    async executeCommand({ command, payload, session }) {
      if (!command.startsWith('mt-')) return undefined;
      if (command === 'mt-server-url') return `ws://127.0.0.1:${await port}`;
      if (command === 'mt-server') return callServer(payload);
      if (command === 'mt-beacon-url') return startBeacon();
      if (command === 'mt-beacon-hits') return [...beaconHits];
      if (command === 'mt-beacon-reset') {
        beaconHits.length = 0;
        return true;
      }
      if (command === 'mt-build-bundle') {
        // The self-contained file exactly as the package build writes it, served by the runner.
        await writeBundle(join(repositoryRoot, 'test-output', 'bundle', 'marketing-team.js'));
        return '/test-output/bundle/marketing-team.js';
      }
      const page = session.browser.getPage(session.id);
      switch (command) {
        case 'mt-viewport':
          await page.setViewport({ width: payload.width, height: payload.height });
          return true;
        case 'mt-press':
          // "Control+Enter" holds the modifiers while pressing the last key.
          for (const combo of payload.keys) {
            const keys = combo.split('+');
            const main = keys.pop();
            for (const modifier of keys) await page.keyboard.down(modifier);
            await page.keyboard.press(main);
            for (const modifier of keys.reverse()) await page.keyboard.up(modifier);
          }
          return true;
        case 'mt-type':
          await page.keyboard.type(payload.text);
          return true;
        case 'mt-screenshot': {
          const path = join(repositoryRoot, payload.path);
          if (!path.startsWith(join(repositoryRoot, 'test-output'))) throw new Error('screenshots go under test-output/');
          await mkdir(dirname(path), { recursive: true });
          await page.screenshot(payload.clip ? { path, clip: payload.clip, captureBeyondViewport: true } : { path, fullPage: true });
          return path;
        }
        default:
          return undefined;
      }
    },
  };
}
