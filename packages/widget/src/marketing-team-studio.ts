import {
  DeliverableKindSchema,
  SessionClient,
  TeamDefinitionError,
  studioSessionId,
  sampleBrand,
  skillFromReference,
  teamFromWorkspace,
  templateHash,
  workspaceIssues,
  type Brand,
  type BrandDraft,
  type DeliverableKind,
  type RoutingDecision,
  type TeamDefinitionIssue,
  type WorkspaceDocument,
  type WorkspaceSkill,
} from '@marketing-team/core';
import { LitElement, css, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { defineElement } from './internal/_define.js';
import { themeStyles } from './internal/_theme.js';
import { SessionController } from './session-controller.js';
import { renderBrandIntake, type IntakeField } from './studio/brand-intake-panel.js';
import { issueLocation } from './studio/issue-location.js';
import { sampleWorkspace } from './studio/sample-workspace.js';
import { draftEnded, draftRunId, latestDraft, type DraftView } from './studio/studio-drafts.js';
import { BRAND_FIELDS, STUDIO_STEPS, brandFieldLabel, resolveStudioStrings, type BrandField, type StudioStep, type StudioStrings } from './studio/studio-strings.js';
import { WorkspaceApi, WorkspaceApiError, type StudioVersionSummary, type StudioWorkspaceVersion } from './studio/workspace-api.js';

/** Detail of `mt-studio-saved`: the version the save (or rollback) created. */
export interface StudioSavedDetail {
  workspace: string;
  version: number;
  etag: string;
}
/** Detail of `mt-studio-conflict`: another editor saved first. */
export interface StudioConflictDetail {
  workspace: string;
  currentVersion: number | undefined;
}
/** Detail of `mt-try-brief`: the saved version a brief should run with. */
export interface TryBriefDetail {
  workspace: string;
  version: number;
}
/** Detail of `mt-error` from the studio. */
export interface StudioErrorDetail {
  action: 'load' | 'save' | 'rollback' | 'history' | 'analyse' | 'intake';
  message: string;
  error: unknown;
}

interface AnalysisDraft {
  templateName: string;
  content: string;
  report: string;
  templateHash: string | undefined;
  /** A draft run requested from this page that the session has not shown yet. */
  requested: string | undefined;
  error: string | undefined;
}

const KINDS = DeliverableKindSchema.options as readonly DeliverableKind[];
const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
const slug = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64) || 'item';
const idOf = (path: string): string => `f-${path.replace(/[^a-zA-Z0-9]+/g, '-')}`;

/** A server message without the field path it starts with (`request.documents.0: "a.pdf" …` -> `"a.pdf" …`). */
const withoutField = (message: string): string => message.replace(/^[A-Za-z][\w.[\]]*: /, '');
const capitalised = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

function uniqueName(base: string, taken: readonly string[]): string {
  if (!taken.includes(base)) return base;
  for (let n = 2; ; n++) if (!taken.includes(`${base}-${n}`)) return `${base}-${n}`;
}

/**
 * `<marketing-team-studio>`: where a marketer builds their own marketing team, step by step:
 * brand kit, function map, skills (with the Reference-Based Method: paste a branded template, the
 * server's model analyses it, the skill is written from the report), agents (with the overlap
 * check shown on the row where a skill is owned twice), routing rules with a "try routing" box,
 * then a brief run with the saved team. A workspace with nothing saved starts from a sample,
 * labelled as such; a returning editor lands on their team.
 *
 * Saves go to the workspace API (`<endpoint>/workspaces/<workspace>`) with `If-Match`: when
 * someone else saved first, the studio says so and offers to reload their version or overwrite
 * it, never overwriting silently. The team checks (`workspaceIssues`, `teamFromWorkspace`, routing)
 * run in the browser with core's own functions, so what the studio shows is what the server accepts.
 *
 * Analyses and brand intakes run as durable drafts on the server and stream into the workspace's
 * studio session (`studioSessionId(workspace)`), which the studio follows live: a dropped
 * connection resumes the stream where it was, another device of the editor sees it too, and saves
 * by other editors arrive there (the studio loads them, or asks first when there are unsaved edits).
 *
 * It needs a token for the workspace with the `admin` capability, minted for the studio session
 * (`session: studioSessionId(workspace)`, with `read` and `control` to follow and cancel drafts):
 * `token`, or `getToken`.
 *
 * @fires mt-studio-saved - A save or rollback created a version; detail `{ workspace, version, etag }`.
 * @fires mt-studio-conflict - A save was refused because another editor saved first; detail `{ workspace, currentVersion }`.
 * @fires mt-try-brief - The editor asked to run a brief with the saved team; detail `{ workspace, version }`.
 * @fires mt-error - Loading, saving, the history or an analysis failed; detail `{ action, message, error }`.
 * @slot try - Shown in the "Try a brief" step: typically a `<marketing-team>` for a session of this workspace.
 * @csspart root - The whole studio.
 * @csspart header - Title, brand, save state and the save and history buttons.
 * @csspart sample-badge - The "Sample" label shown while the brand is the sample one.
 * @csspart status - The save state ("Version 3", "Unsaved changes").
 * @csspart save - The save button.
 * @csspart nav - The list of steps.
 * @csspart step-link - Each step's button in that list (`aria-current="step"` on the current one).
 * @csspart panel - The current step's content.
 * @csspart field - Each labelled field.
 * @csspart problems - The list of problems that block a save.
 * @csspart conflict - The "someone else saved" banner.
 * @csspart history - The version history panel.
 * @csspart skill-list - The list of skills in the Skills step.
 * @csspart reference - The Reference-Based Method box of a skill.
 * @csspart report - The analysis report field.
 * @csspart agent - Each agent card.
 * @csspart overlap - The warning on a skill row owned by two agents.
 * @csspart rule - Each routing rule.
 * @csspart route-result - The answer of "try routing".
 * @cssprop --mt-color-background - Background of panels.
 * @cssprop --mt-color-surface - Background of the studio and of inset areas.
 * @cssprop --mt-color-text - Text colour.
 * @cssprop --mt-color-muted - Secondary text colour.
 * @cssprop --mt-color-border - Border colour.
 * @cssprop --mt-color-accent - Accent (buttons, current step).
 * @cssprop --mt-color-accent-text - Text on the accent colour.
 * @cssprop --mt-color-danger - Problems and conflicts.
 * @cssprop --mt-color-success - Saved state.
 * @cssprop --mt-color-warning - The sample label, overlaps and stale templates.
 * @cssprop --mt-focus-ring - Box shadow of focused controls.
 * @cssprop --mt-radius - Corner radius.
 * @cssprop --mt-space - Base spacing.
 * @cssprop --mt-font-family - Font family.
 * @cssprop --mt-font-family-mono - Monospace font family (templates and reports).
 * @cssprop --mt-font-size - Base font size.
 */
export class MarketingTeamStudioElement extends LitElement {
  static override properties = {
    endpoint: { type: String },
    workspace: { type: String },
    token: { type: String },
    transport: { type: String },
    theme: { type: String, reflect: true },
    step: { type: String, reflect: true },
    getToken: { attribute: false },
    strings: { attribute: false },
    loadState: { state: true },
    loadError: { state: true },
    current: { state: true },
    draft: { state: true },
    dirty: { state: true },
    saving: { state: true },
    conflict: { state: true },
    historyOpen: { state: true },
    versions: { state: true },
    announcement: { state: true },
    selectedSkill: { state: true },
    routeText: { state: true },
    routeResult: { state: true },
    remoteSave: { state: true },
    intakeFiles: { state: true },
    intakePasted: { state: true },
    intakeStarting: { state: true },
    intakeError: { state: true },
    intakeUnticked: { state: true },
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
        overflow: hidden;
      }
      [part='header'] {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 8px 12px;
        padding: calc(var(--_space) * 0.9) calc(var(--_space) * 1.25);
        background: var(--_bg);
        border-bottom: 1px solid var(--_border);
      }
      .title {
        display: flex;
        align-items: baseline;
        gap: 8px;
        flex-wrap: wrap;
        margin-right: auto;
        min-width: 0;
      }
      h2 {
        font-size: 1.15em;
        margin: 0;
      }
      .brand-name {
        color: var(--_muted);
        overflow-wrap: anywhere;
      }
      [part='sample-badge'] {
        border-color: var(--_warning);
        color: var(--_warning);
        font-weight: 600;
      }
      [part='status'][data-state='saved'] {
        color: var(--_success);
        border-color: currentColor;
      }
      [part='status'][data-state='unsaved'] {
        color: var(--_warning);
        border-color: currentColor;
      }
      .actions {
        display: flex;
        gap: 8px;
        align-items: center;
      }
      .layout {
        display: grid;
        grid-template-columns: 200px minmax(0, 1fr);
        min-height: 480px;
      }
      [part='nav'] {
        border-right: 1px solid var(--_border);
        padding: var(--_space) 8px;
      }
      [part='nav'] ol {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 2px;
      }
      [part='step-link'] {
        width: 100%;
        display: flex;
        gap: 10px;
        align-items: center;
        text-align: left;
        border: 0;
        background: transparent;
        padding: 8px 10px;
      }
      [part='step-link'] .n {
        display: inline-grid;
        place-items: center;
        width: 22px;
        height: 22px;
        flex: none;
        border-radius: 50%;
        border: 1px solid var(--_border);
        font-size: 0.8em;
        color: var(--_muted);
      }
      [part='step-link'][aria-current='step'] {
        background: var(--_bg);
        font-weight: 600;
        box-shadow: inset 3px 0 0 var(--_accent);
      }
      [part='step-link'][aria-current='step'] .n {
        background: var(--_accent);
        border-color: var(--_accent);
        color: var(--_accent-text);
      }
      [part='panel'] {
        padding: calc(var(--_space) * 1.5);
        display: grid;
        gap: var(--_space);
        align-content: start;
        min-width: 0;
      }
      .step-head h3 {
        font-size: 1.2em;
        margin: 0 0 4px;
        outline: none;
      }
      .step-head p {
        margin: 0;
        color: var(--_muted);
        max-width: 70ch;
      }
      .card {
        background: var(--_bg);
        border: 1px solid var(--_border);
        border-radius: var(--_radius);
        padding: var(--_space);
        display: grid;
        gap: 10px;
        min-width: 0;
      }
      .card-head {
        display: flex;
        gap: 8px;
        align-items: center;
        justify-content: space-between;
        flex-wrap: wrap;
      }
      .card-head h4 {
        margin: 0;
        font-size: 1em;
      }
      .grid-2 {
        display: grid;
        gap: var(--_space);
        grid-template-columns: repeat(auto-fit, minmax(min(100%, 260px), 1fr));
      }
      [part='field'] {
        display: grid;
        gap: 4px;
        min-width: 0;
      }
      [part='field'] > label,
      .legend {
        font-weight: 600;
        font-size: 0.92em;
      }
      .hint {
        font-size: 0.85em;
        color: var(--_muted);
      }
      textarea {
        resize: vertical;
        min-height: 4.5em;
      }
      textarea.mono {
        font-family: var(--_mono);
        font-size: 0.88em;
      }
      .field-error {
        color: var(--_danger);
        font-size: 0.85em;
        margin: 0;
      }
      [aria-invalid='true'] {
        border-color: var(--_danger);
      }
      fieldset {
        border: 0;
        margin: 0;
        padding: 0;
        min-width: 0;
      }
      .checks {
        display: grid;
        gap: 2px 12px;
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 220px), 1fr));
        margin-top: 4px;
      }
      .check {
        display: flex;
        gap: 8px;
        align-items: flex-start;
        padding: 4px 6px;
        border-radius: var(--_radius);
        font-size: 0.93em;
      }
      .check input {
        width: auto;
        margin-top: 3px;
      }
      .check .owner {
        color: var(--_muted);
        font-size: 0.88em;
      }
      .check[data-overlap] {
        background: color-mix(in srgb, var(--_warning) 14%, transparent);
        outline: 1px solid var(--_warning);
      }
      [part='overlap'] {
        display: block;
        color: var(--_warning);
        font-size: 0.85em;
        font-weight: 600;
      }
      .swatches {
        display: flex;
        gap: 6px;
        flex-wrap: wrap;
      }
      .swatch {
        width: 28px;
        height: 28px;
        border-radius: 6px;
        border: 1px solid var(--_border);
      }
      .stream {
        white-space: pre-wrap;
        font-family: var(--mt-font-family-mono, ui-monospace, SFMono-Regular, Menlo, monospace);
        font-size: 0.85em;
        max-height: 16rem;
        overflow: auto;
        padding: calc(var(--_space) * 1.5);
        border: 1px dashed var(--_border);
        border-radius: var(--_radius);
        background: var(--_surface);
        overflow-wrap: anywhere;
      }
      .intake-fields {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: var(--_space);
      }
      [part='intake-review'] > .row {
        margin-top: var(--_space);
      }
      .intake-fields li {
        display: grid;
        grid-template-columns: auto minmax(7rem, 10rem) 1fr;
        align-items: start;
        gap: 4px var(--_space);
        padding: var(--_space) 0 0;
        border-top: 1px solid var(--_border);
      }
      .intake-fields input[type='checkbox'] {
        margin: 3px 0 0;
      }
      .intake-fields .intake-name {
        margin: 0;
        font-weight: 600;
      }
      .intake-value {
        display: grid;
        gap: 4px;
        color: var(--_muted);
        min-width: 0;
      }
      .intake-value .value {
        white-space: pre-line;
        overflow-wrap: anywhere;
        max-height: 8rem;
        overflow: auto;
      }
      @media (max-width: 600px) {
        .intake-fields li {
          grid-template-columns: auto 1fr;
        }
        .intake-value {
          grid-column: 2;
        }
      }
      .notice {
        border: 1px solid var(--_warning);
        border-left-width: 4px;
        border-radius: var(--_radius);
        padding: 8px 12px;
        background: var(--_bg);
      }
      [part='problems'],
      [part='conflict'] {
        border: 1px solid var(--_danger);
        border-left-width: 4px;
        border-radius: var(--_radius);
        padding: 10px 12px;
        background: var(--_bg);
        display: grid;
        gap: 6px;
      }
      [part='problems'] ul {
        margin: 0;
        padding-left: 1.2em;
      }
      [part='problems'] button {
        border: 0;
        background: none;
        padding: 0;
        min-height: 0;
        color: var(--_accent);
        text-decoration: underline;
        text-align: left;
      }
      [part='conflict'] strong {
        color: var(--_danger);
      }
      .row {
        display: flex;
        gap: 8px;
        flex-wrap: wrap;
        align-items: center;
      }
      .banner-area {
        padding: var(--_space) calc(var(--_space) * 1.25) 0;
        display: grid;
        gap: 8px;
      }
      .banner-area:empty {
        display: none;
      }
      [part='history'] ol {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 4px;
      }
      [part='history'] li {
        display: flex;
        justify-content: space-between;
        gap: 8px;
        align-items: center;
        flex-wrap: wrap;
        padding: 6px 0;
        border-bottom: 1px solid var(--_border);
      }
      .skills-layout {
        display: grid;
        gap: var(--_space);
        grid-template-columns: 220px minmax(0, 1fr);
        align-items: start;
      }
      [part='skill-list'] ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 2px;
      }
      [part='skill-list'] button {
        width: 100%;
        text-align: left;
        border-color: transparent;
        background: transparent;
        display: grid;
        gap: 0;
        padding: 6px 10px;
      }
      [part='skill-list'] button[aria-current='true'] {
        background: var(--_bg);
        border-color: var(--_accent);
      }
      [part='skill-list'] .kind {
        font-size: 0.8em;
        color: var(--_muted);
      }
      [part='reference'] {
        border-style: dashed;
      }
      [part='route-result'] {
        border-left: 4px solid var(--_accent);
      }
      [part='route-result'] .who {
        font-weight: 600;
        font-size: 1.05em;
      }
      .chips {
        display: flex;
        gap: 4px;
        flex-wrap: wrap;
      }
      .footer-nav {
        display: flex;
        justify-content: space-between;
        gap: 8px;
        padding-top: 4px;
      }
      .error-text {
        color: var(--_danger);
      }
      @container (max-width: 720px) {
        .layout {
          grid-template-columns: minmax(0, 1fr);
          min-height: 0;
        }
        [part='nav'] {
          border-right: 0;
          border-bottom: 1px solid var(--_border);
          padding: 6px;
          overflow-x: auto;
        }
        [part='nav'] ol {
          display: flex;
          gap: 4px;
        }
        [part='step-link'] {
          white-space: nowrap;
          padding: 6px 8px;
        }
        [part='step-link'][aria-current='step'] {
          box-shadow: inset 0 -3px 0 var(--_accent);
        }
        [part='step-link']:not([aria-current='step']) .label {
          position: absolute;
          width: 1px;
          height: 1px;
          overflow: hidden;
          clip: rect(0 0 0 0);
          white-space: nowrap;
        }
        [part='panel'] {
          padding: var(--_space);
        }
        .skills-layout {
          grid-template-columns: minmax(0, 1fr);
        }
        [part='skill-list'] ul {
          display: flex;
          overflow-x: auto;
          gap: 4px;
          padding-bottom: 4px;
        }
        [part='skill-list'] button {
          white-space: nowrap;
          border-color: var(--_border);
        }
      }
    `,
  ];

  /** Base URL of the server's marketing-team handler (for example `/mt`); the API is `<endpoint>/workspaces`. */
  declare endpoint: string | undefined;
  /** The workspace (customer) being edited. */
  declare workspace: string | undefined;
  /** A token with the `admin` capability for the workspace; use `getToken` to refresh tokens instead. */
  declare token: string | undefined;
  /** How the studio follows its session: `websocket`, `sse` or `auto` (the default: WebSocket, SSE when refused). */
  declare transport: 'websocket' | 'sse' | 'auto' | undefined;
  /** `light` or `dark`; follows the system preference when absent. */
  declare theme: 'light' | 'dark' | undefined;
  /** The step shown; set it to open another one. Defaults to Brand for a new workspace, Team for a saved one. */
  declare step: StudioStep | undefined;
  /** Fetches a fresh admin token for the workspace. */
  declare getToken: ((workspace: string) => string | Promise<string>) | undefined;
  /** Replacement strings, merged over the defaults. */
  declare strings: Partial<StudioStrings> | undefined;

  declare private loadState: 'idle' | 'loading' | 'ready' | 'failed';
  declare private loadError: string | undefined;
  declare private current: StudioWorkspaceVersion | undefined;
  declare private draft: WorkspaceDocument;
  declare private dirty: boolean;
  declare private saving: boolean;
  declare private conflict: { currentVersion: number | undefined } | undefined;
  declare private historyOpen: boolean;
  declare private versions: StudioVersionSummary[] | undefined;
  declare private announcement: string;
  declare private selectedSkill: number;
  declare private routeText: string;
  declare private routeResult: { decision?: RoutingDecision; error?: string } | undefined;
  declare private remoteSave: { version: number; by: string } | undefined;
  declare private intakeFiles: File[];
  declare private intakePasted: string;
  declare private intakeStarting: boolean;
  declare private intakeError: string | undefined;
  declare private intakeUnticked: Set<IntakeField>;

  private api: WorkspaceApi | undefined;
  private loadedFor = '';
  private analyses = new Map<string, AnalysisDraft>();
  /** The workspace's studio session: drafts stream there and other editors' saves are announced. */
  private readonly live = new SessionController(this);
  private liveClient: { endpoint: string; transport: string | undefined; client: SessionClient } | undefined;
  private seenState: unknown;
  /** Drafts whose result was taken into the form (or dismissed), so a later state does not bring them back. */
  private usedDrafts = new Set<string>();
  private remoteSeen = 0;
  private issueCache: { draft: WorkspaceDocument; issues: TeamDefinitionIssue[] } | undefined;

  constructor() {
    super();
    this.loadState = 'idle';
    this.draft = sampleWorkspace();
    this.dirty = false;
    this.saving = false;
    this.historyOpen = false;
    this.announcement = '';
    this.selectedSkill = 0;
    this.routeText = '';
    this.intakeFiles = [];
    this.intakePasted = '';
    this.intakeStarting = false;
    this.intakeUnticked = new Set();
  }

  private get s(): StudioStrings {
    return resolveStudioStrings(this.strings);
  }

  /** The document being edited (read-only; edit it through the studio). */
  get document(): WorkspaceDocument {
    return this.draft;
  }

  /** The saved version the editor started from, if any. */
  get savedVersion(): number | undefined {
    return this.current?.version;
  }

  /** True while there are changes not saved yet. */
  get hasUnsavedChanges(): boolean {
    return this.dirty || !this.current;
  }

  /** Every problem of the draft that would stop a save, each naming its field. */
  get issues(): TeamDefinitionIssue[] {
    if (this.issueCache?.draft !== this.draft) this.issueCache = { draft: this.draft, issues: workspaceIssues(this.draft) };
    return this.issueCache.issues;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('endpoint') || changed.has('workspace') || changed.has('token') || changed.has('getToken')) {
      const key = `${this.endpoint ?? ''}|${this.workspace ?? ''}`;
      if (this.endpoint && this.workspace && (this.token || this.getToken) && key !== this.loadedFor) {
        this.loadedFor = key;
        const workspace = this.workspace;
        this.api = new WorkspaceApi(this.endpoint, workspace, async () => (this.getToken ? await this.getToken(workspace) : (this.token ?? '')));
        void this.reload();
      }
    }
    const names = changed as Map<PropertyKey, unknown>;
    if (['endpoint', 'workspace', 'token', 'getToken', 'transport'].some((name) => names.has(name))) this.bindLive();
    if ((this.live.state !== this.seenState || names.has('loadState')) && this.followLive()) this.seenState = this.live.state;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.liveClient?.client.close();
    this.liveClient = undefined;
    window.removeEventListener('beforeunload', this.onBeforeUnload);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated) this.bindLive();
    window.addEventListener('beforeunload', this.onBeforeUnload);
  }

  /** Leaving or reloading the page with unsaved edits asks first (the browser's own prompt). */
  private onBeforeUnload = (event: BeforeUnloadEvent): void => {
    if (!this.dirty) return;
    event.preventDefault();
    // Older browsers need a return value to show the prompt.
    event.returnValue = '';
  };

  /** Follows the workspace's studio session with the studio's own client (one per endpoint and transport). */
  private bindLive(): void {
    const { endpoint, workspace } = this;
    if (!endpoint || !workspace || !(this.token || this.getToken) || !this.isConnected) return this.live.bind(undefined);
    if (!this.liveClient || this.liveClient.endpoint !== endpoint || this.liveClient.transport !== this.transport) {
      this.liveClient?.client.close();
      const url = `${endpoint.replace(/\/+$/, '')}/ws`;
      this.liveClient = { endpoint, transport: this.transport, client: new SessionClient({ url, ...(this.transport ? { transport: this.transport } : {}) }) };
    }
    const auth = this.getToken ? { getToken: this.tokenForLive } : { token: this.token ?? '' };
    this.live.bind({ client: this.liveClient.client, session: studioSessionId(workspace), auth });
  }

  /** The same token as the API's, for the studio session (stable, so rebinding is a no-op). */
  private tokenForLive = async (): Promise<string> => (this.getToken && this.workspace ? await this.getToken(this.workspace) : (this.token ?? ''));

  /**
   * Takes what the studio session brought: finished analyses into their skill's report field,
   * failures into the skill's error, and saves by other editors (loaded at once when nothing is
   * unsaved here, else offered). History found at load counts only when it is newer than the
   * version loaded, so an analysis finished while this page was away still arrives.
   */
  private followLive(): boolean {
    const state = this.live.state;
    if (!state || this.loadState !== 'ready' || !this.live.caughtUp) return false;
    const savedAt = this.current?.savedAt ?? 0;
    for (const skill of this.draft.skills) {
      const view = latestDraft(state, (draft) => draft.kind === 'reference-analysis' && draft.skill === skill.name);
      if (!view || this.usedDrafts.has(view.runId)) continue;
      const analysis = this.analysisFor(skill);
      if (!draftEnded(view)) continue;
      if (analysis.requested === view.runId) analysis.requested = undefined;
      this.usedDrafts.add(view.runId);
      // ended before the version loaded here was saved: already part of it (or dropped by its editor)
      if ((state.runs[view.runId]?.endedAt ?? 0) < savedAt) continue;
      if (view.status === 'completed' && view.result?.kind === 'reference-analysis') {
        analysis.report = view.result.report;
        analysis.templateHash = view.result.templateHash;
        analysis.error = undefined;
        this.announcement = this.s.reportHeading;
      } else if (view.status === 'failed' || view.status === 'interrupted') {
        analysis.error = this.s.analysisFailed(view.error ?? view.status);
      }
    }
    const saved = state.workspace;
    if (saved && !this.saving && saved.version > (this.current?.version ?? 0) && saved.version !== this.remoteSeen) {
      this.remoteSeen = saved.version;
      const by = saved.by.kind === 'human' ? (saved.by.name ?? saved.by.id) : this.s.someoneElse;
      if (!this.dirty) {
        void this.reload().then(() => (this.announcement = this.s.remoteLoaded(saved.version, by)));
      } else {
        this.remoteSave = { version: saved.version, by };
      }
    }
    return true;
  }

  /** Loads the latest saved version, dropping unsaved changes; a workspace with none starts from the sample. */
  async reload(): Promise<void> {
    if (!this.api) return;
    this.loadState = 'loading';
    this.loadError = undefined;
    try {
      const latest = await this.api.latest();
      this.current = latest;
      this.draft = latest ? latest.document : sampleWorkspace();
      this.dirty = false;
      this.conflict = undefined;
      this.remoteSave = undefined;
      this.remoteSeen = Math.max(this.remoteSeen, latest?.version ?? 0);
      this.analyses.clear();
      this.selectedSkill = 0;
      this.versions = undefined;
      if (this.historyOpen) void this.loadHistory();
      // A returning editor lands on their team; a new one starts with the brand.
      this.step ??= latest ? 'team' : 'brand';
      this.loadState = 'ready';
    } catch (error) {
      this.loadState = 'failed';
      this.loadError = this.messageOf(error);
      this.fail('load', error);
    }
  }

  /**
   * Saves the draft on top of the version it started from. Resolves with the new version, or
   * `undefined` when it was refused (problems in the draft, or another editor saved first: the
   * conflict banner then offers to reload their version or overwrite it).
   */
  async save(options: { overwrite?: boolean } = {}): Promise<number | undefined> {
    // A field read on `change` still holds what was typed (Ctrl+S while typing): take it first.
    const focused = (this.renderRoot as ShadowRoot).activeElement;
    if (focused instanceof HTMLInputElement || focused instanceof HTMLTextAreaElement) focused.blur();
    if (!this.api || this.saving || this.issues.length > 0) return undefined;
    this.saving = true;
    try {
      let etag: string | null = this.current?.etag ?? null;
      if (options.overwrite) {
        // Overwriting is an explicit choice: save on top of whatever is latest now.
        etag = (await this.api.latest())?.etag ?? null;
      }
      const saved = await this.api.save(this.draft, etag);
      this.current = saved;
      this.draft = saved.document;
      this.dirty = false;
      this.conflict = undefined;
      this.remoteSave = undefined;
      this.remoteSeen = Math.max(this.remoteSeen, saved.version);
      this.announcement = this.s.saved(saved.version);
      if (this.historyOpen) void this.loadHistory();
      this.dispatch<StudioSavedDetail>('mt-studio-saved', { workspace: saved.workspaceId, version: saved.version, etag: saved.etag });
      return saved.version;
    } catch (error) {
      if (error instanceof WorkspaceApiError && error.status === 409) {
        this.conflict = { currentVersion: error.currentVersion };
        this.announcement = this.s.conflictBody(error.currentVersion);
        this.dispatch<StudioConflictDetail>('mt-studio-conflict', { workspace: this.workspace ?? '', currentVersion: error.currentVersion });
        await this.updateComplete;
        this.renderRoot.querySelector<HTMLElement>('[part="conflict"] button')?.focus();
      } else {
        this.fail('save', error);
      }
      return undefined;
    } finally {
      this.saving = false;
    }
  }

  /** Saves version `version`'s content as a new version (history only grows). */
  async rollback(version: number): Promise<number | undefined> {
    if (!this.api || !this.current || this.saving) return undefined;
    // saving: the announcement of this very version may arrive before the answer does
    this.saving = true;
    try {
      const saved = await this.api.rollback(version, this.current.etag);
      this.current = saved;
      this.draft = saved.document;
      this.dirty = false;
      this.conflict = undefined;
      this.remoteSave = undefined;
      this.remoteSeen = Math.max(this.remoteSeen, saved.version);
      this.analyses.clear();
      this.announcement = this.s.restored(version, saved.version);
      void this.loadHistory();
      this.dispatch<StudioSavedDetail>('mt-studio-saved', { workspace: saved.workspaceId, version: saved.version, etag: saved.etag });
      return saved.version;
    } catch (error) {
      if (error instanceof WorkspaceApiError && error.status === 409) {
        this.conflict = { currentVersion: error.currentVersion };
        this.announcement = this.s.conflictBody(error.currentVersion);
      } else {
        this.fail('rollback', error);
      }
      return undefined;
    } finally {
      this.saving = false;
    }
  }

  private async loadHistory(): Promise<void> {
    if (!this.api) return;
    try {
      this.versions = this.current ? await this.api.versions() : [];
    } catch (error) {
      this.fail('history', error);
    }
  }

  private messageOf(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
  }

  private fail(action: StudioErrorDetail['action'], error: unknown): void {
    const message = this.messageOf(error);
    if (action !== 'load') this.announcement = message;
    this.dispatch<StudioErrorDetail>('mt-error', { action, message, error });
  }

  private dispatch<T>(type: string, detail: T): void {
    this.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: true, composed: true }));
  }

  /** Applies an edit to a copy of the draft (the saved version stays as it was). */
  private edit(change: (doc: WorkspaceDocument) => void): void {
    const next = structuredClone(this.draft) as WorkspaceDocument;
    change(next);
    this.draft = next;
    this.dirty = true;
    this.routeResult = undefined;
  }

  private editBrand(change: (brand: { -readonly [K in keyof Brand]: Brand[K] }) => void): void {
    this.edit((doc) => {
      doc.brand ??= structuredClone(sampleBrand) as Brand;
      change(doc.brand as { -readonly [K in keyof Brand]: Brand[K] });
    });
  }

  private goTo(step: StudioStep): void {
    this.step = step;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('.step-head h3')?.focus());
  }

  /** Opens the step of a problem and puts the focus on its field, when the step shows one. */
  private goToIssue(path: string): void {
    this.step = this.stepOfIssue(path);
    const skill = /^skills\[(\d+)\]/.exec(path);
    if (skill) this.selectedSkill = Number(skill[1]);
    void this.updateComplete.then(() => {
      const field = this.renderRoot.querySelector<HTMLElement>(`#${idOf(path)}`) ?? this.renderRoot.querySelector<HTMLElement>(`#${idOf(path.replace(/\[\d+\]$/, ''))}`);
      (field ?? this.renderRoot.querySelector<HTMLElement>('.step-head h3'))?.focus();
    });
  }

  private issuesAt(path: string): string[] {
    return this.issues.filter((issue) => issue.path === path || issue.path.startsWith(`${path}.`) || issue.path.startsWith(`${path}[`)).map((issue) => issue.message);
  }

  private stepOfIssue(path: string): StudioStep {
    if (path.startsWith('brand')) return 'brand';
    if (path.startsWith('functions')) return 'functions';
    if (path.startsWith('skills')) return 'skills';
    if (path.startsWith('agents')) return 'agents';
    return 'team';
  }

  private onKeydown = (event: KeyboardEvent): void => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 's') {
      event.preventDefault();
      void this.save();
    }
  };

  // ---- rendering -------------------------------------------------------------------------

  protected override render(): TemplateResult {
    const s = this.s;
    return html`<div part="root" @keydown=${this.onKeydown}>
      ${this.renderHeader()}
      <p class="visually-hidden" role="status" aria-live="polite">${this.announcement}</p>
      ${this.loadState === 'failed'
        ? html`<div class="banner-area"><div part="problems" role="alert">
            <span>${s.loadFailed(this.loadError ?? '')}</span>
            <div class="row"><button @click=${() => void this.reload()}>${s.retry}</button></div>
          </div></div>`
        : this.loadState !== 'ready'
          ? html`<p class="muted" style="padding: var(--_space)">${s.loading}</p>`
          : html`<div class="banner-area">${this.renderConflict()}${this.renderRemoteSave()}${this.renderHistory()}</div>
              <div class="layout">${this.renderNav()}
                <div part="panel" id="panel">${this.renderStep()}${this.renderFooterNav()}</div>
              </div>`}
    </div>`;
  }

  private renderHeader(): TemplateResult {
    const s = this.s;
    const brand = this.draft.brand;
    const isSample = !brand || brand.name === sampleBrand.name;
    const issues = this.issues.length;
    const state = this.hasUnsavedChanges ? 'unsaved' : 'saved';
    return html`<header part="header">
      <div class="title">
        <h2>${s.title}</h2>
        <span class="brand-name">${brand?.name ?? sampleBrand.name}</span>
        ${isSample ? html`<span class="badge" part="sample-badge">${s.sampleBadge}</span>` : nothing}
        ${this.loadState === 'ready'
          ? html`<span class="badge" part="status" data-state=${state}
              >${this.hasUnsavedChanges ? (this.current ? s.unsaved : s.notSavedYet) : s.savedVersion(this.current!.version)}</span
            >`
          : nothing}
      </div>
      <div class="actions">
        <button
          aria-expanded=${this.historyOpen ? 'true' : 'false'}
          ?disabled=${this.loadState !== 'ready'}
          @click=${() => {
            this.historyOpen = !this.historyOpen;
            if (this.historyOpen) void this.loadHistory();
          }}
        >
          ${s.history}
        </button>
        <button
          class="primary"
          part="save"
          ?disabled=${this.loadState !== 'ready' || this.saving || issues > 0 || !this.hasUnsavedChanges}
          title=${issues > 0 ? s.problems(issues) : ''}
          @click=${() => void this.save()}
        >
          ${this.saving ? s.saving : s.save}
        </button>
      </div>
    </header>`;
  }

  /** Another editor saved while this one has unsaved edits: load theirs, or keep editing (a save then conflicts). */
  private renderRemoteSave(): TemplateResult | typeof nothing {
    const remote = this.remoteSave;
    if (!remote || this.conflict) return nothing;
    const s = this.s;
    return html`<div part="conflict remote-save" role="status">
      <span>${s.remoteSaved(remote.version, remote.by)}</span>
      <div class="row">
        <button class="primary" data-action="load-remote" @click=${() => void this.reload()}>${s.remoteLoad}</button>
        <button data-action="keep-mine" @click=${() => (this.remoteSave = undefined)}>${s.remoteKeep}</button>
      </div>
    </div>`;
  }

  private renderConflict(): TemplateResult | typeof nothing {
    if (!this.conflict) return nothing;
    const s = this.s;
    return html`<div part="conflict" role="alert">
      <strong>${s.conflictTitle}</strong>
      <span>${s.conflictBody(this.conflict.currentVersion)}</span>
      <div class="row">
        <button class="primary" data-action="reload-theirs" @click=${() => void this.reload()}>${s.reloadTheirs}</button>
        <button class="danger" data-action="overwrite" @click=${() => void this.save({ overwrite: true })}>${s.overwrite}</button>
      </div>
    </div>`;
  }

  private renderHistory(): TemplateResult | typeof nothing {
    if (!this.historyOpen) return nothing;
    const s = this.s;
    return html`<section part="history" class="card" aria-labelledby="history-heading">
      <div class="card-head">
        <h4 id="history-heading">${s.historyHeading}</h4>
        <button @click=${() => (this.historyOpen = false)}>${s.close}</button>
      </div>
      ${this.versions === undefined
        ? html`<p class="muted">${s.loading}</p>`
        : this.versions.length === 0
          ? html`<p class="muted">${s.notSavedYet}</p>`
          : html`<ol>
              ${this.versions.map(
                (version) => html`<li data-version=${version.version}>
                  <span>${s.versionLine(version.version, new Date(version.savedAt), version.savedBy)}</span>
                  ${version.version === this.current?.version
                    ? html`<span class="badge">${s.current}</span>`
                    : html`<button data-action="restore" @click=${() => void this.rollback(version.version)}>${s.restore(version.version)}</button>`}
                </li>`,
              )}
            </ol>`}
    </section>`;
  }

  private renderNav(): TemplateResult {
    const s = this.s;
    return html`<nav part="nav" aria-label=${s.stepsLabel}>
      <ol>
        ${STUDIO_STEPS.map(
          (step, index) => html`<li>
            <button
              part="step-link"
              data-step=${step}
              aria-current=${this.step === step ? 'step' : 'false'}
              aria-controls="panel"
              @click=${() => this.goTo(step)}
            >
              <span class="n" aria-hidden="true">${index + 1}</span><span class="label">${s.steps[step]}</span>
            </button>
          </li>`,
        )}
      </ol>
    </nav>`;
  }

  private renderFooterNav(): TemplateResult {
    const index = STUDIO_STEPS.indexOf(this.step ?? 'brand');
    const previous = STUDIO_STEPS[index - 1];
    const next = STUDIO_STEPS[index + 1];
    return html`<div class="footer-nav">
      ${previous ? html`<button data-action="back" @click=${() => this.goTo(previous)}>${this.s.back}</button>` : html`<span></span>`}
      ${next ? html`<button data-action="next" @click=${() => this.goTo(next)}>${this.s.next(this.s.steps[next])}</button>` : nothing}
    </div>`;
  }

  private renderStep(): TemplateResult {
    const step = this.step ?? 'brand';
    const s = this.s;
    const head = html`<div class="step-head">
      <h3 tabindex="-1">${s.steps[step]}</h3>
      <p>${s.stepHints[step]}</p>
    </div>`;
    const body =
      step === 'brand'
        ? this.renderBrand()
        : step === 'functions'
          ? this.renderFunctions()
          : step === 'skills'
            ? this.renderSkills()
            : step === 'agents'
              ? this.renderAgents()
              : step === 'team'
                ? this.renderTeam()
                : this.renderTry();
    return html`${head}${this.renderProblems()}${body}`;
  }

  private renderProblems(): TemplateResult | typeof nothing {
    const issues = this.issues;
    if (issues.length === 0) return nothing;
    const s = this.s;
    return html`<div part="problems" role="region" aria-label=${s.problems(issues.length)}>
      <strong>${s.problems(issues.length)}</strong>
      <ul>
        ${issues.slice(0, 6).map(
          (issue) =>
            html`<li data-path=${issue.path}>
              <button @click=${() => this.goToIssue(issue.path)}>${s.steps[this.stepOfIssue(issue.path)]}</button>
              <span>${issue.path ? `${issueLocation(issue.path, this.draft, s)}: ` : ''}${issue.message}</span>
            </li>`,
        )}
      </ul>
    </div>`;
  }

  /** A labelled input or textarea with its hint and the draft's problems at `path`. */
  private field(
    label: string,
    path: string,
    value: string,
    onValue: (value: string) => void,
    options: { multiline?: boolean; rows?: number; hint?: string; mono?: boolean; commit?: 'input' | 'change'; placeholder?: string } = {},
  ): TemplateResult {
    const id = idOf(path);
    const errors = this.issuesAt(path);
    const described = [options.hint ? `${id}-hint` : '', errors.length ? `${id}-error` : ''].filter(Boolean).join(' ');
    const handler = (event: Event) => onValue((event.target as HTMLInputElement | HTMLTextAreaElement).value);
    const commit = options.commit ?? 'input';
    // A field read on `change` (lists, names) is parsed when it loses focus; typing in it already
    // counts as a change, so Save is enabled before the click that takes the focus away.
    const typing = () => {
      if (!this.dirty) this.dirty = true;
    };
    return html`<div part="field" data-field=${path}>
      <label for=${id}>${label}</label>
      ${options.multiline
        ? html`<textarea
            id=${id}
            class=${options.mono ? 'mono' : ''}
            rows=${options.rows ?? 4}
            .value=${value}
            placeholder=${options.placeholder ?? ''}
            aria-invalid=${errors.length ? 'true' : 'false'}
            aria-describedby=${described || nothing}
            @input=${commit === 'input' ? handler : typing}
            @change=${commit === 'change' ? handler : null}
          ></textarea>`
        : html`<input
            id=${id}
            .value=${value}
            placeholder=${options.placeholder ?? ''}
            aria-invalid=${errors.length ? 'true' : 'false'}
            aria-describedby=${described || nothing}
            @input=${commit === 'input' ? handler : typing}
            @change=${commit === 'change' ? handler : null}
          />`}
      ${options.hint ? html`<span class="hint" id="${id}-hint">${options.hint}</span>` : nothing}
      ${errors.length ? html`<p class="field-error" id="${id}-error">${errors.join('; ')}</p>` : nothing}
    </div>`;
  }

  private renderBrand(): TemplateResult {
    const s = this.s;
    const brand = this.draft.brand ?? sampleBrand;
    const isSample = brand.name === sampleBrand.name;
    // Once the brand is the marketer's own, any field still holding the sample's text is named,
    // so a drafted or half-edited brand never ships a sample's claims silently.
    const sampleLeft = isSample
      ? []
      : BRAND_FIELDS.filter((field) => {
          const value = (brand as Record<string, unknown>)[field];
          const sample = (sampleBrand as Record<string, unknown>)[field];
          return value !== undefined && JSON.stringify(value) === JSON.stringify(sample) && !(Array.isArray(value) && value.length === 0);
        });
    const sampleHint = (field: BrandField, hint?: string) => (sampleLeft.includes(field) ? s.sampleField : hint);
    return html`
      ${isSample ? html`<p class="notice" part="sample-notice"><span class="badge" part="sample-badge">${s.sampleBadge}</span> ${s.sampleNotice}</p>` : nothing}
      ${sampleLeft.length > 0
        ? html`<p class="notice" part="sample-notice" data-sample-left=${sampleLeft.join(' ')}><span class="badge" part="sample-badge">${s.sampleBadge}</span> ${s.sampleLeft(sampleLeft.map((field) => brandFieldLabel(s, field)).join(', '))}</p>`
        : nothing}
      ${renderBrandIntake({
        strings: s,
        files: this.intakeFiles,
        pasted: this.intakePasted,
        view: this.intakeView(),
        starting: this.intakeStarting,
        error: this.intakeError,
        unticked: this.intakeUnticked,
        onFiles: (files) => (this.intakeFiles = files),
        onPasted: (text) => (this.intakePasted = text),
        onStart: () => void this.startIntake(),
        onCancel: (runId) => this.cancelDraft(runId),
        onToggle: (field, on) => {
          const next = new Set(this.intakeUnticked);
          if (on) next.delete(field);
          else next.add(field);
          this.intakeUnticked = next;
        },
        onApply: (brand, fields) => {
          const view = this.intakeView();
          if (view) this.applyIntake(view.runId, brand, fields);
        },
        onDiscard: (runId) => this.settleDraft(runId, 'dismissed'),
      })}
      <div class="card">
        <div class="grid-2">
          ${this.field(s.brandName, 'brand.name', brand.name, (value) => this.editBrand((b) => (b.name = value)))}
          ${this.field(s.website, 'brand.website', brand.website ?? '', (value) =>
            this.editBrand((b) => {
              if (value.trim()) b.website = value.trim();
              else delete (b as { website?: string }).website;
            }),
            { hint: sampleHint('website') },
          )}
        </div>
        ${this.field(s.voiceGuide, 'brand.voiceGuide', brand.voiceGuide, (value) => this.editBrand((b) => (b.voiceGuide = value)), { multiline: true, rows: 5, hint: sampleHint('voiceGuide', s.voiceGuideHint) })}
        ${this.field(s.styleGuide, 'brand.styleGuide', brand.styleGuide, (value) => this.editBrand((b) => (b.styleGuide = value)), { multiline: true, rows: 5, hint: sampleHint('styleGuide', s.styleGuideHint) })}
        <div class="grid-2">
          ${this.field(s.strategy, 'brand.strategy', brand.strategy, (value) => this.editBrand((b) => (b.strategy = value)), { multiline: true, hint: sampleHint('strategy') })}
          ${this.field(s.audience, 'brand.audience', brand.audience, (value) => this.editBrand((b) => (b.audience = value)), { multiline: true, hint: sampleHint('audience') })}
        </div>
        ${this.field(
          s.products,
          'brand.products',
          brand.products.map((product) => (product.description ? `${product.name}: ${product.description}` : product.name)).join('\n'),
          (value) =>
            this.editBrand((b) => {
              b.products = lines(value).map((line) => {
                const colon = line.indexOf(':');
                return colon === -1 ? { name: line, description: '' } : { name: line.slice(0, colon).trim(), description: line.slice(colon + 1).trim() };
              });
            }),
          { multiline: true, rows: 3, hint: sampleHint('products', s.productsHint), commit: 'change' },
        )}
        <div class="grid-2">
          ${this.field(s.bannedTerms, 'brand.bannedTerms', brand.bannedTerms.join('\n'), (value) => this.editBrand((b) => (b.bannedTerms = lines(value))), {
            multiline: true,
            rows: 3,
            hint: sampleHint('bannedTerms', s.bannedTermsHint),
            commit: 'change',
          })}
          ${this.field(s.disclaimers, 'brand.requiredDisclaimers', brand.requiredDisclaimers.join('\n'), (value) => this.editBrand((b) => (b.requiredDisclaimers = lines(value))), {
            multiline: true,
            rows: 3,
            hint: sampleHint('requiredDisclaimers', s.disclaimersHint),
            commit: 'change',
          })}
        </div>
        ${this.field(s.palette, 'brand.palette', brand.palette.join(' '), (value) => this.editBrand((b) => (b.palette = value.split(/[\s,]+/).filter(Boolean))), {
          hint: sampleHint('palette', s.paletteHint),
          commit: 'change',
        })}
        <div class="swatches" aria-hidden="true">
          ${brand.palette.filter((colour) => /^#[0-9a-fA-F]{6}$/.test(colour)).map((colour) => html`<span class="swatch" style="background:${colour}"></span>`)}
        </div>
      </div>
    `;
  }

  private renderFunctions(): TemplateResult {
    const s = this.s;
    const skills = this.draft.skills.map((skill) => skill.name);
    return html`
      ${this.draft.functions.map(
        (fn, f) => html`<section class="card" part="function" aria-labelledby=${`fn-${f}`}>
          <div class="card-head">
            <h4 id=${`fn-${f}`}>${fn.title}</h4>
            <button class="danger" @click=${() => this.edit((doc) => doc.functions.splice(f, 1))} aria-label=${`${s.remove}: ${fn.title}`}>${s.remove}</button>
          </div>
          <div class="grid-2">
            ${this.field(s.functionTitle, `functions[${f}].title`, fn.title, (value) =>
              this.edit((doc) => {
                doc.functions[f]!.title = value;
                // The name follows the title until it is saved, so new functions get a sensible slug.
                if (!this.current?.document.functions.some((saved) => saved.name === fn.name)) {
                  doc.functions[f]!.name = uniqueName(slug(value), doc.functions.filter((_, i) => i !== f).map((other) => other.name));
                }
              }),
            )}
            ${this.field(s.functionDescription, `functions[${f}].description`, fn.description, (value) => this.edit((doc) => (doc.functions[f]!.description = value)))}
          </div>
          <fieldset>
            <legend class="legend">${s.functionSkills}</legend>
            <div class="checks">
              ${skills.map(
                (name) => html`<label class="check">
                  <input
                    type="checkbox"
                    .checked=${fn.skills.includes(name)}
                    @change=${(event: Event) =>
                      this.edit((doc) => {
                        const list = doc.functions[f]!.skills;
                        const checked = (event.target as HTMLInputElement).checked;
                        doc.functions[f]!.skills = checked ? [...list, name] : list.filter((other) => other !== name);
                      })}
                  />
                  <span>${name}</span>
                </label>`,
              )}
            </div>
          </fieldset>
        </section>`,
      )}
      <div class="row">
        <button
          data-action="add-function"
          @click=${() =>
            this.edit((doc) =>
              doc.functions.push({ name: uniqueName('new-function', doc.functions.map((fn) => fn.name)), title: s.newFunctionTitle, description: '', skills: [] }),
            )}
        >
          ${s.addFunction}
        </button>
      </div>
    `;
  }

  private analysisFor(skill: WorkspaceSkill): AnalysisDraft {
    let draft = this.analyses.get(skill.name);
    if (!draft) {
      const reference = skill.references[0];
      draft = {
        templateName: reference?.name ?? `${skill.name}-template.md`,
        content: reference?.content ?? '',
        report: skill.referenceReport ?? '',
        templateHash: reference?.hash,
        requested: undefined,
        error: undefined,
      };
      this.analyses.set(skill.name, draft);
    }
    return draft;
  }

  private renameSkill(index: number, to: string): void {
    this.edit((doc) => {
      const from = doc.skills[index]!.name;
      doc.skills[index]!.name = to;
      for (const agent of doc.agents) agent.skills = agent.skills.map((name) => (name === from ? to : name));
      for (const fn of doc.functions) fn.skills = fn.skills.map((name) => (name === from ? to : name));
      for (const rule of doc.rules as Array<{ skill?: string }>) if (rule.skill === from) rule.skill = to;
      const analysis = this.analyses.get(from);
      if (analysis) {
        this.analyses.delete(from);
        this.analyses.set(to, analysis);
        // A template still under the name the studio made up follows the skill's new name.
        if (analysis.templateName === `${from}-template.md`) analysis.templateName = `${to}-template.md`;
      }
    });
  }

  /** The newest analysis draft of a skill in the studio session, if any. */
  private analysisView(skill: WorkspaceSkill): DraftView | undefined {
    return latestDraft(this.live.state, (draft) => draft.kind === 'reference-analysis' && draft.skill === skill.name);
  }

  /**
   * Reference-Based Method, step 1: the server's model analyses the pasted template in a durable
   * draft run; the report streams into the studio session and lands in the report field when done.
   */
  private async analyse(skill: WorkspaceSkill): Promise<void> {
    const analysis = this.analysisFor(skill);
    if (!this.api || analysis.requested) return;
    const runId = draftRunId(`analysis-${skill.name}`);
    analysis.requested = runId;
    analysis.error = undefined;
    this.requestUpdate();
    try {
      await this.api.startDraft({ runId, request: { kind: 'reference-analysis', template: { name: analysis.templateName, content: analysis.content }, skill: skill.name } });
    } catch (error) {
      analysis.requested = undefined;
      analysis.error = this.s.analysisFailed(withoutField(this.messageOf(error)));
      this.fail('analyse', error);
      this.requestUpdate();
    }
  }

  /** Stops a draft run (an analysis or a brand intake); the server records it as cancelled. */
  private cancelDraft(runId: string): void {
    void this.live.handle?.cancel(runId).catch((error: unknown) => this.fail('analyse', error));
  }

  /** Brand intake: the uploaded and pasted documents go to a durable draft run that drafts the brand kit. */
  private async startIntake(): Promise<void> {
    if (!this.api || this.intakeStarting) return;
    const form = new FormData();
    form.set('runId', draftRunId('intake'));
    for (const file of this.intakeFiles) form.append('documents', file, file.name);
    if (this.intakePasted.trim()) form.append('documents', this.intakePasted);
    this.intakeStarting = true;
    this.intakeError = undefined;
    this.intakeUnticked = new Set();
    // A new intake replaces the draft on screen, whatever becomes of it.
    const shown = this.intakeView();
    if (shown) this.usedDrafts.add(shown.runId);
    try {
      await this.api.startDraft(form);
    } catch (error) {
      this.intakeError = this.s.intakeFailed(withoutField(this.messageOf(error)));
      this.fail('intake', error);
    } finally {
      this.intakeStarting = false;
    }
  }

  /** The intake draft to show: the newest one, unless it was applied or dismissed, or predates the version loaded. */
  private intakeView(): DraftView | undefined {
    const view = latestDraft(this.live.state, (draft) => draft.kind === 'brand-intake');
    if (!view || this.usedDrafts.has(view.runId) || this.live.state?.runs[view.runId]?.draft?.settled) return undefined;
    const endedAt = this.live.state?.runs[view.runId]?.endedAt;
    if (endedAt !== undefined && this.current && endedAt < this.current.savedAt) return undefined;
    return view;
  }

  private applyIntake(runId: string, brand: BrandDraft, fields: IntakeField[]): void {
    this.editBrand((target) => {
      for (const field of fields) {
        const value = brand[field];
        if (value === undefined) continue;
        if (field === 'products') target.products = (value as NonNullable<BrandDraft['products']>).map((product) => ({ ...product }));
        else (target as Record<string, unknown>)[field] = Array.isArray(value) ? [...value] : value;
      }
    });
    this.settleDraft(runId, 'applied');
    this.announcement = this.s.intakeApplied(fields.length);
  }

  /** Stops offering a draft here at once and, through the studio session, on every editor's studio. */
  private settleDraft(runId: string, outcome: 'applied' | 'dismissed'): void {
    this.usedDrafts.add(runId);
    this.requestUpdate();
    void this.live.handle?.publish?.({ type: 'draft.settled', runId, outcome }).catch((error: unknown) => this.fail('intake', error));
  }

  /** Reference-Based Method, step 2: core writes the skill from the template and its report. */
  private writeSkill(index: number): void {
    const skill = this.draft.skills[index]!;
    const analysis = this.analysisFor(skill);
    try {
      const built = skillFromReference({
        name: skill.name,
        description: skill.description,
        output: skill.output,
        template: { name: analysis.templateName, content: analysis.content },
        report: { report: analysis.report, ...(analysis.templateHash && analysis.templateHash === templateHash({ name: analysis.templateName, content: analysis.content }) ? { templateHash: analysis.templateHash } : {}) },
      });
      this.edit((doc) => {
        const target = doc.skills[index]!;
        target.instructions = built.instructions;
        target.references = built.references.map((reference) => ({ ...reference }));
        target.referenceReport = built.referenceReport;
      });
      analysis.error = undefined;
      this.announcement = this.s.skillWritten(skill.name);
    } catch (error) {
      analysis.error = error instanceof TeamDefinitionError ? error.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ') : this.messageOf(error);
      this.requestUpdate();
    }
  }

  private renderSkills(): TemplateResult {
    const s = this.s;
    const skills = this.draft.skills;
    const index = Math.min(this.selectedSkill, Math.max(0, skills.length - 1));
    const skill = skills[index];
    const owned = new Set(this.draft.agents.flatMap((agent) => agent.skills));
    return html`<div class="skills-layout">
      <div part="skill-list" role="navigation" aria-label=${s.skillsListLabel}>
        <ul>
          ${skills.map(
            (item, i) => html`<li>
              <button aria-current=${i === index ? 'true' : 'false'} data-skill=${item.name} @click=${() => (this.selectedSkill = i)}>
                <span>${item.name}</span>
                <span class="kind">${s.deliverableKinds[item.output]}${this.draft.agents.length > 0 && !owned.has(item.name) ? ` · ${s.draftSkill}` : ''}</span>
              </button>
            </li>`,
          )}
        </ul>
        <button
          data-action="add-skill"
          style="margin-top:8px;width:100%"
          @click=${() => {
            this.edit((doc) =>
              doc.skills.push({
                name: uniqueName('new-skill', doc.skills.map((other) => other.name)),
                description: s.newSkillDescription,
                instructions: s.newSkillInstructions,
                output: 'social-posts',
                references: [],
              }),
            );
            this.selectedSkill = this.draft.skills.length - 1;
          }}
        >
          + ${s.addSkill}
        </button>
      </div>
      ${skill ? this.renderSkillEditor(skill, index) : nothing}
    </div>`;
  }

  private renderSkillEditor(skill: WorkspaceSkill, index: number): TemplateResult {
    const s = this.s;
    const analysis = this.analysisFor(skill);
    const view = this.analysisView(skill);
    const streaming = view !== undefined && !draftEnded(view) ? view : undefined;
    const busy = analysis.requested !== undefined || streaming !== undefined;
    const reference = skill.references[0];
    const stale = reference !== undefined && (reference.hash !== templateHash({ name: reference.name, content: analysis.content }) || reference.name !== analysis.templateName);
    const path = `skills[${index}]`;
    return html`<section class="card" part="skill" aria-labelledby="skill-heading" data-skill=${skill.name}>
      <div class="card-head">
        <h4 id="skill-heading">${skill.name}</h4>
        <button
          class="danger"
          @click=${() => {
            this.edit((doc) => {
              doc.skills.splice(index, 1);
              for (const agent of doc.agents) agent.skills = agent.skills.filter((name) => name !== skill.name);
              for (const fn of doc.functions) fn.skills = fn.skills.filter((name) => name !== skill.name);
            });
            this.selectedSkill = Math.max(0, index - 1);
          }}
        >
          ${s.remove}
        </button>
      </div>
      <div class="grid-2">
        ${this.field(s.skillName, `${path}.name`, skill.name, (value) => this.renameSkill(index, value.trim()), { commit: 'change' })}
        <div part="field">
          <label for="skill-output">${s.skillOutput}</label>
          <select id="skill-output" @change=${(event: Event) => this.edit((doc) => (doc.skills[index]!.output = (event.target as HTMLSelectElement).value as DeliverableKind))}>
            ${KINDS.map((kind) => html`<option value=${kind} ?selected=${kind === skill.output}>${s.deliverableKinds[kind]}</option>`)}
          </select>
        </div>
      </div>
      ${this.field(s.skillDescription, `${path}.description`, skill.description, (value) => this.edit((doc) => (doc.skills[index]!.description = value)), { multiline: true, rows: 2 })}
      <div class="card" part="reference">
        <div class="card-head">
          <h4>${s.referenceHeading}</h4>
          ${stale ? html`<span class="badge" style="color:var(--_warning);border-color:currentColor" title=${s.staleHint}>${s.stale}</span>` : nothing}
        </div>
        <p class="hint" style="margin:0">${s.referenceHint}</p>
        ${this.field(s.templateName, `reference.${skill.name}.name`, analysis.templateName, (value) => {
          analysis.templateName = value.trim();
          this.requestUpdate();
        })}
        ${this.field(
          s.templateContent,
          `reference.${skill.name}.content`,
          analysis.content,
          (value) => {
            analysis.content = value;
            this.requestUpdate();
          },
          { multiline: true, rows: 8, mono: true },
        )}
        <div class="row">
          <button class="primary" data-action="analyse" ?disabled=${busy || !analysis.content.trim() || !analysis.templateName} @click=${() => void this.analyse(skill)}>
            ${busy ? s.analysing : stale || analysis.report ? s.reanalyse : s.analyse}
          </button>
          ${streaming ? html`<button data-action="cancel-analysis" @click=${() => this.cancelDraft(streaming.runId)}>${s.cancelAnalysis}</button>` : nothing}
        </div>
        ${analysis.error ? html`<p class="error-text" role="alert">${analysis.error}</p>` : nothing}
        ${streaming
          ? html`<div part="report-stream" class="stream" role="region" aria-label=${s.analysisStreaming} aria-busy="true">${streaming.text}</div>`
          : analysis.report
          ? html`${this.field(
                s.report,
                `reference.${skill.name}.report`,
                analysis.report,
                (value) => {
                  analysis.report = value;
                  this.requestUpdate();
                },
                { multiline: true, rows: 10, mono: true },
              )}
              <div class="row">
                <button class="primary" data-action="write-skill" ?disabled=${!analysis.report.trim() || !analysis.content.trim()} @click=${() => this.writeSkill(index)}>
                  ${s.writeSkill}
                </button>
              </div>`
          : nothing}
      </div>
      ${this.field(s.skillInstructions, `${path}.instructions`, skill.instructions, (value) => this.edit((doc) => (doc.skills[index]!.instructions = value)), { multiline: true, rows: 6 })}
    </section>`;
  }

  private renderAgents(): TemplateResult {
    const s = this.s;
    const agents = this.draft.agents;
    // Who owns each skill and who produces each deliverable kind, so a double owner is flagged on
    // the row where it happens, before core's team check refuses the save.
    const owners = new Map<string, number[]>();
    const producers = new Map<DeliverableKind, number[]>();
    const outputOf = new Map(this.draft.skills.map((skill) => [skill.name, skill.output]));
    agents.forEach((agent, a) =>
      agent.skills.forEach((name) => {
        owners.set(name, [...(owners.get(name) ?? []), a]);
        const kind = outputOf.get(name);
        if (kind && !(producers.get(kind) ?? []).includes(a)) producers.set(kind, [...(producers.get(kind) ?? []), a]);
      }),
    );
    return html`
      ${agents.map((agent, a) => {
        const path = `agents[${a}]`;
        return html`<section class="card" part="agent" data-agent=${agent.name} aria-labelledby=${`agent-${a}`}>
          <div class="card-head">
            <h4 id=${`agent-${a}`}>${agent.title}</h4>
            <button class="danger" aria-label=${`${s.remove}: ${agent.title}`} @click=${() => this.edit((doc) => doc.agents.splice(a, 1))}>${s.remove}</button>
          </div>
          <div class="grid-2">
            ${this.field(s.agentTitle, `${path}.title`, agent.title, (value) => this.edit((doc) => (doc.agents[a]!.title = value)))}
            ${this.field(s.agentName, `${path}.name`, agent.name, (value) =>
              this.edit((doc) => {
                const from = doc.agents[a]!.name;
                doc.agents[a]!.name = value.trim();
                for (const rule of doc.rules as Array<{ agent: string }>) if (rule.agent === from) rule.agent = value.trim();
              }),
            { commit: 'change' })}
          </div>
          ${this.field(s.agentDescription, `${path}.description`, agent.description, (value) => this.edit((doc) => (doc.agents[a]!.description = value)), { multiline: true, rows: 2 })}
          ${this.field(s.agentPrompt, `${path}.systemPrompt`, agent.systemPrompt, (value) => this.edit((doc) => (doc.agents[a]!.systemPrompt = value)), { multiline: true, rows: 3 })}
          <fieldset>
            <legend class="legend">${s.agentSkills}</legend>
            <div class="checks">
              ${this.draft.skills.map((skill) => {
                const ownerIndexes = owners.get(skill.name) ?? [];
                const mine = agent.skills.includes(skill.name);
                const others = ownerIndexes.filter((other) => other !== a).map((other) => agents[other]!.title);
                const kindOthers = mine ? (producers.get(skill.output) ?? []).filter((other) => other !== a).map((other) => agents[other]!.title) : [];
                const overlap = mine && (others.length > 0 || kindOthers.length > 0);
                const warning = others.length > 0 ? s.overlap(skill.name, others.join(', ')) : s.kindOverlap(s.deliverableKinds[skill.output], kindOthers.join(', '));
                const id = `agent-${a}-skill-${skill.name}`;
                return html`<div class="check" data-skill=${skill.name} ?data-overlap=${overlap}>
                  <input
                    id=${id}
                    type="checkbox"
                    .checked=${mine}
                    aria-describedby=${overlap ? `${id}-overlap` : nothing}
                    @change=${(event: Event) =>
                      this.edit((doc) => {
                        const checked = (event.target as HTMLInputElement).checked;
                        const list = doc.agents[a]!.skills;
                        doc.agents[a]!.skills = checked ? [...list, skill.name] : list.filter((name) => name !== skill.name);
                      })}
                  />
                  <label for=${id}>
                    ${skill.name}
                    ${!mine && others.length ? html`<span class="owner">· ${others.join(', ')}</span>` : nothing}
                    ${overlap ? html`<span part="overlap" id="${id}-overlap" role="alert">${warning}</span>` : nothing}
                  </label>
                </div>`;
              })}
            </div>
            ${this.issuesAt(`${path}.skills`).length &&
            !agent.skills.some((name) => (owners.get(name) ?? []).length > 1 || (producers.get(outputOf.get(name)!) ?? []).length > 1)
              ? html`<p class="field-error">${this.issuesAt(`${path}.skills`).join('; ')}</p>`
              : nothing}
          </fieldset>
        </section>`;
      })}
      <div class="row">
        <button
          data-action="add-agent"
          @click=${() =>
            this.edit((doc) => {
              // A new agent needs a skill to be valid: give it the first skill no agent owns, if any.
              const owned = new Set(doc.agents.flatMap((agent) => agent.skills));
              const free = doc.skills.find((skill) => !owned.has(skill.name));
              doc.agents.push({
                name: uniqueName('new-agent', doc.agents.map((agent) => agent.name)),
                title: s.newAgentTitle,
                description: s.newAgentDescription,
                systemPrompt: s.newAgentPrompt,
                skills: free ? [free.name] : [],
              } as WorkspaceDocument['agents'][number]);
            })}
        >
          ${s.addAgent}
        </button>
      </div>
    `;
  }

  private tryRoute(): void {
    try {
      const team = teamFromWorkspace(this.draft);
      this.routeResult = { decision: team.route({ text: this.routeText }) };
    } catch (error) {
      this.routeResult = { error: error instanceof TeamDefinitionError ? this.s.routingFixFirst : capitalised(withoutField(this.messageOf(error))) };
    }
  }

  private renderTeam(): TemplateResult {
    const s = this.s;
    const doc = this.draft;
    const agentTitle = (name: string) => doc.agents.find((agent) => agent.name === name)?.title ?? name;
    const result = this.routeResult;
    return html`
      <p class="muted" data-summary>${s.teamSummary(doc.agents.length, doc.skills.length, doc.rules.length)}</p>
      <section class="card" aria-labelledby="try-routing">
        <h4 id="try-routing">${s.tryRoutingHeading}</h4>
        <form
          class="row"
          @submit=${(event: Event) => {
            event.preventDefault();
            this.tryRoute();
          }}
        >
          <label for="route-text" class="visually-hidden">${s.tryRoutingLabel}</label>
          <input
            id="route-text"
            style="flex:1 1 240px"
            placeholder=${s.tryRoutingPlaceholder}
            .value=${this.routeText}
            @input=${(event: Event) => (this.routeText = (event.target as HTMLInputElement).value)}
          />
          <button class="primary" type="submit" ?disabled=${!this.routeText.trim()}>${s.route}</button>
        </form>
        <div role="status" aria-live="polite">
          ${result?.decision
            ? html`<div class="card" part="route-result" data-agent=${result.decision.agent} data-skill=${result.decision.skill}>
                <span class="who">${s.routedTo(agentTitle(result.decision.agent), result.decision.skill)}</span>
                <span class="muted">${result.decision.reason}</span>
              </div>`
            : result?.error
              ? html`<p class="error-text" part="route-result">${result.error}</p>`
              : nothing}
        </div>
      </section>
      <section class="card" aria-labelledby="rules-heading">
        <h4 id="rules-heading">${s.rulesHeading}</h4>
        ${doc.rules.length === 0 ? html`<p class="muted">${s.defaultRulesNote}</p>` : nothing}
        ${doc.rules.map((rule, r) => {
          const agent = doc.agents.find((candidate) => candidate.name === rule.agent);
          const path = `rules[${r}]`;
          return html`<div class="card" part="rule" data-rule=${r}>
            <div class="grid-2">
              <div part="field">
                <label for=${`rule-${r}-agent`}>${s.ruleAgent}</label>
                <select
                  id=${`rule-${r}-agent`}
                  aria-invalid=${this.issuesAt(`${path}.agent`).length ? 'true' : 'false'}
                  @change=${(event: Event) =>
                    this.edit((d) => {
                      const target = d.rules[r] as { agent: string; skill?: string };
                      target.agent = (event.target as HTMLSelectElement).value;
                      delete target.skill;
                    })}
                >
                  ${doc.agents.map((candidate) => html`<option value=${candidate.name} ?selected=${candidate.name === rule.agent}>${candidate.title}</option>`)}
                </select>
              </div>
              <div part="field">
                <label for=${`rule-${r}-skill`}>${s.ruleSkill}</label>
                <select
                  id=${`rule-${r}-skill`}
                  @change=${(event: Event) =>
                    this.edit((d) => {
                      const value = (event.target as HTMLSelectElement).value;
                      const target = d.rules[r] as { skill?: string };
                      if (value) target.skill = value;
                      else delete target.skill;
                    })}
                >
                  <option value="" ?selected=${!rule.skill}>${s.ruleAnySkill}</option>
                  ${(agent?.skills ?? []).map((name) => html`<option value=${name} ?selected=${name === rule.skill}>${name}</option>`)}
                </select>
              </div>
            </div>
            ${this.field(s.ruleKeywords, `${path}.keywords`, rule.keywords.join(', '), (value) => this.edit((d) => ((d.rules[r] as { keywords: string[] }).keywords = value.split(',').map((k) => k.trim()).filter(Boolean))), {
              hint: s.ruleKeywordsHint,
              commit: 'change',
            })}
            ${rule.deliverables.length
              ? html`<div class="chips">${rule.deliverables.map((kind) => html`<span class="badge">${s.deliverableKinds[kind]}</span>`)}</div>`
              : nothing}
            <div class="row" style="justify-content:flex-end">
              <button class="danger" aria-label=${`${s.remove}: ${s.issueRule(r + 1)}`} @click=${() => this.edit((d) => d.rules.splice(r, 1))}>${s.remove}</button>
            </div>
          </div>`;
        })}
        <div class="row">
          <button
            data-action="add-rule"
            ?disabled=${doc.agents.length === 0}
            @click=${() => this.edit((d) => d.rules.push({ agent: d.agents[0]!.name, keywords: ['keyword'], deliverables: [] } as WorkspaceDocument['rules'][number]))}
          >
            ${s.addRule}
          </button>
        </div>
      </section>
    `;
  }

  private renderTry(): TemplateResult {
    const s = this.s;
    const ready = !this.hasUnsavedChanges && this.current !== undefined;
    return html`<section class="card" part="try" aria-labelledby="try-heading">
      <h4 id="try-heading">${s.tryHeading}</h4>
      ${ready
        ? html`<p style="margin:0">${s.tryIntro}</p>
            <div class="row">
              <button
                class="primary"
                data-action="try-brief"
                @click=${() => this.dispatch<TryBriefDetail>('mt-try-brief', { workspace: this.workspace ?? '', version: this.current!.version })}
              >
                ${s.tryButton}
              </button>
            </div>`
        : html`<p style="margin:0">${s.trySaveFirst}</p>
            <div class="row">
              <button class="primary" ?disabled=${this.saving || this.issues.length > 0} @click=${() => void this.save()}>${s.save}</button>
            </div>`}
      <slot name="try"></slot>
    </section>`;
  }
}

defineElement('marketing-team-studio', MarketingTeamStudioElement);

declare global {
  interface HTMLElementTagNameMap {
    'marketing-team-studio': MarketingTeamStudioElement;
  }
  interface HTMLElementEventMap {
    'mt-studio-saved': CustomEvent<StudioSavedDetail>;
    'mt-studio-conflict': CustomEvent<StudioConflictDetail>;
    'mt-try-brief': CustomEvent<TryBriefDetail>;
  }
}
