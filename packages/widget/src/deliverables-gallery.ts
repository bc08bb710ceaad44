import { deviceInUse, isRunEnded, type CardState, type Deliverable, type DeliverableVersions, type RunState, type SessionViewer } from '@marketing-team/core';
import { LitElement, css, html, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import './deliverable-card.js';
import type { DeliverableReview } from './deliverable-card.js';
import { defineElement } from './internal/_define.js';
import { downloadRunZip } from './internal/_download.js';
import { themeStyles } from './internal/_theme.js';
import { defaultStrings, type WidgetStrings } from './strings.js';

/** Where a run's package is downloaded from (`GET <endpoint>/sessions/:id/runs/:runId/export.zip`) and with which token. */
export interface ExportSource {
  endpoint: string;
  session: string;
  token: string;
}

/**
 * The deliverables gallery: one `<mt-deliverable-card>` per deliverable, newest last.
 *
 * @csspart gallery - The list.
 * @csspart empty - The text shown before the first deliverable.
 * @csspart package-download - The button that downloads the run's package as a zip (with `exportSource`).
 * @csspart jump - The row of kinds that brings a deliverable into view (from three deliverables on).
 * @csspart review-alert - Deliverables waiting for review: an alert on the device the person is using (`data-route="prominent"`), a quiet line on their others (`quiet`); `review-jump` inside.
 * @csspart deliverable - Each card, with its `heading`, `post`, `variant`, `landing-page`, `banner`, `table`, `disclaimers`, `edit`, `editor`, `edited`, `download`, `review` and `comments` parts re-exported.
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
    run: { attribute: false },
    board: { attribute: false },
    exportSource: { attribute: false },
    publish: { attribute: false },
    viewers: { attribute: false },
    presenceId: { attribute: false },
    downloadError: { state: true },
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
      /* A card brought into view stops below the sticky row of kinds, not under it. */
      mt-deliverable-card {
        scroll-margin-top: 56px;
      }
      /* One line of kinds that stays in reach while the package scrolls by. */
      [part='jump'] {
        position: sticky;
        top: 0;
        z-index: 1;
        display: flex;
        gap: 6px;
        overflow-x: auto;
        padding: 6px 0;
        margin-bottom: 6px;
        background: var(--_bg);
        scrollbar-width: thin;
      }
      [part='jump'] button {
        flex: none;
        min-height: 30px;
        padding: 2px 12px;
        border-radius: 999px;
        font-size: 0.85em;
        font-weight: 500;
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
  }

  /** Moves focus to a deliverable's card. */
  async focusDeliverable(id: string): Promise<void> {
    await this.updateComplete;
    const card = this.renderRoot.querySelector(`mt-deliverable-card[data-id="${CSS.escape(id)}"]`);
    if (card instanceof HTMLElement) {
      await (card as HTMLElement & { updateComplete?: Promise<unknown> }).updateComplete;
      // Only ever called for a person's click, so bringing the card into view is what they asked for.
      card.focus({ preventScroll: false });
    }
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
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
    const jump = html`<button type="button" part="review-jump" @click=${() => this.jump(waiting[0]!.id)}>${this.strings.reviewNow}</button>`;
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

  /** Brings a card into view at the person's request (never on its own). */
  private jump(id: string): void {
    const card = this.renderRoot.querySelector<HTMLElement>(`mt-deliverable-card[data-id="${CSS.escape(id)}"]`);
    card?.scrollIntoView({ block: 'start', behavior: 'smooth' });
    card?.focus({ preventScroll: true });
  }

  protected override render() {
    if (this.deliverables.length === 0) return html`<p part="empty" class="muted">${this.strings.noDeliverables}</p>`;
    return html`${this.renderReviewAlert()}${this.exportSource
        ? html`<div class="package-actions">
            ${this.downloadError ? html`<span class="download-error" role="alert">${this.downloadError}</span>` : nothing}
            <button part="package-download" type="button" @click=${this.downloadPackage}>${this.strings.downloadPackage}</button>
          </div>`
        : nothing}${this.deliverables.length > 2
        ? html`<nav part="jump" aria-label=${this.strings.jumpLabel}>
            ${this.deliverables.map(
              (deliverable) =>
                html`<button type="button" data-jump=${deliverable.id} @click=${() => this.jump(deliverable.id)}>
                  ${this.strings.deliverableKinds[deliverable.kind]}
                </button>`,
            )}
          </nav>`
        : nothing}<ul part="gallery">
      ${repeat(
        this.deliverables,
        (deliverable) => deliverable.id,
        (deliverable) => html`<li class=${deliverable.kind === 'landing-page' || deliverable.kind === 'social-posts' ? 'wide' : ''}>
          <mt-deliverable-card
            exportparts="deliverable, steered, actions, copy, preview-open, preview, preview-frame, preview-close, heading, post, variant, landing-page, banner, table, disclaimers, edit, editor, editor-save, editor-cancel, edited, download, review, review-approve, review-request-changes, review-answer, comments, regenerate, regenerate-form, regenerate-submit"
            data-id=${deliverable.id}
            .version=${Object.hasOwn(this.versions, deliverable.id) ? this.versions[deliverable.id] : undefined}
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
}

defineElement('mt-deliverables', DeliverablesGalleryElement);

declare global {
  interface HTMLElementTagNameMap {
    'mt-deliverables': DeliverablesGalleryElement;
  }
}
