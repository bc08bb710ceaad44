import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SessionClient } from '@marketing-team/core';
import { MemoryStore } from '../src/stores/memory-store.js';
import { RawClient, startServer, until, type RunningServer } from './_harness.js';

const METRICS_TOKEN = 'scrape-me-please-0123456789';

/** One sample line of the text format: name, labels, value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Parses the Prometheus text format strictly: every line is a comment (`# HELP`/`# TYPE`) or a
 * sample; anything else fails the test. Each family's samples follow its `# TYPE`.
 */
function parsePrometheus(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.slice(0, -1).split('\n')) {
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+$/.test(line)) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\})? (-?[0-9.e+]+|\+Inf|NaN)$/.exec(line);
    expect(sample, `not a valid line: ${line}`).not.toBeNull();
    const labels: Record<string, string> = {};
    for (const [, key, value] of sample![2]?.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g) ?? []) labels[key!] = value!;
    const name = sample![1]!;
    const family = name.replace(/_(bucket|sum|count)$/, '');
    expect(types.has(name) || types.get(family) === 'histogram', `${name} has no # TYPE before it`).toBe(true);
    samples.push({ name, labels, value: sample![3] === '+Inf' ? Number.POSITIVE_INFINITY : Number(sample![3]) });
  }
  return { types, samples };
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, label]) => sample.labels[key] === label))?.value;
}

async function scrape(running: RunningServer, token = METRICS_TOKEN): Promise<Response> {
  return fetch(`${running.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
}

describe('GET /metrics', () => {
  let running: RunningServer | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('is not there unless the server is given a metrics token', async () => {
    running = await startServer(new MemoryStore());
    expect((await scrape(running)).status).toBe(404);
  });

  it('refuses a scraper without the token, naming the header', async () => {
    running = await startServer(new MemoryStore(), { metrics: { token: METRICS_TOKEN } });
    const refused = await scrape(running, 'not-the-token-at-all-000000');
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ code: 'unauthorized', field: 'authorization' });
    expect((await fetch(`${running.url}/metrics`)).status).toBe(401);
  });

  it('refuses a token too short to guess safely, naming the option', async () => {
    await expect(startServer(new MemoryStore(), { metrics: { token: 'short' } })).rejects.toThrow(/options\.metrics\.token/);
  });

  it('counts sockets, sessions, appends, deliveries and the devices telemetry, in the text format', async () => {
    running = await startServer(new MemoryStore(), { metrics: { token: METRICS_TOKEN } });
    const phone = await RawClient.connect(running.wsUrl);
    const desktop = await RawClient.connect(running.wsUrl);
    for (const client of [phone, desktop]) {
      client.send({ type: 'subscribe', session: 'metrics-s', token: await running.token('metrics-s'), from: 0 });
      await client.next((frame) => frame.type === 'subscribed');
    }
    phone.send({ type: 'publish', session: 'metrics-s', clientMsgId: 'card-1', event: { type: 'card.created', cardId: 'c1', title: 'Plan launch' } });
    // Delivered before acknowledged: the writer's own socket gets the events, then the ack.
    await phone.next((frame) => frame.type === 'events');
    await phone.next((frame) => frame.type === 'ack');
    await desktop.next((frame) => frame.type === 'events');

    phone.send({ type: 'telemetry', device: 'phone', timeToFirstTokenMs: [420, 1800], resumeMs: [3000], reconnects: 2, digestMismatches: 1 });
    // A second report within the interval is dropped and counted, not applied.
    phone.send({ type: 'telemetry', device: 'phone', timeToFirstTokenMs: [9], reconnects: 50 });
    desktop.send({ type: 'telemetry', device: "Ada's laptop", longestGapMs: [120], cancelToQuietMs: [60] });
    // An invalid report is refused like any bad frame, naming the field.
    const refusal = desktop.next((frame) => frame.type === 'error');
    desktop.send({ type: 'telemetry', device: 'desktop', resumeMs: [-1] });
    expect(await refusal).toMatchObject({ code: 'bad_frame', field: 'resumeMs.0' });

    let parsed!: ReturnType<typeof parsePrometheus>;
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const response = await scrape(running);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      parsed = parsePrometheus(await response.text());
      if (value(parsed.samples, 'marketing_team_telemetry_reports_total', { device: 'other' }) === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const { types, samples } = parsed;
    expect(types.get('marketing_team_device_time_to_first_token_seconds')).toBe('histogram');
    expect(value(samples, 'marketing_team_sockets_open')).toBe(2);
    expect(value(samples, 'marketing_team_subscriptions_open')).toBe(2);
    expect(value(samples, 'marketing_team_sessions_open')).toBe(1);
    expect(value(samples, 'marketing_team_appends_total')).toBe(1);
    expect(value(samples, 'marketing_team_deliveries_total')).toBe(2);
    expect(value(samples, 'marketing_team_telemetry_reports_total', { device: 'phone' })).toBe(1);
    expect(value(samples, 'marketing_team_telemetry_reports_dropped_total')).toBe(1);
    expect(value(samples, 'marketing_team_device_reconnects_total', { device: 'phone' })).toBe(2);
    expect(value(samples, 'marketing_team_device_digest_mismatches_total', { device: 'phone' })).toBe(1);
    // 0.42 s and 1.8 s: one in the 0.5 bucket, both in the 2.5 one; the sum in seconds.
    const firstToken = 'marketing_team_device_time_to_first_token_seconds';
    expect(value(samples, `${firstToken}_bucket`, { device: 'phone', le: '0.25' })).toBe(0);
    expect(value(samples, `${firstToken}_bucket`, { device: 'phone', le: '0.5' })).toBe(1);
    expect(value(samples, `${firstToken}_bucket`, { device: 'phone', le: '2.5' })).toBe(2);
    expect(value(samples, `${firstToken}_bucket`, { device: 'phone', le: '+Inf' })).toBe(2);
    expect(value(samples, `${firstToken}_count`, { device: 'phone' })).toBe(2);
    expect(value(samples, `${firstToken}_sum`, { device: 'phone' })).toBeCloseTo(2.22);
    expect(value(samples, 'marketing_team_device_resume_seconds_count', { device: 'phone' })).toBe(1);
    // A host's own device name is grouped as `other`, never a label value of its own.
    expect(value(samples, 'marketing_team_device_longest_gap_seconds_count', { device: 'other' })).toBe(1);
    expect(value(samples, 'marketing_team_device_cancel_to_quiet_seconds_sum', { device: 'other' })).toBeCloseTo(0.06);
    expect(samples.some((sample) => sample.labels.device === "Ada's laptop")).toBe(false);

    phone.close();
    desktop.close();
    await phone.closed;
    await desktop.closed;
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const after = parsePrometheus(await (await scrape(running)).text()).samples;
      if (value(after, 'marketing_team_sockets_open') === 0 && value(after, 'marketing_team_sessions_open') === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('sockets and sessions were still counted as open after both clients closed');
  });

  it('receives what a real client measured: its time to first token reaches the histogram of its device kind', async () => {
    const store = new MemoryStore();
    running = await startServer(store, { metrics: { token: METRICS_TOKEN } });
    const client = new SessionClient({ url: running.wsUrl, WebSocket, deviceName: 'tablet' });
    try {
      const handle = client.session('metrics-real', { token: await running.token('metrics-real') });
      const { runId } = await handle.submitBrief({ goal: 'Launch the spring collection' });
      const task = { runId, taskId: 't1', agent: 'content-creator' };
      await store.append('metrics-real', [
        { type: 'run.started', runId, tasks: [{ id: 't1', title: 'Posts', skill: 'social-posts', agent: 'content-creator', dependsOn: [], review: false }], model: { provider: 'offline', name: 'offline', offline: true } },
        { type: 'message.started', ...task, messageId: 'm1', offline: true },
        { type: 'text.delta', ...task, messageId: 'm1', text: 'Spring is here' },
      ]);
      await until(() => client.telemetry.timeToFirstTokenMs !== undefined, 10_000, 'the first token');
      const expected = client.telemetry.timeToFirstTokenMs! / 1000;
      let samples: Sample[] = [];
      await until(async () => {
        samples = parsePrometheus(await (await scrape(running!)).text()).samples;
        return value(samples, 'marketing_team_device_time_to_first_token_seconds_count', { device: 'tablet' }) === 1;
      }, 10_000, 'the report');
      expect(value(samples, 'marketing_team_device_time_to_first_token_seconds_sum', { device: 'tablet' })).toBeCloseTo(expected, 3);
    } finally {
      client.close();
    }
  });
});
