import '../src/index.js';
import type { MarketingTeamElement } from '../src/index.js';
import { deepQueryAll, ok, waitFor } from './_assert.js';
import { FixtureClient, completedRunEvents } from './_fixtures.js';
import { afterEach, describe, it } from './_mocha.js';
import { frames, screenshot, setViewport, showKind } from './_page.js';

const channels = ['x', 'linkedin', 'instagram', 'facebook', 'tiktok', 'threads'] as const;

/** A finished run whose social posts cover every channel. */
function eventsWithEveryChannel() {
  const events = completedRunEvents('r-channels');
  for (const event of events) {
    if (event.type !== 'deliverable.created' || event.deliverable.kind !== 'social-posts') continue;
    (event.deliverable.data as { posts: unknown[] }).posts = channels.map((channel) => ({
      channel,
      text: `A post for ${channel}.`,
      hashtags: [],
      characterCount: 12,
      characterLimit: 280,
    }));
  }
  return events;
}

/** Reads `rgb(…)`/`rgba(…)` (0–255) or `color(srgb …)` (0–1, what color-mix() computes to). */
function rgb(color: string): [number, number, number, number] {
  const scale = color.startsWith('color(') ? 255 : 1;
  const parts = color.replace(/^color\(srgb/, '').match(/[\d.]+/g)!.map(Number);
  const alpha = color.includes('/') || color.startsWith('rgba') ? parts[3]! : 1;
  return [parts[0]! * scale, parts[1]! * scale, parts[2]! * scale, alpha];
}

function luminance([r, g, b]: [number, number, number, number]): number {
  const linear = (value: number) => {
    const channel = value / 255;
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

/** The first opaque background behind an element, through shadow roots. */
function backgroundOf(element: Element): [number, number, number, number] {
  let node: Element | null = element;
  while (node) {
    const color = rgb(getComputedStyle(node).backgroundColor);
    if (color[3] > 0.9) return color;
    node = node.parentElement ?? ((node.getRootNode() as ShadowRoot).host ?? null);
  }
  return [255, 255, 255, 1];
}

function contrast(a: [number, number, number, number], b: [number, number, number, number]): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

describe('channel marks on social posts', () => {
  afterEach(() => {
    for (const element of Array.from(document.body.querySelectorAll('marketing-team'))) element.remove();
  });

  for (const theme of ['light', 'dark'] as const) {
    // WCAG 1.4.11: a mark that tells channels apart needs 3:1 against what it sits on.
    it(`stands out from the card in the ${theme} theme for every channel`, async () => {
      const client = new FixtureClient();
      client.push(eventsWithEveryChannel());
      const element = document.createElement('marketing-team') as MarketingTeamElement;
      element.session = 's-channels';
      element.token = 'fixture';
      element.client = client;
      element.setAttribute('theme', theme);
      document.body.append(element);
      await waitFor(() => deepQueryAll(element, '[part="post"][data-channel]').length >= channels.length, 'posts rendered');
      await frames();
      const faint: string[] = [];
      for (const post of deepQueryAll(element, '[part="post"][data-channel]')) {
        const mark = rgb(getComputedStyle(post).borderLeftColor);
        const ratio = contrast(mark, backgroundOf(post));
        if (ratio < 3) faint.push(`${post.dataset.channel} ${ratio.toFixed(2)}:1`);
      }
      ok(faint.length === 0, `channel marks below 3:1: ${faint.join(', ')}`);
      await showKind(element, 'social-posts');
      for (const width of [1280, 375]) {
        await setViewport(width, 900);
        await frames();
        const card = deepQueryAll(element, '[part="post"][data-channel]')[0]!.parentElement!;
        card.scrollIntoView({ block: 'start' });
        await frames();
        const box = card.getBoundingClientRect();
        await screenshot(`test-output/channel-marks/posts-${width}-${theme}.png`, {
          x: Math.max(0, box.left + window.scrollX - 8),
          y: Math.max(0, box.top + window.scrollY - 8),
          width: Math.min(box.width + 16, width),
          height: Math.min(box.height + 16, 2400),
        });
      }
      await setViewport(800, 600);
    });
  }
});
