// Model output in the widget stays inert: it makes the browser fetch nothing from elsewhere, and
// no tag in it can hide the required disclaimer. The host page here has no Content-Security-Policy.
import type { Deliverable } from '@marketing-team/core';
import '../src/index.js';
import type { MarketingTeamElement } from '../src/index.js';
import { deepQuery, deepQueryAll, deepEqual, equal, ok, waitFor } from './_assert.js';
import { FixtureClient, completedRunEvents } from './_fixtures.js';
import { afterEach, describe, it } from './_mocha.js';
import { beaconHits, beaconUrl, frames, resetBeacon, screenshot, setViewport, showKind } from './_page.js';

const runId = 'r1';

function mount(client: FixtureClient, mediaOrigins?: string): MarketingTeamElement {
  const element = document.createElement('marketing-team');
  if (mediaOrigins !== undefined) element.setAttribute('media-origins', mediaOrigins);
  element.session = 's-inert';
  element.token = 'fixture';
  element.client = client;
  document.body.append(element);
  return element;
}

function deliverable(id: string, kind: Deliverable['kind'], fields: Partial<Deliverable>): Deliverable {
  return { id, runId, taskId: 'research', agent: 'market-researcher', skill: 'market-research', offline: true, issues: [], disclaimers: [], title: id, markdown: '', kind, ...fields } as Deliverable;
}

function push(client: FixtureClient, deliverables: Deliverable[]): void {
  client.push(deliverables.map((item) => ({ type: 'deliverable.created' as const, runId, taskId: item.taskId, deliverable: item })));
}

/** Model Markdown and a landing page that try every way we know to make the browser fetch. */
function fetchingDeliverables(beacon: string): Deliverable[] {
  return [
    deliverable('d-fetch-md', 'research-brief', {
      title: 'Fetching Markdown',
      markdown: [
        '# Findings',
        'Ordinary [link](https://example.com/ok).',
        `![pixel](${beacon}/markdown-image?leak=secret)`,
        `![relative](pixel.png) ![protocol-relative](//127.0.0.1/x.png)`,
        `<img src="${beacon}/raw-image">`,
        `<video poster="${beacon}/video-poster"></video>`,
        `<audio src="${beacon}/audio" autoplay></audio>`,
        `<picture><source srcset="${beacon}/srcset"><img alt="p"></picture>`,
        `<input type="image" src="${beacon}/input-image">`,
        `<table background="${beacon}/table-background"><tr><td>t</td></tr></table>`,
        `<link rel="prefetch" href="${beacon}/prefetch">`,
        `<svg><image href="${beacon}/svg-image"/></svg>`,
        `<div style="background:url(${beacon}/inline-style)">styled</div>`,
      ].join('\n\n'),
      data: { summary: '', audienceInsights: [], marketTrends: [], opportunities: [] },
    }),
    deliverable('d-fetch-landing', 'landing-page', {
      title: 'Fetching landing page',
      taskId: 'creative',
      data: {
        headline: 'Win',
        html: [
          '<!doctype html><html><head><!-- <head> -->',
          `<link rel="stylesheet" href="${beacon}/landing-stylesheet">`,
          `<style>@import url(${beacon}/landing-import); body { background: url(${beacon}/landing-background) }</style>`,
          `<meta http-equiv="refresh" content="0;url=${beacon}/landing-refresh?leak=secret">`,
          '</head><body><h1>Win</h1>',
          `<img src="${beacon}/landing-image?leak=secret">`,
          `<div style="background-image:url(${beacon}/landing-inline)">x</div>`,
          `<iframe srcdoc="&lt;img src=${beacon}/landing-srcdoc&gt;"></iframe>`,
          `<object data="${beacon}/landing-object"></object><embed src="${beacon}/landing-embed">`,
          `<video poster="${beacon}/landing-poster"></video>`,
          '</body></html>',
        ].join('\n'),
      },
    }),
  ];
}

/** Waits until every landing page frame has loaded, then for a zero-second refresh to have had its chance. */
async function settle(element: MarketingTeamElement): Promise<void> {
  const frame = await waitFor(() => deepQuery<HTMLIFrameElement>(element, 'iframe[part="landing-page"]'), 'the landing page frame');
  await new Promise<void>((resolve) => {
    frame.addEventListener('load', () => resolve(), { once: true });
    setTimeout(resolve, 3000);
    // the preview loads lazily: in view, so it surely loads
    frame.scrollIntoView();
  });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await frames();
}

afterEach(() => {
  for (const element of Array.from(document.body.querySelectorAll('marketing-team'))) element.remove();
});

describe('model output makes the browser fetch nothing', () => {
  it('loads no remote image, media, stylesheet or frame from model Markdown or the landing page', async () => {
    const beacon = await beaconUrl();
    await resetBeacon();
    const client = new FixtureClient();
    client.push(completedRunEvents(runId).slice(0, 2));
    push(client, fetchingDeliverables(beacon));
    const element = mount(client);
    await waitFor(() => deepQuery(element, '[part="content"] a[href="https://example.com/ok"]'), 'sanitized Markdown');
    await settle(element);
    deepEqual(await beaconHits(), [], 'no request reached the beacon');
    const content = deepQuery(element, '[data-deliverable="d-fetch-md"] [part="content"]') ?? deepQuery(element, 'mt-deliverable-card[data-id="d-fetch-md"] >>> [part="content"]');
    ok(content, 'the Markdown rendered');
    equal(deepQueryAll(content, 'img, video, audio, picture, source, input, svg, link').length, 0, 'no element that loads');
    // A blocked image stays reachable as a link, so the reader can open it on purpose.
    ok(deepQueryAll<HTMLAnchorElement>(content, 'a').some((link) => link.href === `${beacon}/markdown-image?leak=secret` && link.textContent === 'pixel'), 'the image became a link');
    ok(content.textContent?.includes('<video poster='), 'raw HTML shows as text');
  });

  it('loads images from origins the host allows, and nothing else', async () => {
    const beacon = await beaconUrl();
    await resetBeacon();
    const client = new FixtureClient();
    client.push(completedRunEvents(runId).slice(0, 2));
    push(client, [
      deliverable('d-allowed', 'research-brief', {
        markdown: `![chart](${beacon}/allowed-chart.png)\n\n![other](http://localhost:1/other.png)`,
        data: { summary: '', audienceInsights: [], marketTrends: [], opportunities: [] },
      }),
    ]);
    const element = mount(client, `${beacon} https://cdn.example`);
    const image = await waitFor(() => deepQuery<HTMLImageElement>(element, '[part="content"] img'), 'the allowed image');
    equal(image.getAttribute('src'), `${beacon}/allowed-chart.png`);
    equal(image.getAttribute('alt'), 'chart');
    equal(deepQueryAll(element, '[part="content"] img').length, 1, 'the image of another origin is not loaded');
    await waitFor(async () => (await beaconHits()).includes('/allowed-chart.png'), 'the allowed image to load');
  });
});

describe('the required disclaimer survives hostile tags', () => {
  const hostileTags = ['<!--', '<style>', '<title>', '<noscript>', '<template>', '<iframe>', '<xmp>', '<plaintext>', '<textarea>', '<script>'];

  it('renders every tag as text, keeps the text after it and shows the disclaimer in its own element', async () => {
    const client = new FixtureClient();
    client.push(completedRunEvents(runId).slice(0, 2));
    const long = 'More findings follow. '.repeat(2000);
    push(
      client,
      hostileTags.map((tag, index) =>
        deliverable(`d-tag-${index}`, 'research-brief', {
          title: `Report ${index}`,
          markdown: `# Report ${index}\n\nBefore the tag.\n\n${tag}\n\nAfter the tag. ${long}`,
          disclaimers: ['Terms apply.'],
          data: { summary: '', audienceInsights: [], marketTrends: [], opportunities: [] },
        }),
      ),
    );
    const element = mount(client);
    await waitFor(() => deepQueryAll(element, 'mt-deliverable-card').length === hostileTags.length, 'every card');
    for (const [index, tag] of hostileTags.entries()) {
      const card = deepQuery(element, `mt-deliverable-card[data-id="d-tag-${index}"]`);
      ok(card, `card ${index}`);
      const content = await waitFor(() => deepQuery(card, '[part="content"]:not(.plain)'), `the sanitized Markdown of ${tag}`);
      const text = content.textContent ?? '';
      ok(text.includes(tag), `${tag} shows as text`);
      ok(text.includes('After the tag.') && text.length > long.length, `the text after ${tag} is kept (${text.length} characters)`);
      const disclaimer = deepQuery(card, '[part="disclaimers"]');
      ok(disclaimer, `a disclaimer element beside ${tag}`);
      equal(disclaimer.textContent?.trim(), 'Terms apply.');
      ok(!content.contains(disclaimer), 'the disclaimer is not inside the model text');
    }
  });
});

describe('ordinary Markdown still reads well', () => {
  it('renders headings, lists, bold, links, tables and code (screenshot at 1280 px)', async () => {
    await setViewport(1280, 900);
    const client = new FixtureClient();
    client.push(completedRunEvents(runId));
    push(client, [
      deliverable('d-ordinary', 'campaign-strategy', {
        title: 'Spring campaign strategy',
        markdown: [
          '# Spring campaign strategy',
          '## Positioning',
          'The **lightest** trail shoe for _weekend_ hikers. Read [the brief](https://example.com/brief).',
          '## Key messages',
          '1. Lighter on every climb\n2. Grips wet rock\n3. Recycled sole',
          '### Channels',
          '- Instagram: reels\n- LinkedIn: retailer stories\n  - nested point',
          '> Hikers want less weight, not fewer features.',
          '| Phase | Timing |\n| --- | --- |\n| Tease | Week 1 |\n| Launch | Week 2 |',
          'Inline `code` and a block:\n\n```\nutm_source=spring\n```',
        ].join('\n\n'),
        disclaimers: ['30-day free trial; no card needed.'],
        data: { positioning: '', keyMessages: [], channels: [], phases: [] },
      }),
    ]);
    const element = mount(client);
    const card = await waitFor(() => deepQuery(element, 'mt-deliverable-card[data-id="d-ordinary"]'), 'the card');
    const content = await waitFor(() => deepQuery(card, '[part="content"]:not(.plain)'), 'rendered Markdown');
    for (const selector of ['h5', 'h6', 'ol li', 'ul li ul li', 'strong', 'em', 'a[href="https://example.com/brief"]', 'blockquote', 'table td', 'code', 'pre']) {
      ok(content.querySelector(selector), `renders ${selector}`);
    }
    await showKind(element, 'campaign-strategy');
    const box = card.getBoundingClientRect();
    await screenshot('test-output/inert-output/ordinary-markdown-card.png', { x: box.x, y: box.y + window.scrollY, width: box.width, height: box.height });
    const gallery = deepQuery(element, 'mt-deliverables');
    ok(gallery);
    const all = gallery.getBoundingClientRect();
    await screenshot('test-output/inert-output/deliverables-gallery.png', { x: all.x, y: all.y + window.scrollY, width: all.width, height: all.height });
    // The preview is lazy: bring it into view, so it loads and paints under its own policy.
    await showKind(element, 'landing-page');
    const frame = await waitFor(() => deepQuery<HTMLIFrameElement>(element, 'iframe[part="landing-page"]'), 'the landing page frame');
    const loaded = new Promise<void>((resolve) => {
      frame.addEventListener('load', () => resolve(), { once: true });
      // it may have loaded already, and its document is not ours to ask
      setTimeout(resolve, 2000);
    });
    frame.scrollIntoView();
    await loaded;
    await frames();
    const preview = frame.getBoundingClientRect();
    await screenshot('test-output/inert-output/landing-page-preview.png', { x: preview.x, y: preview.y + window.scrollY, width: preview.width, height: preview.height });
  });
});
