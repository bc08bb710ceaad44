import type {
  AgentState,
  CampaignBriefInput,
  CardState,
  Deliverable,
  RunScope,
  RunState,
  SessionState,
  TaskState,
} from '@marketing-team/core/client';
import type { MessageState, TransportOption } from '@marketing-team/core/client';
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { StopAgentDetail } from './agent-lane.js';
import './connection-status.js';
import type { DeliverablesGalleryElement, ExportSource } from './deliverables-gallery.js';
import { defineElement } from './internal/_define.js';
import { loadDebugPanel, loadDeliverableParts, loadPanelParts } from './internal/_lazy-parts.js';
import type { VariantsState } from './internal/_variants-info.js';
import { themeStyles } from './internal/_theme.js';
import type { RunActionDetail, SteerDetail, StopRunDetail } from './run-controls.js';
import { SessionController } from './session-controller.js';
import { agentDisplayName, resolveStrings, runStatusLabel, type WidgetStrings } from './strings.js';
import type { ApproveDetail, RequestChangesDetail, TakeoverDetail } from './task-board.js';
import type { SessionAuth, WidgetClient } from './types.js';
import type {
  ConnectionChangeDetail,
  DeliverableDetail,
  RunCompletedDetail,
  RunStartedDetail,
  SessionLoadedDetail,
  WidgetErrorDetail,
} from './widget-events.js';

const ENDED = new Set<RunState['status']>(['completed', 'cancelled', 'failed', 'interrupted']);

/**
 * Creates the client for an `endpoint` when the host passes none; `transport` is the element's
 * attribute. It may answer at once or with a promise (the default loads core's client lazily).
 */
export type ClientFactory = (endpoint: string, options?: { transport?: TransportOption }) => WidgetClient | Promise<WidgetClient>;

/**
 * The default: core's `SessionClient` on the WebSocket at `<endpoint>/ws`, or SSE + POST under
 * `<endpoint>` (relative URLs resolve against the page); with `auto` (the default) it falls back
 * to SSE when the server refuses the upgrade. The tabs of a browser share one socket, and each
 * session's state and unacknowledged messages are kept in IndexedDB (clear them at sign-out with
 * core's `clearSessionCache()`). The client's code is loaded on first use, after the element's
 * shell has painted.
 */
export const createDefaultClient: ClientFactory = async (endpoint, options) => {
  const { SessionClient } = await import('./internal/_session-client.js');
  return new SessionClient({ url: `${endpoint.replace(/\/+$/, '')}/ws`, shareConnection: true, cache: true, ...(options?.transport ? { transport: options.transport } : {}) });
};

/**
 * `<marketing-team>`: a campaign brief form, one live lane per agent, run progress, stop and
 * steer, the deliverables gallery and the shared task board of one durable session. All state
 * lives in core's `SessionClient`; the element only renders it, so a re-render, a reload or a
 * second device shows the same thing.
 *
 * @fires mt-session-loaded - The session's history is shown (the state caught up with the server's head), once per session opened; detail `{ session, state }`.
 * @fires mt-run-started - A run started; detail `{ runId, run }`.
 * @fires mt-run-completed - A run ended (completed, cancelled, failed or interrupted); detail `{ runId, status, deliverableIds, run }`.
 * @fires mt-deliverable - A new deliverable arrived; detail `{ deliverable }`.
 * @fires mt-connection-change - The connection status changed; detail is the `ConnectionInfo`.
 * @fires mt-error - Something the person asked for failed; detail `{ action, message, error }`.
 * @csspart root - The whole widget.
 * @csspart header - Title and connection status.
 * @csspart brief - The brief section.
 * @csspart run - Progress and controls.
 * @csspart lanes - The agent lanes.
 * @csspart deliverables - The deliverables section: one package per run, newest first.
 * @csspart package - The deliverables of one run (`package-header` with its brief, `run-brief`, inside it); an earlier run's package is folded until its `package-toggle` opens it.
 * @csspart package-download - The button that downloads a run's package as a zip (in the gallery).
 * @csspart run-brief - A run's brief: its goal, audience, product and channels.
 * @csspart board - The task board section (the current run's tasks).
 * @csspart error - The error banner.
 * @csspart new-chip - The button that shows deliverables that arrived since the person last looked.
 * @csspart connection-status - The connection pill (`connection-indicator`: its dot).
 * @csspart brief-form - The brief form (`goal`, `submit`, `brief-error` inside it).
 * @csspart progress - Run progress (`bar`, `fill`, `summary` inside it).
 * @csspart controls - Stop and steer (`run-stop`, `steer-input`, `steer-button`, `reason`, `steers`, `steer-status` inside it).
 * @csspart lane - Each agent lane (`lane-header`, `lane-task`, `lane-text`, `lane-stop` inside it).
 * @csspart gallery - The deliverables list (`empty` before the first).
 * @csspart tabs - A package's strip of kinds (`tab`, `tab-count`, `tab-new` inside it; `tab-marked` on a tab holding news); each kind's cards sit in a `tabpanel`.
 * @csspart review-alert - Deliverables waiting for review: an alert on the device the person is using, a quiet line on their others (`review-jump` inside).
 * @csspart deliverable - Each deliverable card (`heading`, `post`, `variant`, `landing-page`, `banner`, `table`, `disclaimers`, `edit`, `editor`, `editor-save`, `editor-cancel`, `edited`, `download`, `review`, `review-approve`, `review-request-changes`, `review-answer`, `comments` inside it).
 * @csspart debug - With the `debug` attribute: this device's delivery figures (`debug-figures` inside it).
 * @csspart task-board - The board (`column`, `card`, `approve`, `request-changes`, `take-over`, `taken-over`, `takeover-editor`, `takeover-hand-back`, `takeover-done`, `taken-over-done` inside it).
 * @cssprop --mt-color-background - Background of panels.
 * @cssprop --mt-color-surface - Background of the widget and of inset areas.
 * @cssprop --mt-color-text - Text colour.
 * @cssprop --mt-color-muted - Secondary text colour.
 * @cssprop --mt-color-border - Border colour.
 * @cssprop --mt-color-accent - Accent (buttons, progress, links).
 * @cssprop --mt-color-accent-text - Text on the accent colour.
 * @cssprop --mt-color-danger - Stop buttons, errors, offline.
 * @cssprop --mt-color-success - Live and working indicators.
 * @cssprop --mt-color-warning - Reconnecting indicator.
 * @cssprop --mt-focus-ring - Box shadow of focused controls.
 * @cssprop --mt-radius - Corner radius.
 * @cssprop --mt-space - Base spacing.
 * @cssprop --mt-font-family - Font family.
 * @cssprop --mt-font-family-mono - Monospace font family.
 * @cssprop --mt-font-size - Base font size.
 */
export class MarketingTeamElement extends LitElement {
  /** Used to create a client from `endpoint` when the `client` property is not set. */
  static clientFactory: ClientFactory = createDefaultClient;

  static override properties = {
    endpoint: { type: String },
    transport: { type: String },
    session: { type: String },
    token: { type: String },
    theme: { type: String, reflect: true },
    debug: { type: Boolean, reflect: true },
    getToken: { attribute: false },
    client: { attribute: false },
    strings: { attribute: false },
    mediaOrigins: {
      attribute: 'media-origins',
      // Checked where it is used (in the sanitizer chunk), so the element stays small.
      converter: { fromAttribute: (value: string | null) => (value ?? '').split(/\s+/).filter(Boolean), toAttribute: (value: readonly string[]) => value.join(' ') },
    },
    announcement: { state: true },
    errorMessage: { state: true },
    fresh: { state: true },
    sendingSteers: { state: true },
  };

  static override styles = [
    themeStyles,
    css`
      :host {
        display: block;
        container-type: inline-size;
      }
      [part='root'] {
        background: var(--_surface);
        border: 1px solid var(--_border);
        border-radius: calc(var(--_radius) + 4px);
        padding: var(--_space);
        display: grid;
        gap: calc(var(--_space) * 1.5);
      }
      [part='header'] {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        justify-content: space-between;
        gap: 8px;
      }
      h2 {
        font-size: 1.25em;
        margin: 0;
      }
      h3.section {
        font-size: 1.05em;
      }
      section.panel {
        background: var(--_bg);
        border: 1px solid var(--_border);
        border-radius: var(--_radius);
        padding: var(--_space);
        display: grid;
        gap: 10px;
        min-width: 0;
      }
      .section-head {
        display: flex;
        align-items: center;
        gap: 10px;
        flex-wrap: wrap;
      }
      .chip {
        min-height: 28px;
        padding: 2px 12px;
        border-radius: 999px;
        font-size: 0.85em;
        background: var(--_accent);
        color: var(--_accent-text);
        border-color: transparent;
      }
      .package {
        display: grid;
        grid-template-columns: minmax(0, 1fr);
        gap: 10px;
        min-width: 0;
      }
      .package + .package {
        border-top: 1px solid var(--_border);
        padding-top: calc(var(--_space) * 1.5);
      }
      [part='package-header'] {
        display: flex;
        flex-wrap: wrap;
        gap: 6px 8px;
        align-items: baseline;
      }
      [part='package-toggle'] {
        margin-left: auto;
      }
      .run-brief {
        flex: 1 1 100%;
        min-width: 0;
      }
      .facts {
        margin: 2px 0 0;
        font-size: 0.88em;
      }
      .goal {
        margin: 0;
        overflow-wrap: anywhere;
      }
      .lanes {
        display: grid;
        align-items: start;
        gap: var(--_space);
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 260px), 1fr));
      }
      [part='error'] {
        border: 1px solid var(--_danger);
        color: var(--_danger);
        border-radius: var(--_radius);
        padding: 8px 12px;
        display: flex;
        gap: 8px;
        justify-content: space-between;
        align-items: center;
        background: var(--_bg);
      }
      @container (max-width: 480px) {
        [part='root'] {
          padding: 8px;
          border-radius: var(--_radius);
        }
        section.panel {
          padding: 10px;
        }
      }
    `,
  ];

  /** Base URL of the server's marketing-team handler (for example `/mt`). */
  declare endpoint: string | undefined;
  /**
   * How the element's own client reaches the server: `websocket`, `sse` (SSE + POST, for hosts
   * that cannot upgrade, such as Next.js route handlers) or `auto` (the default: WebSocket,
   * falling back to SSE when the upgrade is refused). Ignored when `client` is set.
   */
  declare transport: TransportOption | undefined;
  /** The session to show. */
  declare session: string | undefined;
  /** A session token; use `getToken` instead to refresh tokens before they expire. */
  declare token: string | undefined;
  /** `light` or `dark`; follows the system preference when absent. */
  declare theme: 'light' | 'dark' | undefined;
  /** Fetches a fresh token for the session; called at connect and before the current token expires. */
  declare getToken: ((session: string) => string | Promise<string>) | undefined;
  /** A `SessionClient` to share between elements (one socket per page); created from `endpoint` when absent. */
  declare client: WidgetClient | undefined;
  /**
   * Shows this device's delivery figures under the header (time to first token, longest gap,
   * resume and cancel-to-quiet times, reconnects, digest mismatches): for developers and support.
   * Its code is loaded only when set.
   */
  declare debug: boolean;
  /** Replacement strings, merged over the defaults. */
  declare strings: Partial<WidgetStrings> | undefined;
  /**
   * Origins (`https://cdn.example`) images in model output may load from, as the
   * `media-origins` attribute (space-separated) or an array. Empty by default: model output makes
   * the browser fetch nothing, images in Markdown show as links.
   */
  declare mediaOrigins: readonly string[];
  declare private announcement: string;
  declare private errorMessage: string | undefined;
  /** Deliverables that arrived while the page watched and the person has not looked at yet. */
  declare private fresh: readonly string[];
  /** Instructions sent and not yet acknowledged. */
  declare private sendingSteers: readonly string[];

  private readonly controller = new SessionController(this);
  private sessionError: { code: string; message: string } | undefined;
  /** Earlier packages the person opened (the newest is always open). */
  private expandedRuns = new Set<string>();

  private togglePackage(runId: string): void {
    const next = new Set(this.expandedRuns);
    if (!next.delete(runId)) next.add(runId);
    this.expandedRuns = next;
    this.requestUpdate();
  }
  private ownClient: { endpoint: string; transport: TransportOption | undefined; client: WidgetClient | undefined; closed?: boolean } | undefined;
  private resolved: WidgetStrings = resolveStrings(undefined);
  private baseline: SessionState | undefined;
  /** Whether the baseline held the whole history found at subscribe: only then is a change news. */
  private baselineCaughtUp = false;
  private baselineHandle: unknown;
  /** Whether `mt-session-loaded` fired for the session shown now. */
  private loadedFired = false;
  private lastConnection: ConnectionChangeDetail | undefined;

  constructor() {
    super();
    this.announcement = '';
    this.fresh = [];
    this.sendingSteers = [];
    this.mediaOrigins = [];
    this.debug = false;
    this.addEventListener('mt-brief-submit', (event) => void this.submitBrief((event as CustomEvent<CampaignBriefInput>).detail));
    this.addEventListener('mt-stop-run', (event) => void this.cancel((event as CustomEvent<StopRunDetail>).detail.runId));
    this.addEventListener('mt-stop-agent', (event) => {
      const detail = (event as CustomEvent<StopAgentDetail>).detail;
      void this.cancel(detail.runId, { agent: detail.agent });
    });
    this.addEventListener('mt-steer', (event) => {
      const detail = (event as CustomEvent<SteerDetail>).detail;
      void this.steer(detail.runId, detail.instruction);
    });
    this.addEventListener('mt-regenerate', (event) => {
      const { runId, taskId, instruction } = (event as CustomEvent<{ runId: string; taskId: string; instruction: string }>).detail;
      void this.act('regenerate', (handle) => {
        if (!handle.regenerate) throw new Error('This client cannot write a deliverable again.');
        return handle.regenerate(runId, taskId, instruction);
      });
    });
    this.addEventListener('mt-request-variants', (event) => {
      const { runId, taskId, count, instruction } = (event as CustomEvent<{ runId: string; taskId: string; count: 2 | 3; instruction?: string }>).detail;
      void this.act('request-variants', (handle) => {
        if (!handle.requestVariants) throw new Error('This client cannot write variants.');
        return handle.requestVariants(runId, taskId, count, instruction);
      });
    });
    this.addEventListener('mt-continue-run', (event) => {
      const { runId } = (event as CustomEvent<RunActionDetail>).detail;
      void this.act('continue-run', (handle) => handle.continueRun(runId));
    });
    this.addEventListener('mt-restart-run', (event) => {
      const brief = this.state?.runs[(event as CustomEvent<RunActionDetail>).detail.runId]?.brief;
      if (brief) void this.submitBrief(brief);
    });
    this.addEventListener('mt-approve', (event) => {
      const detail = (event as CustomEvent<ApproveDetail>).detail;
      void this.act('approve', (handle) => (detail.comment ? handle.approve(detail.runId, detail.taskId, detail.comment) : handle.approve(detail.runId, detail.taskId)));
    });

    // Taking a task over from its agent, handing it back or finishing it: events in the log (need `write`).
    this.addEventListener('mt-take-over', (event) => {
      const { runId, taskId } = (event as CustomEvent<TakeoverDetail>).detail;
      void this.act('take-over', (handle) => handle.publish!({ type: 'task.taken_over', runId, taskId }));
    });
    this.addEventListener('mt-hand-back', (event) => {
      const { runId, taskId, title, markdown } = (event as CustomEvent<TakeoverDetail>).detail;
      const draft = markdown ? { draft: { title: title ?? '', markdown } } : {};
      void this.act('hand-back', (handle) => handle.publish!({ type: 'task.handed_back', runId, taskId, ...draft }));
    });
    this.addEventListener('mt-mark-done', (event) => {
      const { runId, taskId, title, markdown } = (event as CustomEvent<TakeoverDetail>).detail;
      void this.act('mark-done', (handle) => handle.publish!({ type: 'task.marked_done', runId, taskId, title, markdown }));
    });

    this.addEventListener('mt-request-changes', (event) => {
      const detail = (event as CustomEvent<RequestChangesDetail>).detail;
      void this.act('request-changes', (handle) => handle.requestChanges(detail.runId, detail.taskId, detail.comment));
    });
  }

  /** The reduced session state being shown (read-only; it belongs to the client). */
  get state(): SessionState | undefined {
    return this.controller.state;
  }

  /** Submits a campaign brief; resolves once the server stored it (or it was queued offline). */
  submitBrief(brief: CampaignBriefInput): Promise<unknown> {
    return this.act('submit-brief', (handle) => handle.submitBrief(brief));
  }

  /** Stops a run, or one agent or task of it. */
  cancel(runId: string, scope?: RunScope): Promise<unknown> {
    return this.act('cancel', (handle) => handle.cancel(runId, scope));
  }

  /** Sends a steering instruction to a run. */
  async steer(runId: string, instruction: string, scope?: RunScope): Promise<unknown> {
    // Shown as sending until the server has stored it; from then on the log says what became of it.
    this.sendingSteers = [...this.sendingSteers, instruction];
    try {
      return await this.act('steer', (handle) => handle.steer(runId, instruction, scope ? { scope } : undefined));
    } finally {
      const index = this.sendingSteers.indexOf(instruction);
      this.sendingSteers = this.sendingSteers.filter((_, at) => at !== index);
    }
  }

  /** Publishes a card's inline edit through the session (the card shows a refusal itself). */
  private readonly publish = (event: Record<string, unknown>): Promise<unknown> => this.controller.handle!.publish!(event);

  /** Where a run's package is downloaded from, and with which token (the gallery fetches it). */
  private readonly exportSource = async (): Promise<ExportSource> => {
    const token = this.getToken && this.session ? await this.getToken(this.session) : this.token;
    if (!this.endpoint || !this.session || !token) throw new Error('Downloading a package needs endpoint, session and token (or getToken).');
    return { endpoint: this.endpoint, session: this.session, token };
  };

  private async act(action: string, work: (handle: NonNullable<SessionController['handle']>) => Promise<unknown>): Promise<unknown> {
    const handle = this.controller.handle;
    try {
      if (!handle) throw new Error('No session is connected: set session and token (or getToken) and endpoint (or client).');
      const result = await work(handle);
      this.errorMessage = undefined;
      return result;
    } catch (error) {
      this.reportError(action, error);
      return undefined;
    }
  }

  private reportError(action: string, error: unknown): void {
    const message = this.friendly(action, error);
    this.errorMessage = message;
    this.emit<WidgetErrorDetail>('mt-error', { action, message, error });
  }

  /**
   * The words shown for a failure. A brief refused by validation (here or on the server) names
   * the field in the form's words instead of the schema's message.
   */
  private friendly(action: string, error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    const { code, field } = (error ?? {}) as { code?: unknown; field?: unknown };
    if (action !== 'submit-brief' || !['invalid_argument', 'bad_frame', 'invalid_event', 'validation'].includes(String(code))) return message;
    const strings = this.resolved;
    const name = /goal/.test(String(field ?? message))
      ? strings.goalLabel
      : /audience/.test(String(field ?? message))
        ? strings.audienceLabel
        : /product/.test(String(field ?? message))
          ? strings.productLabel
          : undefined;
    return strings.briefRefused(name);
  }

  private emit<T>(name: string, detail: T): void {
    this.dispatchEvent(new CustomEvent<T>(name, { detail, bubbles: true, composed: true }));
  }

  private resolveClient(): WidgetClient | undefined {
    if (this.client) return this.client;
    if (!this.endpoint) return undefined;
    const transport = this.transport;
    if (this.ownClient?.endpoint !== this.endpoint || this.ownClient.transport !== transport) {
      this.closeOwnClient();
      // Remembered before it exists, so a bad endpoint is reported once, not on every render.
      const own: NonNullable<typeof this.ownClient> = { endpoint: this.endpoint, transport, client: undefined };
      this.ownClient = own;
      const adopt = (client: WidgetClient) => {
        if (own.closed) return void client.close?.();
        own.client = client;
        this.requestUpdate();
      };
      try {
        const made = MarketingTeamElement.clientFactory(this.endpoint, transport ? { transport } : {});
        if (made instanceof Promise) made.then(adopt, (error: unknown) => this.reportError('connect', error));
        else own.client = made;
      } catch (error) {
        this.reportError('connect', error);
      }
    }
    return this.ownClient?.client;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Re-bind after being moved or re-attached (the client this element created was closed).
    this.requestUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // Leaving the page closes only this element's own connection; runs go on on the server.
    this.controller.bind(undefined);
    this.closeOwnClient();
  }

  /** Closes the client this element made (or drops it on arrival, when it is still loading). */
  private closeOwnClient(): void {
    if (this.ownClient) this.ownClient.closed = true;
    this.ownClient?.client?.close?.();
    this.ownClient = undefined;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('strings')) this.resolved = resolveStrings(this.strings);
    const client = this.resolveClient();
    const auth: SessionAuth | undefined = this.getToken
      ? { getToken: this.getToken }
      : this.token
        ? { token: this.token }
        : undefined;
    this.controller.bind(client && this.session && auth ? { client, session: this.session, auth } : undefined);
    this.noticeChanges();
    // A session the server (or the host's token route) refused would otherwise look live and
    // keep what the person sends queued without a word.
    const refused = this.controller.handle?.error;
    if (refused !== this.sessionError) {
      this.sessionError = refused;
      if (refused) this.reportError('subscribe', new Error(this.resolved.sessionRefused(refused.message)));
    }
    // Parts the state does not need yet stay unloaded; a failed load is retried on the next update.
    if (this.hasUpdated) loadPanelParts().catch(ignoreLoadError);
    if (this.controller.state?.deliverableOrder.length) loadDeliverableParts().catch(ignoreLoadError);
    if (this.debug) loadDebugPanel().catch(ignoreLoadError);
  }

  protected override firstUpdated(): void {
    // The brief form, board, lanes and run controls come right after the first paint, while the
    // session connects: every page shows them soon, but the shell need not wait for them.
    loadPanelParts().catch(ignoreLoadError);
  }

  /** Compares the new state with the last one seen to fire host events and announcements. */
  private noticeChanges(): void {
    const state = this.controller.state;
    const connection = this.controller.connection;
    if (connection && connection !== this.lastConnection) {
      this.lastConnection = connection;
      this.emit<ConnectionChangeDetail>('mt-connection-change', connection);
    }
    if (!state) return;
    const handle = this.controller.handle;
    if (handle !== this.baselineHandle) {
      this.baselineHandle = handle;
      this.baseline = undefined;
      this.fresh = [];
      this.loadedFired = false;
    }
    if (handle && this.controller.caughtUp && !this.loadedFired && this.session) {
      this.loadedFired = true;
      this.emit<SessionLoadedDetail>('mt-session-loaded', { session: this.session, state });
    }
    // History is not news: until the state has caught up with the head the server named at
    // subscribe (however many chunks it takes), nothing fires and nothing is announced. The first
    // caught-up state is compared with the state at that head, so news that came in the same
    // batch as the last of the history still counts.
    const previous = this.baselineCaughtUp ? this.baseline : this.controller.caughtUp ? handle?.historyState : undefined;
    this.baseline = state;
    this.baselineCaughtUp = this.controller.caughtUp;
    if (!previous || previous === state) return;
    const strings = this.resolved;
    const said: string[] = [];
    for (const runId of state.runOrder) {
      const run = state.runs[runId];
      const before = previous.runs[runId];
      if (!run || run === before) continue;
      if (run.status === 'running' && before?.status !== 'running') this.emit<RunStartedDetail>('mt-run-started', { runId, run });
      if (run.paused && !before?.paused) said.push(strings.runPaused(run.paused.unwatchedMs !== undefined));
      // Said once when a task stalls; the lane's count goes up silently.
      for (const taskId of run.taskOrder) {
        const task = run.tasks[taskId];
        if (task?.stalled && !before?.tasks[taskId]?.stalled) said.push(`${agentDisplayName(strings, task.agent)}: ${strings.stalledFor(Math.max(0, Math.floor((Date.now() - task.stalled.since) / 1000)))}.`);
      }
      if (ENDED.has(run.status) && before?.status !== run.status) {
        this.emit<RunCompletedDetail>('mt-run-completed', {
          runId,
          status: run.status as RunCompletedDetail['status'],
          deliverableIds: [...run.deliverableIds],
          run,
        });
        said.push(strings.runEnded(runStatusLabel(strings, run)));
      }
    }
    for (const message of changedMessages(state, previous)) {
      const before = messageIn(previous, message.id);
      if (message === before || message.status !== 'completed' || before?.status === 'completed') continue;
      const task = state.runs[message.runId]?.tasks[message.taskId];
      said.push(strings.messageCompleted(agentDisplayName(strings, message.agent), task?.title ?? message.taskId));
    }
    const fresh = state.deliverableOrder === previous.deliverableOrder ? [] : state.deliverableOrder.filter((id) => !previous.deliverables[id]);
    for (const id of fresh) {
      const deliverable = state.deliverables[id];
      if (!deliverable) continue;
      this.emit<DeliverableDetail>('mt-deliverable', { deliverable });
      said.push(strings.deliverableReady(deliverable.title));
    }
    // Offered, never forced: focus and scroll stay where the person left them. A variant is news
    // on the card of the deliverable it varies.
    const news = fresh.map((id) => state.runs[state.deliverables[id]?.runId ?? '']?.variantsOf?.deliverableId ?? id);
    if (news.length) this.fresh = [...new Set([...this.fresh, ...news])];
    if (said.length) this.announcement = said.join(' ');
  }

  /** The person asked to see what is new: bring the first new deliverable into view and focus it. */
  private async showFresh(): Promise<void> {
    const first = this.fresh[0];
    this.fresh = [];
    if (!first) return;
    const galleries = Array.from(this.renderRoot.querySelectorAll<DeliverablesGalleryElement>('mt-deliverables'));
    await galleries.find((gallery) => gallery.deliverables.some((deliverable) => deliverable.id === first))?.focusDeliverable(first);
  }

  // Lists keep their identity while their part of the state does, so a frame of text deltas
  // does not make the gallery or the board update.
  private readonly agentList = memoList((state) => [state.agentOrder, state.agents], (state) =>
    state.agentOrder.map((name) => state.agents[name]).filter((agent): agent is AgentState => !!agent),
  );
  // One package per run, newest first, so two campaigns in a session never mix. A run that wrote
  // variants has no package: its variants show on the card of the deliverable they vary.
  private readonly packageList = memoList((state) => [state.runOrder, state.deliverableOrder, state.deliverables], (state) => {
    const campaigns = state.runOrder.filter((runId) => !state.runs[runId]?.variantsOf);
    return [...campaigns].reverse().map((runId, index) => ({
      runId,
      number: campaigns.length - index,
      deliverables: state.deliverableOrder
        .map((id) => state.deliverables[id])
        .filter((deliverable): deliverable is Deliverable => !!deliverable && deliverable.runId === runId),
    }));
  });
  // What the galleries read the variants of each deliverable from: kept while those parts of the state are.
  private readonly variantsState = memoList((state) => [state.runOrder, state.runs, state.deliverableOrder, state.deliverables, state.deliverableVersions], (state) => {
    const { runOrder, runs, deliverableOrder, deliverables, deliverableVersions } = state;
    return [{ runOrder, runs, deliverableOrder, deliverables, deliverableVersions } satisfies VariantsState];
  });
  // The board of the current run only: each run plans its own tasks.
  private readonly cardList = memoList((state) => [state.boardOrder, state.board, state.runOrder], (state) => {
    const runId = state.runOrder[state.runOrder.length - 1];
    return state.boardOrder
      .map((id) => state.board[id])
      .filter((card): card is CardState => !!card && (card.runId === undefined || card.runId === runId));
  });

  // Which deliverable reflects which steering instruction, from the agents' `steer.applied`.
  private readonly steeredList = memoList((state) => [state.steers, state.deliverableOrder], (state) => {
    const steered: [string, string][] = [];
    for (const steer of state.steers) {
      for (const applied of steer.appliedTo) {
        const id = state.runs[steer.runId]?.tasks[applied.taskId]?.deliverableId;
        if (id) steered.push([id, steer.instruction]);
      }
    }
    return steered;
  });
  private readonly runSteers = memoList((state) => [state.steers, state.runOrder], (state) => {
    const runId = state.runOrder[state.runOrder.length - 1];
    return state.steers.filter((steer) => steer.runId === runId);
  });

  private currentRun(state: SessionState | undefined): RunState | undefined {
    const id = state?.runOrder[state.runOrder.length - 1];
    return id ? state?.runs[id] : undefined;
  }

  /** A run's brief as the person wrote it: the goal, then audience, product and channels. */
  private renderBrief(brief: NonNullable<RunState['brief']>) {
    const strings = this.resolved;
    const facts = [brief.audience, brief.product, brief.channels?.map((channel) => strings.channels[channel]).join(', ')].filter(Boolean);
    return html`<div part="run-brief" class="run-brief">
      <p class="goal">${brief.goal}</p>
      ${facts.length ? html`<p class="facts muted">${facts.join(' · ')}</p>` : nothing}
    </div>`;
  }

  protected override render() {
    const strings = this.resolved;
    const state = this.controller.state;
    const capabilities = this.controller.capabilities;
    // Until the server has said what the token allows, nothing is shown as forbidden.
    const known = capabilities.length > 0;
    const canWrite = !known || capabilities.includes('write');
    const canControl = !known || capabilities.includes('control');
    const run = this.currentRun(state);
    const active = run && !ENDED.has(run.status);
    const theme = this.theme ?? nothing;
    const agents = this.agentList(state);
    const packages = this.packageList(state);
    const newestWithDeliverables = packages.findIndex((pack) => pack.deliverables.length > 0);
    const cards = this.cardList(state);
    return html`<div part="root">
      <header part="header">
        <h2>${strings.title}</h2>
        <mt-connection-status
          exportparts="status: connection-status, indicator: connection-indicator"
          .connection=${this.controller.connection} .strings=${strings} theme=${theme}></mt-connection-status>
      </header>
      ${this.debug
        ? html`<mt-debug-panel exportparts="debug, debug-figures" .client=${this.client ?? this.ownClient?.client} .connection=${this.controller.connection} theme=${theme}></mt-debug-panel>`
        : nothing}
      ${this.errorMessage
        ? html`<div part="error" role="alert">
            <span>${this.errorMessage}</span>
            <button type="button" @click=${() => (this.errorMessage = undefined)} aria-label=${strings.dismiss}>×</button>
          </div>`
        : nothing}
      <section part="brief" class="panel" aria-labelledby="brief-heading">
        <h3 class="section" id="brief-heading">${strings.briefHeading}</h3>
        ${active && run?.brief
          ? this.renderBrief(run.brief)
          : html`<mt-brief-form
              exportparts="form: brief-form, goal, submit, error: brief-error"
              .strings=${strings}
              theme=${theme}
              ?disabled=${!canWrite}
              reason=${strings.briefNotAllowed}
            ></mt-brief-form>`}
      </section>
      ${run
        ? html`<section part="run" class="panel" aria-label=${strings.progressLabel}>
            <mt-run-progress exportparts="progress, bar, fill, summary" .run=${run} .strings=${strings} theme=${theme}></mt-run-progress>
            <mt-run-controls
              exportparts="controls, stop: run-stop, steer-input, steer-button, reason, steers, steer-status, ended: run-ended, continue: run-continue, restart: run-restart"
              .run=${run} .steers=${this.runSteers(state)} .sending=${this.sendingSteers} ?can-control=${canControl} ?can-write=${canWrite} .strings=${strings} theme=${theme}></mt-run-controls>
          </section>`
        : nothing}
      <section part="lanes" class="panel" aria-labelledby="lanes-heading">
        <h3 class="section" id="lanes-heading">${strings.lanesHeading}</h3>
        ${agents.length
          ? html`<div class="lanes">
              ${repeat(
                agents,
                (agent) => agent.agent,
                (agent) => {
                  // A new run starts every lane afresh: what an agent wrote for an earlier run stays in that run's package.
                  const mine = run !== undefined && agent.runId === run.id;
                  const task = mine && agent.taskId ? run.tasks[agent.taskId] : undefined;
                  const candidate = mine && agent.messageId ? messageIn(state!, agent.messageId) : undefined;
                  const message = candidate?.runId === run?.id ? candidate : undefined;
                  const delivered = task?.deliverableId ? state!.deliverables[task.deliverableId]?.title : undefined;
                  const waiting = agent.status === 'working' ? '' : waitingFor(run, agent.agent);
                  return html`<mt-agent-lane
                    exportparts="lane, header: lane-header, task: lane-task, text: lane-text, stop: lane-stop"
                    .agent=${agent}
                    .task=${task}
                    .message=${message}
                    .delivered=${delivered}
                    .waitingFor=${waiting}
                    .person=${agent.status === 'working' ? '' : personOnTask(run, agent.agent, strings, waiting !== '')}
                    .stall=${stalledTaskOf(run, agent.agent)}
                    .mediaOrigins=${this.mediaOrigins}
                    ?can-control=${canControl}
                    .strings=${strings}
                    theme=${theme}
                  ></mt-agent-lane>`;
                },
              )}
            </div>`
          : html`<p class="muted">${strings.noRun}</p>`}
      </section>
      <section part="deliverables" class="panel" aria-labelledby="deliverables-heading">
        <div class="section-head">
          <h3 class="section" id="deliverables-heading">${strings.deliverablesHeading}</h3>
          ${this.fresh.length
            ? html`<button part="new-chip" class="chip" type="button" @click=${this.showFresh}>${strings.newDeliverables(this.fresh.length)}</button>`
            : nothing}
        </div>
        ${packages.length
          ? repeat(
              packages,
              (pack) => pack.runId,
              (pack, index) => {
                const packRun = state!.runs[pack.runId];
                // The newest package with deliverables is open (a run stopped before writing any does
                // not hide the last finished one); earlier ones fold to their header until asked for,
                // so a session of many campaigns stays a page, not a scroll of every package ever made.
                const foldable = index > 0 && index !== newestWithDeliverables && pack.deliverables.length > 0;
                const folded = foldable && !this.expandedRuns.has(pack.runId);
                return html`<article part="package" class="package" data-run=${pack.runId} ?data-folded=${folded} aria-label=${strings.runLabel(pack.number)}>
                  <header part="package-header">
                    <span class="badge">${strings.runLabel(pack.number)}</span>
                    ${packRun ? html`<span class="badge" data-status=${packRun.status}>${runStatusLabel(strings, packRun)}</span>` : nothing}
                    ${packRun?.brief ? this.renderBrief(packRun.brief) : nothing}
                    ${foldable
                      ? html`<button type="button" part="package-toggle" aria-expanded=${folded ? 'false' : 'true'} @click=${() => this.togglePackage(pack.runId)}>
                          ${folded ? strings.showPackage(pack.deliverables.length) : strings.hidePackage}
                        </button>`
                      : nothing}
                  </header>
                  ${folded
                    ? nothing
                    : html`<mt-deliverables
                    .versions=${state!.deliverableVersions}
                    .variantsState=${this.variantsState(state)[0]}
                    .run=${packRun}
                    .board=${state!.board}
                    .exportSource=${this.endpoint ? this.exportSource : undefined}
                    ?can-write=${canWrite}
                    .publish=${this.controller.handle?.publish ? this.publish : undefined}
                    ?can-control=${canControl}
                    .viewers=${this.controller.handle?.viewers}
                    .presenceId=${(this.client ?? this.ownClient?.client)?.presenceId}
                    .fresh=${this.fresh}
                    .steered=${this.steeredList(state)}
                    exportparts="gallery, empty, tabs, tab, tab-marked, tab-count, tab-new, tabpanel, package-download, review-alert, review-jump, deliverable, steered, actions, copy, preview-open, preview, preview-frame, preview-close, heading, post, variant, landing-page, banner, table, disclaimers, edit, editor, editor-save, editor-cancel, edited, download, review, review-approve, review-request-changes, review-answer, comments, regenerate, regenerate-form, regenerate-submit, variants-open, variants-form, variants-submit, variants, variant-tabs, variant-tab, variant-in-use, variant-panel, variant-use"
                    .deliverables=${pack.deliverables} .mediaOrigins=${this.mediaOrigins} .strings=${strings} theme=${theme}></mt-deliverables>`}
                </article>`;
              },
            )
          : html`<p part="empty" class="muted">${strings.noDeliverables}</p>`}
      </section>
      <section part="board" class="panel" aria-labelledby="board-heading">
        <h3 class="section" id="board-heading">${strings.boardHeading}</h3>
        <mt-task-board exportparts="board: task-board, column, card, approve, request-changes, take-over, taken-over, takeover-editor, takeover-hand-back, takeover-done, taken-over-done" .cards=${cards} .session=${state} .me=${this.controller.handle?.viewers?.find((viewer) => viewer.clientId === (this.client ?? this.ownClient?.client)?.presenceId)?.userId} ?can-review=${canControl} ?can-write=${canWrite} .strings=${strings} theme=${theme}></mt-task-board>
      </section>
      <div class="visually-hidden" aria-live="polite" aria-atomic="true">${this.announcement}</div>
    </div>`;
  }
}

/** A part that failed to load (its chunk unreachable) stays an empty tag; the next update tries again. */
function ignoreLoadError(): void {}

/**
 * The message with this id, from any bucket. Not core's `findMessage`: a value imported from
 * core's root makes an app bundler put the whole session client in the element's first chunk
 * (bundlers split by file, and the root reaches every file); the element loads the client later.
 */
function messageIn(state: Pick<SessionState, 'messageBuckets'>, messageId: string): MessageState | undefined {
  for (const bucket of state.messageBuckets) if (Object.hasOwn(bucket, messageId)) return bucket[messageId];
  return undefined;
}

/** Messages new or changed since `previous`, looking only into the buckets that changed. */
function changedMessages(state: SessionState, previous: SessionState): MessageState[] {
  const changed: MessageState[] = [];
  if (state.messageBuckets === previous.messageBuckets) return changed;
  state.messageBuckets.forEach((bucket, index) => {
    const before = previous.messageBuckets[index];
    if (bucket === before) return;
    for (const id of Object.keys(bucket)) if (bucket[id] !== before?.[id]) changed.push(bucket[id]!);
  });
  // Buckets follow a hash of the id: put them back in the order they started.
  return changed.sort((a, b) => a.startedAt - b.startedAt);
}

/**
 * The titles of the unfinished tasks an idle agent's next task in the run depends on, joined
 * with commas (empty when it waits for nothing): why it is not working yet, from the plan.
 */
function waitingFor(run: RunState | undefined, agent: string): string {
  if (!run || ENDED.has(run.status)) return '';
  const next = run.taskOrder.map((id) => run.tasks[id]).find((task) => task?.agent === agent && task.status === 'todo');
  if (!next) return '';
  return next.dependsOn
    .map((id) => run.tasks[id])
    .filter((task): task is NonNullable<typeof task> => !!task && task.status !== 'done')
    .map((task) => task.title)
    .join(', ');
}

/**
 * What a person did with an idle agent's task in the run: "<task> · Taken over by Dana" while they
 * hold it, "<task> · Done by Dana" once they finished it unless the agent now waits for its next
 * task (empty otherwise), so a lane whose work a person took does not read as waiting for work.
 */
function personOnTask(run: RunState | undefined, agent: string, strings: WidgetStrings, waiting: boolean): string {
  if (!run) return '';
  const tasks = run.taskOrder.map((id) => run.tasks[id]).filter((task): task is TaskState => task?.agent === agent);
  const name = ({ by }: NonNullable<TaskState['takenOver']>) => (by.kind === 'human' ? (by.name ?? by.id) : '');
  const held = tasks.find((task) => task.takenOver && (task.status === 'todo' || task.status === 'in_progress'));
  if (held) return `${held.title} · ${strings.takenOverBy(name(held.takenOver!))}`;
  const done = waiting ? undefined : tasks.filter((task) => task.doneBy && task.status === 'done').at(-1);
  return done ? `${done.title} · ${strings.doneBy(name(done.doneBy!))}` : '';
}

/** The stall of an agent's task in progress in the run, if one has stalled (an agent may run several tasks at once). */
function stalledTaskOf(run: RunState | undefined, agent: string): TaskState['stalled'] {
  if (!run || ENDED.has(run.status)) return undefined;
  for (const id of run.taskOrder) {
    const task = run.tasks[id];
    if (task?.agent === agent && task.status === 'in_progress' && task.stalled) return task.stalled;
  }
  return undefined;
}

function memoList<T>(
  inputs: (state: SessionState) => unknown[],
  compute: (state: SessionState) => T[],
): (state: SessionState | undefined) => T[] {
  let last: unknown[] | undefined;
  let value: T[] = [];
  return (state) => {
    if (!state) return [];
    const next = inputs(state);
    if (!last || next.some((input, index) => input !== last![index])) {
      last = next;
      value = compute(state);
    }
    return value;
  };
}

defineElement('marketing-team', MarketingTeamElement);

declare global {
  interface HTMLElementTagNameMap {
    'marketing-team': MarketingTeamElement;
  }
}
