import {
  applyRecords,
  createSessionState,
  SessionEventSchema,
  type Capability,
  type Deliverable,
  type SessionEventInput,
  type SessionRecord,
  type SessionState,
} from '@marketing-team/core';
import type { ConnectionInfo, SessionAuth, WidgetClient, WidgetSessionHandle } from '../src/index.js';

const human = { kind: 'human', id: 'u1', name: 'Ada' } as const;

const plan = [
  { id: 'research', title: 'Research the market', skill: 'market-research', agent: 'market-researcher', dependsOn: [] },
  { id: 'strategy', title: 'Write the strategy', skill: 'campaign-strategy', agent: 'campaign-strategist', dependsOn: ['research'], review: true },
  { id: 'posts', title: 'Write social posts', skill: 'social-posts', agent: 'content-creator', dependsOn: ['strategy'] },
  { id: 'creative', title: 'Design creative concepts', skill: 'creative-concepts', agent: 'creative-designer', dependsOn: ['strategy'] },
  { id: 'measure', title: 'Plan measurement', skill: 'measurement-plan', agent: 'data-analyst', dependsOn: ['strategy'] },
] as const;

/** One deliverable of each visual kind, as the team would write it. */
export function sampleDeliverables(runId: string): Deliverable[] {
  const common = { runId, offline: true, issues: [], disclaimers: [] };
  return [
    {
      ...common,
      id: `${runId}-d-research`,
      taskId: 'research',
      agent: 'market-researcher',
      skill: 'market-research',
      kind: 'research-brief',
      title: 'Research brief: reusable bottles',
      markdown: '## Summary\n\nCommuters want **lighter** bottles. See [the survey](https://example.com/survey).',
      data: { summary: 'Commuters want lighter bottles.', audienceInsights: ['Commuters'], marketTrends: ['Refill stations'], opportunities: ['Offices'] },
    },
    {
      ...common,
      id: `${runId}-d-posts`,
      taskId: 'posts',
      agent: 'content-creator',
      skill: 'social-posts',
      kind: 'social-posts',
      title: 'Launch posts',
      markdown: '',
      data: {
        posts: [
          { channel: 'linkedin', text: 'Meet the bottle that keeps up with your commute.', hashtags: ['commute'], characterCount: 49, characterLimit: 3000 },
          { channel: 'x', text: 'Lighter. Colder. Yours. ' + 'x'.repeat(280), hashtags: ['launch'], characterCount: 300, characterLimit: 280 },
          { channel: 'instagram', text: 'Refill, reuse, repeat.', hashtags: ['refill', 'eco'], characterCount: 22, characterLimit: 2200 },
        ],
      },
    },
    {
      ...common,
      id: `${runId}-d-ads`,
      taskId: 'posts',
      agent: 'content-creator',
      skill: 'ad-copy',
      kind: 'ad-copy',
      title: 'Ad copy variants',
      markdown: '',
      data: {
        variants: [
          { platform: 'Google Search', headline: 'The commuter bottle', description: 'Keeps drinks cold for 24 hours.', callToAction: 'Shop now' },
          { platform: 'Meta', headline: 'Refill anywhere', description: 'Fits every cup holder.', callToAction: 'Learn more' },
        ],
      },
    },
    {
      ...common,
      id: `${runId}-d-landing`,
      taskId: 'creative',
      agent: 'creative-designer',
      skill: 'landing-page',
      kind: 'landing-page',
      title: 'Landing page',
      markdown: '',
      data: {
        headline: 'The commuter bottle',
        html: '<!doctype html><html><body style="font-family:sans-serif;padding:24px"><h1>The commuter bottle</h1><p>Cold for 24 hours.</p><a href="#buy">Buy</a></body></html>',
      },
    },
    {
      ...common,
      id: `${runId}-d-creative`,
      taskId: 'creative',
      agent: 'creative-designer',
      skill: 'creative-concepts',
      kind: 'creative-concepts',
      title: 'Creative concepts',
      markdown: '',
      data: {
        concepts: [{ name: 'Morning rush', description: 'Bottle in a bike basket at dawn.', palette: ['#0a66c2', '#f2c46d', 'url(javascript:alert(1))'] }],
        bannerSvg:
          '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="120" viewBox="0 0 600 120"><rect width="600" height="120" fill="#0a66c2"/><text x="24" y="70" font-size="32" fill="#fff">The commuter bottle</text></svg>',
      },
    },
    {
      ...common,
      id: `${runId}-d-measure`,
      taskId: 'measure',
      agent: 'data-analyst',
      skill: 'measurement-plan',
      kind: 'measurement-plan',
      title: 'Measurement plan',
      markdown: '',
      data: {
        kpis: [
          { name: 'Click-through rate', metric: 'clicks / impressions', target: '2%', channel: 'linkedin', cadence: 'weekly' },
          { name: 'Sign-ups', metric: 'new accounts', target: '500', cadence: 'daily' },
        ],
        tools: ['GA4', 'LinkedIn Campaign Manager'],
      },
    },
  ] as Deliverable[];
}

/** The events of a whole run: brief, plan, streamed messages, deliverables, completion. */
export function completedRunEvents(runId = 'r1'): SessionEventInput[] {
  const events: SessionEventInput[] = [
    { type: 'brief.submitted', runId, brief: { goal: 'Launch our reusable bottle to commuters', audience: 'Urban commuters' }, by: human },
    { type: 'run.started', runId, tasks: plan.map((task) => ({ ...task, dependsOn: [...task.dependsOn] })), model: { provider: 'offline', name: 'offline-1', offline: true } },
  ];
  const deliverables = sampleDeliverables(runId);
  for (const task of plan) {
    const messageId = `${runId}-m-${task.id}`;
    events.push(
      { type: 'task.started', runId, taskId: task.id, agent: task.agent },
      { type: 'message.started', runId, taskId: task.id, agent: task.agent, messageId, offline: true },
      { type: 'text.delta', runId, taskId: task.id, agent: task.agent, messageId, text: `${task.title}: ` },
      { type: 'text.delta', runId, taskId: task.id, agent: task.agent, messageId, text: 'done with care.' },
      { type: 'message.completed', runId, taskId: task.id, agent: task.agent, messageId, text: `${task.title}: done with care.` },
    );
    for (const deliverable of deliverables.filter((item) => item.taskId === task.id)) {
      events.push({ type: 'deliverable.created', runId, taskId: task.id, deliverable });
    }
    events.push({ type: 'task.completed', runId, taskId: task.id, agent: task.agent });
  }
  events.push({ type: 'run.completed', runId, deliverableIds: deliverables.map((item) => item.id) });
  return events;
}

/** Turns events into stored records (validated, offsets from `after + 1`). */
export function toRecords(events: SessionEventInput[], after = 0): SessionRecord[] {
  return events.map((event, index) => ({ offset: after + index + 1, at: Date.now() - 60_000 + (after + index) * 100, event: SessionEventSchema.parse(event) }));
}

/** The reduced state of some events. */
export function stateOf(events: SessionEventInput[]): SessionState {
  return applyRecords(createSessionState(), toRecords(events));
}

/** A call the fixture client received. */
export interface RecordedCall {
  method: string;
  args: unknown[];
}

/**
 * An in-page client over fixture records, for element tests that need no server: it reduces
 * records with core's real reducer and records the calls the element makes.
 */
export class FixtureClient implements WidgetClient {
  state: SessionState = createSessionState();
  connection: ConnectionInfo = { status: 'live', attempt: 0, lastResume: null, queued: 0 };
  capabilities: Capability[] = ['read', 'write', 'control'];
  readonly calls: RecordedCall[] = [];
  /** When set, every action rejects with this error (as a server refusal would). */
  failWith: Error | undefined;
  /**
   * Set to tell history from news as core's handle does: `caughtUp` false while the state is
   * history, `historyState` the state at the history head. Left undefined, the first state is history.
   */
  history: { caughtUp: boolean; historyState?: SessionState } | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly connectionListeners = new Set<() => void>();

  /** Appends events as the next records and notifies subscribers. */
  push(events: SessionEventInput[]): void {
    this.state = applyRecords(this.state, toRecords(events, this.state.offset));
    for (const listener of this.listeners) listener();
  }

  setConnection(connection: ConnectionInfo): void {
    this.connection = connection;
    for (const listener of this.connectionListeners) listener();
  }

  session(_id: string, _auth: SessionAuth): WidgetSessionHandle {
    const client = this;
    const record = (method: string) => async (...args: unknown[]) => {
      client.calls.push({ method, args });
      if (client.failWith) throw client.failWith;
      return { offset: client.state.offset };
    };
    return {
      getState: () => client.state,
      subscribe: (listener) => {
        const wrapped = () => (listener as () => void)();
        client.listeners.add(wrapped);
        return () => client.listeners.delete(wrapped);
      },
      get capabilities() {
        return client.capabilities;
      },
      get caughtUp() {
        return client.history?.caughtUp;
      },
      get historyState() {
        return client.history?.historyState;
      },
      submitBrief: record('submitBrief'),
      continueRun: record('continueRun'),
      cancel: record('cancel'),
      steer: record('steer'),
      approve: record('approve'),
      requestChanges: record('requestChanges'),
    };
  }

  getConnection(): ConnectionInfo {
    return this.connection;
  }

  subscribeConnection(listener: (...args: never[]) => void): () => void {
    const wrapped = () => (listener as () => void)();
    this.connectionListeners.add(wrapped);
    return () => this.connectionListeners.delete(wrapped);
  }
}
