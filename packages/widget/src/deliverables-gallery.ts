import { deviceInUse, isRunEnded, type CardState, type Deliverable, type DeliverableVersions, type RunState, type SessionViewer } from '@marketing-team/core/client';
import { LitElement, css, html, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import './deliverable-card.js';
import type { DeliverableReview } from './deliverable-card.js';
import { defineElement } from './internal/_define.js';
import { downloadRunZip } from './internal/_download.js';
import { groupByKind, tabIndexAfterKey, type KindGroup } from './internal/_kind-tabs.js';
import { variantsByDeliverable, type VariantsState } from './internal/_variants-info.js';
import type { VariantsInfo } from './internal/_variants-panel.js';
import { themeStyles } from './internal/_theme.js';
import { defaultStrings, type WidgetStrings } from './strings.js';

/** Where a run's package is downloaded from (`GET <endpoint>/sessions/:id/runs/:runId/export.zip`) and with which token. */
export interface ExportSource {
  endpoint: string;
  session: string;
  token: string;
}

/**
 * The deliverables gallery of one run's package: one tab per kind of deliverable (research brief,
 * strategy, social posts, …), each holding a `<mt-deliverable-card>` per deliverable of that kind.
 *
 * @csspart gallery - The list of a tab's cards (the only list when the package holds one kind).
 * @csspart empty - The text shown before the first deliverable.
 * @csspart package-download - The button that downloads the run's package as a zip (with `exportSource`).
 * @csspart tabs - The strip of kinds (a tablist; it scrolls sideways when it does not fit, and fades at the side that has more).
 * @csspart tab - One kind's tab, with its `tab-count` and, while it holds a deliverable not looked at yet, its `tab-new` marker.
 * @csspart tabpanel - The cards of one kind.
 * @cssprop --mt-tab-active-color - The underline and text colour of the selected tab (the accent by default).
 * @csspart review-alert - Deliverables waiting for review: an alert on the device the person is using (`data-route="prominent"`), a quiet line on their others (`quiet`); `review-jump` inside.
 * @csspart deliverable - Each card, with its `variants` (and the other variant parts), `post`, `variant`, `landing-page`, `banner`, `table`, `disclaimers`, `edit`, `editor`, `edited`, `download`, `review`, `review-answer` and `comments` parts re-exported.
 */
export class DeliverablesGalleryElement extends LitElement {
  static override properties = {
    deliverables: { attribute: false },
    strings: { attribute: false },
    theme: { type: String, reflect: true },
    mediaOrigins: { attribute: false },
    fresh: { attribute: false },
    steered: { attribute: false },
    versions: { attribute: false },
    variantsState: { attribute: false },
    run: { attribute: false },
    board: { attribute: false },
    exportSource: { attribute: false },
    publish: { attribute: false },
    viewers: { attribute: false },
    presenceId: { attribute: false },
    downloadError: { state: true },
    selectedKind: { state: true },
    overflow: { state: true },
    canWrite: { type: Boolean, attribute: 'can-write' },
    canControl: { type: Boolean, attribute: 'can-control' },
  };
  static override styles = [
    themeStyles,
    css`
      :host {
        display: block;
      }
      [part='gallery'] {
        display: grid;
        gap: var(--_space);
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 420px), 1fr));
        list-style: none;
        margin: 0;
        padding: 0;
      }
      li {
        min-width: 0;
      }
      .package-actions {
        display: flex;
        flex-wrap: wrap;
        justify-content: flex-end;
        align-items: center;
        gap: 6px 10px;
        margin-bottom: 6px;
      }
      [part='package-download'] {
        min-height: 30px;
        padding: 2px 12px;
        font-size: 0.85em;
      }
      .download-error {
        color: var(--_danger);
        font-size: 0.85em;
      }
      li.wide {
        grid-column: 1 / -1;
      }
      [part='review-alert'] {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        justify-content: space-between;
        gap: 8px 12px;
        margin-bottom: var(--_space);
        padding: 10px 12px;
        border-radius: calc(var(--_radius) - 2px);
        border: 1px solid var(--_accent);
        background: color-mix(in srgb, var(--_accent) 12%, var(--_bg));
      }
      [part='review-alert'][data-route='quiet'] {
        border-color: var(--_border);
        background: var(--_bg);
        color: var(--_muted);
        font-size: 0.9em;
      }
      [part='review-jump'] {
        min-height: 30px;
        padding: 2px 12px;
      }
      /* A card brought into view stops below the sticky strip of kinds, not under it. */
      mt-deliverable-card {
        scroll-margin-top: 56px;
      }
      /* One line of kinds that stays in reach while a long tab scrolls by. */
      .tabs {
        position: sticky;
        top: 0;
        z-index: 1;
        background: var(--_bg);
        margin-bottom: 8px;
      }
      [part='tabs'] {
        /* Contains the tabs' visually hidden words, so they scroll with the strip, not widen the page. */
        position: relative;
        display: flex;
        gap: 2px;
        overflow-x: auto;
        scrollbar-width: thin;
        border-bottom: 1px solid var(--_border);
        scroll-padding-inline: 32px;
      }
      /* The side with more tabs fades out, so a phone shows the strip goes on. */
      .tabs::before,
      .tabs::after {
        content: '';
        position: absolute;
        top: 0;
        bottom: 1px;
        width: 32px;
        pointer-events: none;
        opacity: 0;
        transition: opacity 0.15s;
      }
      .tabs::before {
        left: 0;
        background: linear-gradient(to right, var(--_bg), transparent);
      }
      .tabs::after {
        right: 0;
        background: linear-gradient(to left, var(--_bg), transparent);
      }
      .tabs[data-more-start]::before,
      .tabs[data-more-end]::after {
        opacity: 1;
      }
      [part~='tab'] {
        position: relative;
        flex: none;
        display: inline-flex;
        align-items: center;
        gap: 6px;
        min-height: 40px;
        padding: 6px 12px;
        border: 0;
        border-bottom: 3px solid transparent;
        border-radius: var(--_radius) var(--_radius) 0 0;
        background: transparent;
        color: var(--_muted);
        font-size: 0.9em;
        font-weight: 500;
        white-space: nowrap;
      }
      [part~='tab'][aria-selected='true'] {
        color: var(--mt-tab-active-color, var(--_accent));
        border-bottom-color: var(--mt-tab-active-color, var(--_accent));
      }
      [part~='tab']:hover {
        color: var(--_text);
      }
      [part~='tab']:focus-visible {
        box-shadow: inset var(--_focus);
      }
      [part='tab-count'] {
        min-width: 1.6em;
        padding: 0 6px;
        border-radius: 999px;
        background: var(--_surface);
        border: 1px solid var(--_border);
        color: var(--_muted);
        font-size: 0.82em;
        text-align: center;
      }
      [part='tab-new'] {
        width: 8px;
        height: 8px;
        border-radius: 50%;
        background: var(--_accent);
      }
      [part='tabpanel']:focus-visible {
        box-shadow: var(--_focus);
        border-radius: var(--_radius);
      }
    `,
  ];

  /** The deliverables, in the order they were created. */
  declare deliverables: readonly Deliverable[];
  /** Replacement strings. */
  declare strings: WidgetStrings;
  /** `light` or `dark`; follows the system when absent. */
  declare theme: string | undefined;
  /** Origins model output may load images from; none by default. */
  declare mediaOrigins: readonly string[];
  /** Ids of deliverables that arrived while the page watched and were not looked at yet. */
  declare fresh: readonly string[];
  /** Pairs of a deliverable id and the steering instruction it reflects. */
  declare steered: readonly (readonly [string, string])[];

  /** Version counter and history per deliverable id. */
  declare versions: Readonly<Record<string, DeliverableVersions>>;
  /** The session state's parts the A/B variants of the deliverables are read from. */
  declare variantsState: VariantsState | undefined;
  /** The A/B variants of each deliverable that has some, by deliverable id. */
  private variants: Readonly<Record<string, VariantsInfo>> = {};
  /** The run these deliverables belong to (its tasks say which wait for review). */
  declare run: RunState | undefined;
  /** The session's board (its task cards hold the review comments). */
  declare board: Readonly<Record<string, CardState>>;
  /** Where the run's package is downloaded from; no download button without it. */
  declare exportSource: (() => Promise<ExportSource>) | undefined;
  /** Publishes a client event (an inline edit) to the session; the cards offer no Edit without it. */
  declare publish: ((event: Record<string, unknown>) => Promise<unknown>) | undefined;
  /** Who watches the session, with each device's attention: the device in use gets review requests prominently. */
  declare viewers: readonly SessionViewer[] | undefined;
  /** The id presence shows this device under. */
  declare presenceId: string | undefined;
  declare private downloadError: string | undefined;
  /** The kind whose tab the person chose; the first kind until they choose. */
  declare private selectedKind: string | undefined;
  /** Which sides of the strip of kinds have tabs scrolled out of sight. */
  declare private overflow: { start: boolean; end: boolean };
  /** The package's deliverables by kind, one tab each. */
  private groups: KindGroup[] = [];
  /** Deliverables shown in a selected tab: a tab stops marking them as new. */
  private seen = new Set<string>();
  private resizeObserver: ResizeObserver | undefined;
  /** On another device than the one in use: the device in use, so review requests here stay quiet. */
  private inUseElsewhere: SessionViewer | undefined;
  /** Each deliverable's task status and review comments, from `run` and `board`. */
  private reviews: Record<string, DeliverableReview> = {};
  /** Whether the token may edit deliverables. */
  declare canWrite: boolean;
  /** Whether the token may approve or ask for changes. */
  declare canControl: boolean;

  constructor() {
    super();
    this.versions = {};
    this.board = {};
    this.canWrite = false;
    this.canControl = false;
    this.mediaOrigins = [];
    this.fresh = [];
    this.steered = [];
    this.deliverables = [];
    this.strings = defaultStrings;
    this.overflow = { start: false, end: false };
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizeObserver?.disconnect();
    this.resizeObserver = undefined;
  }

  /** Moves focus to a deliverable's card, opening its kind's tab first. */
  async focusDeliverable(id: string): Promise<void> {
    const kind = this.deliverables.find((deliverable) => deliverable.id === id)?.kind;
    if (kind) this.selectTab(kind);
    await this.updateComplete;
    const card = this.renderRoot.querySelector(`mt-deliverable-card[data-id="${CSS.escape(id)}"]`);
    if (card instanceof HTMLElement) {
      await (card as HTMLElement & { updateComplete?: Promise<unknown> }).updateComplete;
      // Only ever called for a person's click, so bringing the card into view is what they asked for.
      card.focus({ preventScroll: false });
    }
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('deliverables')) this.groups = groupByKind(this.deliverables);
    if (changed.has('variantsState')) this.variants = this.variantsState ? variantsByDeliverable(this.variantsState) : {};
    if (changed.has('deliverables') || changed.has('selectedKind')) {
      for (const deliverable of this.activeGroup()?.deliverables ?? []) this.seen.add(deliverable.id);
    }
    if (!changed.has('run') && !changed.has('board') && !changed.has('viewers') && !changed.has('presenceId')) return;
    const run = this.run;
    const comments = new Map<string, CardState['comments']>();
    for (const card of Object.values(this.board)) if (card.runId === run?.id && card.taskId) comments.set(card.taskId, card.comments);
    // Every device of the person computes the same device in use from the same presence.
    const me = this.viewers?.find((viewer) => viewer.clientId === this.presenceId);
    const inUse = me && this.viewers ? deviceInUse(this.viewers, me.userId) : undefined;
    this.inUseElsewhere = inUse && inUse.clientId !== this.presenceId ? inUse : undefined;
    const reviews: Record<string, DeliverableReview> = {};
    for (const task of Object.values(run?.tasks ?? {})) {
      if (!task.deliverableId) continue;
      const answer = task.reviewAnswer;
      const elsewhere = answer?.answeredOn && answer.answeredOn.clientId !== this.presenceId ? answer.answeredOn : undefined;
      reviews[task.deliverableId] = {
        status: task.status,
        comments: comments.get(task.id) ?? [],
        ...(elsewhere ? { answeredElsewhere: { device: elsewhere.device, decision: answer!.decision } } : {}),
        ...(this.inUseElsewhere ? { quiet: true } : {}),
      };
    }
    this.reviews = reviews;
  }

  /** Says that deliverables wait for review: as an alert on the device in use, quietly on the others. */
  private renderReviewAlert() {
    if (!this.canControl) return nothing;
    const waiting = this.deliverables.filter((deliverable) => this.reviews[deliverable.id]?.status === 'review');
    if (waiting.length === 0) return nothing;
    const elsewhere = this.inUseElsewhere;
    const jump = html`<button type="button" part="review-jump" @click=${() => void this.focusDeliverable(waiting[0]!.id)}>${this.strings.reviewNow}</button>`;
    return elsewhere
      ? html`<div part="review-alert" data-route="quiet" role="status">
          <span>${this.strings.reviewAlertElsewhere(waiting.length, elsewhere.device ?? this.strings.answeredOnUnknownDevice)}</span>${jump}
        </div>`
      : html`<div part="review-alert" data-route="prominent" role="alert"><strong>${this.strings.reviewAlert(waiting.length)}</strong>${jump}</div>`;
  }

  private async downloadPackage(): Promise<void> {
    const runId = this.run?.id ?? this.deliverables[0]?.runId;
    if (!this.exportSource || !runId) return;
    try {
      this.downloadError = undefined;
      await downloadRunZip({ ...(await this.exportSource()), runId, root: this.renderRoot as ShadowRoot });
    } catch (error) {
      this.downloadError = error instanceof Error ? error.message : String(error);
      this.dispatchEvent(new CustomEvent('mt-error', { detail: { action: 'download-package', message: this.downloadError, error }, bubbles: true, composed: true }));
    }
  }

  protected override updated(): void {
    const strip = this.renderRoot.querySelector<HTMLElement>('[part="tabs"]');
    if (strip && !this.resizeObserver) {
      this.resizeObserver = new ResizeObserver(() => {
        this.revealSelectedTab('instant');
        this.measureOverflow();
      });
      this.resizeObserver.observe(strip);
    }
    if (!strip) {
      this.resizeObserver?.disconnect();
      this.resizeObserver = undefined;
    }
  }

  /** The selected kind's group: the person's choice while the package holds that kind, else the first. */
  private activeGroup(): KindGroup | undefined {
    return this.groups.find((group) => group.kind === this.selectedKind) ?? this.groups[0];
  }

  /** Notes which sides of the strip hide tabs, so each can fade out. */
  private measureOverflow(): void {
    const strip = this.renderRoot.querySelector<HTMLElement>('[part="tabs"]');
    if (!strip) return;
    const start = strip.scrollLeft > 1;
    const end = strip.scrollLeft + strip.clientWidth < strip.scrollWidth - 1;
    if (start !== this.overflow.start || end !== this.overflow.end) this.overflow = { start, end };
  }

  /** Shows a kind's tab, brought into the strip's view (sideways only: the host page stays put). */
  private selectTab(kind: string, focus = false): void {
    this.selectedKind = kind;
    void this.updateComplete.then(() => {
      if (focus) this.renderRoot.querySelector<HTMLElement>(`[role="tab"][data-kind="${kind}"]`)?.focus({ preventScroll: true });
      this.revealSelectedTab('smooth');
    });
  }

  /** Scrolls the strip sideways until the selected tab is in full view (after a choice, or when the strip narrows). */
  private revealSelectedTab(behavior: ScrollBehavior): void {
    const tab = this.renderRoot.querySelector<HTMLElement>('[role="tab"][aria-selected="true"]');
    const strip = tab?.parentElement;
    if (!tab || !strip) return;
    const left = tab.offsetLeft - strip.offsetLeft;
    if (left < strip.scrollLeft + 32 || left + tab.offsetWidth > strip.scrollLeft + strip.clientWidth - 32) {
      strip.scrollTo({ left: Math.max(0, left - 32), behavior });
    }
  }

  /** Arrow keys, Home and End move between the tabs and select the one they reach. */
  private onTabKey(event: KeyboardEvent): void {
    const index = this.groups.findIndex((group) => group === this.activeGroup());
    const next = tabIndexAfterKey(event.key, index, this.groups.length);
    if (next === undefined) return;
    event.preventDefault();
    this.selectTab(this.groups[next]!.kind, true);
  }

  private renderTabs(active: KindGroup) {
    const strings = this.strings;
    return html`<div class="tabs" ?data-more-start=${this.overflow.start} ?data-more-end=${this.overflow.end}>
      <div part="tabs" role="tablist" aria-label=${strings.kindTabsLabel} @keydown=${this.onTabKey} @scroll=${this.measureOverflow}>
        ${this.groups.map((group) => {
          const selected = group === active;
          const news = !selected && group.deliverables.some((deliverable) => this.fresh.includes(deliverable.id) && !this.seen.has(deliverable.id));
          return html`<button
            type="button"
            role="tab"
            part=${news ? 'tab tab-marked' : 'tab'}
            id=${`tab-${group.kind}`}
            data-kind=${group.kind}
            aria-controls=${`panel-${group.kind}`}
            aria-selected=${selected ? 'true' : 'false'}
            tabindex=${selected ? '0' : '-1'}
            @click=${() => this.selectTab(group.kind)}
          >
            ${strings.deliverableKinds[group.kind]}
            <span part="tab-count" aria-hidden="true">${group.count}</span>
            <span class="visually-hidden">${strings.kindTabCount(group.count)}</span>
            ${news ? html`<span part="tab-new" aria-hidden="true"></span><span class="visually-hidden">${strings.newBadge}</span>` : nothing}
          </button>`;
        })}
      </div>
    </div>`;
  }

  private renderList(deliverables: readonly Deliverable[]) {
    return html`<ul part="gallery">
      ${repeat(
        deliverables,
        (deliverable) => deliverable.id,
        // A card alone in its tab, a landing page and social posts take the whole width.
        (deliverable) => html`<li class=${deliverables.length === 1 || deliverable.kind === 'landing-page' || deliverable.kind === 'social-posts' ? 'wide' : ''}>
          <mt-deliverable-card
            exportparts="deliverable, steered, actions, copy, preview-open, preview, preview-frame, preview-close, heading, post, variant, landing-page, banner, table, disclaimers, edit, editor, editor-save, editor-cancel, edited, download, review, review-approve, review-request-changes, review-answer, comments, regenerate, regenerate-form, regenerate-submit, variants-open, variants-form, variants-submit, variants, variant-tabs, variant-tab, variant-in-use, variant-panel, variant-use"
            data-id=${deliverable.id}
            .version=${Object.hasOwn(this.versions, deliverable.id) ? this.versions[deliverable.id] : undefined}
            .variantsInfo=${Object.hasOwn(this.variants, deliverable.id) ? this.variants[deliverable.id] : undefined}
            .review=${Object.hasOwn(this.reviews, deliverable.id) ? this.reviews[deliverable.id] : undefined}
            ?can-write=${this.canWrite && !!this.publish}
            .publish=${this.publish}
            ?can-control=${this.canControl}
            ?can-regenerate=${this.canWrite && this.run !== undefined && isRunEnded(this.run)}
            ?fresh=${this.fresh.includes(deliverable.id)}
            .steeredBy=${this.steered.find(([id]) => id === deliverable.id)?.[1]}
            .deliverable=${deliverable}
            .mediaOrigins=${this.mediaOrigins}
            .strings=${this.strings}
            theme=${this.theme ?? nothing}
          ></mt-deliverable-card>
        </li>`,
      )}
    </ul>`;
  }

  protected override render() {
    if (this.deliverables.length === 0) return html`<p part="empty" class="muted">${this.strings.noDeliverables}</p>`;
    const active = this.activeGroup()!;
    const download = this.exportSource
      ? html`<div class="package-actions">
          ${this.downloadError ? html`<span class="download-error" role="alert">${this.downloadError}</span>` : nothing}
          <button part="package-download" type="button" @click=${this.downloadPackage}>${this.strings.downloadPackage}</button>
        </div>`
      : nothing;
    const alert = this.renderReviewAlert();
    if (this.groups.length < 2) return html`${alert}${download}${this.renderList(this.deliverables)}`;
    // Every tab's cards stay rendered (hidden unless selected), so a card keeps its edits in
    // progress and what it loaded while the person looks at another kind.
    return html`${alert}${download}${this.renderTabs(active)}
      ${repeat(
        this.groups,
        (group) => group.kind,
        (group) => html`<div
          part="tabpanel"
          role="tabpanel"
          id=${`panel-${group.kind}`}
          data-kind=${group.kind}
          aria-labelledby=${`tab-${group.kind}`}
          tabindex="0"
          ?hidden=${group !== active}
        >
          ${this.renderList(group.deliverables)}
        </div>`,
      )}`;
  }
}

defineElement('mt-deliverables', DeliverablesGalleryElement);

declare global {
  interface HTMLElementTagNameMap {
    'mt-deliverables': DeliverablesGalleryElement;
  }
}
