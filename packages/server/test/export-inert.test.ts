// Opens exported files the way a person would, in real Chromium from the disk, and proves that
// model output stays inert there: no script runs, nothing is fetched, the page does not navigate.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { applyRecords, createSessionState, parseDeliverable, SessionEventSchema, type SessionEventInput, type SessionState } from '@marketing-team/core';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRun } from '../src/runtime/export-run.js';
import { hostileBanner, hostileLandingPage, namespacedScriptBanner } from './_hostile-markup.js';

const runId = 'hostile-run';
const answer = (markdown: string, data: unknown) => `${markdown}\n\n\`\`\`json\n${JSON.stringify(data)}\n\`\`\`\n`;

/** A run whose landing page and banner are the hostile payloads, parsed as the runtime parses model answers. */
function hostileState(beacon: string): SessionState {
  const common = { runId, agent: 'creative-designer', brand: { requiredDisclaimers: ['Terms apply.'] } };
  const landing = parseDeliverable({ ...common, kind: 'landing-page', id: 'd-landing', taskId: 'landing', skill: 'landing-page', text: answer('# Landing page', { headline: 'Spring', html: hostileLandingPage(beacon) }) });
  const creative = parseDeliverable({
    ...common,
    kind: 'creative-concepts',
    id: 'd-creative',
    taskId: 'creative',
    skill: 'creative-concepts',
    text: answer('# Creative', { concepts: [{ name: 'Sky', description: 'Blue', palette: ['#0a66c2'] }], bannerSvg: hostileBanner(beacon) }),
  });
  const namespaced = parseDeliverable({
    ...common,
    kind: 'creative-concepts',
    id: 'd-creative-2',
    taskId: 'creative-2',
    skill: 'creative-concepts',
    text: answer('# Creative 2', { concepts: [], bannerSvg: namespacedScriptBanner() }),
  });
  const tasks = [
    { id: 'landing', title: 'Landing page', skill: 'landing-page', agent: 'creative-designer', dependsOn: [] },
    { id: 'creative', title: 'Creative', skill: 'creative-concepts', agent: 'creative-designer', dependsOn: [] },
    { id: 'creative-2', title: 'Creative 2', skill: 'creative-concepts', agent: 'creative-designer', dependsOn: [] },
  ];
  const events: SessionEventInput[] = [
    { type: 'brief.submitted', runId, brief: { goal: 'Launch the spring trail shoe' }, by: { kind: 'human', id: 'u1', name: 'Ada' } },
    { type: 'run.started', runId, tasks, model: { provider: 'offline', name: 'offline-1', offline: true } },
    { type: 'deliverable.created', runId, taskId: 'landing', deliverable: landing },
    { type: 'deliverable.created', runId, taskId: 'creative', deliverable: creative },
    { type: 'deliverable.created', runId, taskId: 'creative-2', deliverable: namespaced },
  ];
  return applyRecords(
    createSessionState(),
    events.map((event, index) => ({ offset: index + 1, at: Date.now(), event: SessionEventSchema.parse(event) })),
  );
}

/** What happened while a file was open. */
interface Visit {
  beaconHits: string[];
  requests: string[];
  navigations: string[];
  pwnedLogs: string[];
  pwned: unknown;
}

describe('exported files opened in Chromium', () => {
  let browser: Browser;
  let beaconServer: Server;
  let beacon: string;
  let hits: string[];
  let directory: string;
  let target: string;
  let exported: Awaited<ReturnType<typeof exportRun>>;

  beforeAll(async () => {
    hits = [];
    beaconServer = createServer((request, response) => {
      hits.push(request.url ?? '');
      response.writeHead(200, { 'content-type': 'text/plain' }).end('beacon');
    });
    await new Promise<void>((resolve) => beaconServer.listen(0, '127.0.0.1', resolve));
    beacon = `http://127.0.0.1:${(beaconServer.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--headless', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    directory = await mkdtemp(join(tmpdir(), 'mt-export-inert-'));
    target = join(directory, 'export');
    exported = await exportRun(hostileState(beacon), { runId, directory: target });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => beaconServer?.close(resolve));
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  async function visit(path: string): Promise<Visit> {
    hits.length = 0;
    const page = await browser.newPage();
    const visit: Visit = { beaconHits: hits, requests: [], navigations: [], pwnedLogs: [], pwned: undefined };
    page.on('request', (request) => visit.requests.push(request.url()));
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) visit.navigations.push(frame.url());
    });
    page.on('console', (message) => {
      if (message.text().includes('pwned')) visit.pwnedLogs.push(message.text());
    });
    page.on('dialog', (dialog) => void dialog.dismiss());
    await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
    // A zero-second meta refresh fires right after load; give it the chance to.
    await page.waitForTimeout(1500);
    visit.pwned = await page.evaluate(() => (window as { __pwned?: unknown }).__pwned).catch((error: Error) => `evaluate failed: ${error.message}`);
    visit.beaconHits = [...hits];
    await page.close();
    return visit;
  }

  it('notices script, fetches and navigation in the raw payloads (the detector works)', async () => {
    const raw = join(directory, 'raw.html');
    await writeFile(raw, hostileLandingPage(beacon));
    const seen = await visit(raw);
    expect(seen.beaconHits.length).toBeGreaterThan(0);
    expect(seen.pwnedLogs.length).toBeGreaterThan(0);
    expect(seen.navigations.length).toBeGreaterThan(1);
  });

  it('opens landing-page.html without running script, fetching or navigating', async () => {
    expect(exported.files).toEqual(expect.arrayContaining(['landing-page.html', 'banner.svg', 'banner.png']));
    const path = join(target, 'landing-page.html');
    const seen = await visit(path);
    expect(seen.pwned).toBeUndefined();
    expect(seen.pwnedLogs).toEqual([]);
    expect(seen.beaconHits).toEqual([]);
    expect(seen.requests.filter((url) => !url.startsWith('file:') && !url.startsWith('data:'))).toEqual([]);
    expect(seen.navigations).toEqual([pathToFileURL(path).href]);
    const html = await readFile(path, 'utf8');
    expect(html).toContain('Spring trail shoe');
    expect(html).toContain('Terms apply.');
  });

  it.each(['banner.svg', 'banner-creative-concepts-2.svg'])('opens %s without running script or fetching, and writes a PNG of it', async (name) => {
    const path = join(target, name);
    const seen = await visit(path);
    expect(seen.pwned).toBeUndefined();
    expect(seen.pwnedLogs).toEqual([]);
    expect(seen.beaconHits).toEqual([]);
    expect(seen.requests.filter((url) => !url.startsWith('file:') && !url.startsWith('data:'))).toEqual([]);
    expect(seen.navigations).toEqual([pathToFileURL(path).href]);
    const png = await readFile(join(target, name.replace(/\.svg$/, '.png')));
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    // IHDR: width and height, big-endian, after the signature and the chunk header
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1200, 628]);
  });
});
