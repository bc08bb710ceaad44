import type { CardState, Deliverable, DeliverableOf, DeliverableVersions, TaskStatus } from '@marketing-team/core';
import { LitElement, css, html, nothing } from 'lit';
import { contentOf, editFields, type EditField } from './internal/_deliverable-edit.js';
import { defineElement } from './internal/_define.js';
import { fileName, saveFile } from './internal/_download.js';
import { loadSanitizers, loadedSanitizers } from './internal/_markdown-loader.js';
import { themeStyles } from './internal/_theme.js';
import { VariantsPanel, variantsStyles, type VariantsInfo } from './internal/_variants-panel.js';
import './markdown-view.js';
import { agentDisplayName, defaultStrings, type WidgetStrings } from './strings.js';

/** What a card shows of its task: whether it waits at a review gate, and the review comments. */
export interface DeliverableReview {
  status: TaskStatus;
  comments: CardState['comments'];
  /** The decision, when it was made on another of the person's devices: which, and how. */
  answeredElsewhere?: { device: string; decision: 'approved' | 'changes_requested' };
  /** Waiting for review, on a device other than the one the person is using: shown without emphasis. */
  quiet?: boolean;
}

/**
 * One deliverable, rendered by kind: Markdown documents through the sanitizer, social posts as
 * channel-styled cards with character counts, ad variants, the landing page sanitized, under its
 * own Content-Security-Policy, in a sandboxed iframe without scripts or same-origin access, the
 * SVG banner as an image, and the measurement plan as a table. The required disclaimers follow
 * in an element of their own, apart from the model's text, so nothing in it can hide them.
 * A person with `write` edits the texts inline (Save publishes `deliverable.edited` through
 * `publish`; a refusal is shown on the card and fired as `mt-error`); one with `control` approves or
 * asks for changes on a card waiting at its review gate; anyone downloads it.
 *
 * @fires mt-approve - Approve on a card waiting for review; detail `{ runId, taskId, comment? }`.
 * @fires mt-request-changes - Request changes on it; detail `{ runId, taskId, comment }`.
 * @csspart deliverable - The card.
 * @csspart edit - The Edit button; `editor` is the inline form, `editor-save` and `editor-cancel` its buttons.
 * @fires mt-regenerate - The person asked for this deliverable to be written again; detail `{ runId, taskId, instruction }`.
 * @csspart regenerate - The "Write again" button of a deliverable whose run has ended; `regenerate-form` asks what should change, `regenerate-submit` sends it.
 * @fires mt-request-variants - The person asked for A/B variants of this social post or ad deliverable; detail `{ runId, taskId, count, instruction? }`.
 * @csspart variants-open - The "Variants" button; `variants-form` asks how many and what every variant should do, `variants-submit` sends it.
 * @csspart variants - The variants of this deliverable: `variant-tabs` (one `variant-tab` per variant, `variant-in-use` on the one in use), `variant-panel` and its `variant-use` button.
 * @csspart edited - The line naming who edited the current version (or chose the variant in use).
 * @csspart download - A download button (the deliverable; the banner as SVG).
 * @csspart review - The approval box of a card waiting for review (`review-approve`, `review-request-changes` inside).
 * @csspart comments - The review comments.
 * @csspart review-answer - "Approved on phone": a decision made on another of the person's devices.
 * @csspart heading - The title.
 * @csspart steered - The badge of a deliverable that reflects a steering instruction.
 * @csspart post - One social post.
 * @csspart variant - One ad copy variant.
 * @csspart landing-page - The landing page iframe.
 * @csspart actions - The copy and preview buttons of the card.
 * @csspart copy - A copy button (Markdown; HTML for the landing page).
 * @csspart preview-open - The button that opens the full-screen landing page preview.
 * @csspart preview - The full-screen preview dialog (`preview-frame`, `preview-close` inside it).
 * @csspart banner - The banner image.
 * @csspart table - The measurement plan table.
 * @csspart disclaimers - The required disclaimers.
 * @cssprop --mt-landing-height - Height of the landing page preview.
 */
export class DeliverableCardElement extends LitElement {
  static override properties = {
    deliverable: { attribute: false },
    strings: { attribute: false },
    theme: { type: String, reflect: true },
    mediaOrigins: { attribute: false },
    fresh: { type: Boolean, reflect: true },
    steeredBy: { attribute: false },
    version: { attribute: false },
    review: { attribute: false },
    publish: { attribute: false },
    canWrite: { type: Boolean, attribute: 'can-write' },
    canRegenerate: { type: Boolean, attribute: 'can-regenerate' },
    variantsInfo: { attribute: false },
    regenerating: { state: true },
    canControl: { type: Boolean, attribute: 'can-control' },
    landingDocument: { state: true },
    copied: { state: true },
    editing: { state: true },
    saving: { state: true },
    editError: { state: true },
  };
  static override styles = [
    themeStyles,
    variantsStyles,
    css`
      :host {
        display: block;
        min-width: 0;
        container: card / inline-size;
      }
      [part='deliverable'] {
        border: 1px solid var(--_border);
        border-radius: var(--_radius);
        background: var(--_bg);
        padding: var(--_space);
        display: grid;
        /* minmax(0, …): a wide table scrolls inside the card instead of widening it. */
        grid-template-columns: minmax(0, 1fr);
        gap: 10px;
      }
      [part='deliverable']:focus {
        outline: none;
        box-shadow: var(--_focus);
      }
      header {
        display: flex;
        flex-wrap: wrap;
        gap: 6px 10px;
        align-items: baseline;
      }
      /* The title and its actions share a line of their own under the badges. */
      .title-row {
        flex: 1 1 100%;
        display: flex;
        flex-wrap: wrap;
        gap: 6px 10px;
        align-items: flex-start;
      }
      .steered {
        color: var(--_success);
        border-color: currentColor;
      }
      .fresh {
        color: var(--_accent);
        border-color: currentColor;
      }
      [part='heading'] {
        font-size: 1.05em;
        margin: 0;
        flex: 1 1 auto;
        min-width: 12em;
      }
      .actions {
        display: flex;
        gap: 6px;
        flex-wrap: wrap;
        margin-left: auto;
      }
      button.action {
        min-height: 30px;
        padding: 2px 10px;
        font-size: 0.82em;
      }
      .grid {
        display: grid;
        gap: 10px;
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 240px), 1fr));
      }
      [part='post'],
      [part='variant'] {
        border: 1px solid var(--_border);
        /* Brand hues drawn toward the text colour keep 3:1 against the card in both themes. */
        border-left: 4px solid color-mix(in srgb, var(--_channel, var(--_accent)) 70%, var(--_text));
        border-radius: calc(var(--_radius) - 2px);
        padding: 8px 10px;
        background: var(--_surface);
        display: grid;
        gap: 6px;
        align-content: start;
      }
      [data-channel='x'],
      [data-channel='threads'] {
        --_channel: var(--_text);
      }
      [data-channel='linkedin'] {
        --_channel: #0a66c2;
      }
      [data-channel='instagram'] {
        --_channel: #c13584;
      }
      [data-channel='facebook'] {
        --_channel: #1877f2;
      }
      [data-channel='tiktok'] {
        --_channel: #fe2c55;
      }
      .channel {
        font-weight: 700;
        font-size: 0.85em;
        text-transform: capitalize;
      }
      .post-text {
        white-space: pre-wrap;
        overflow-wrap: anywhere;
        margin: 0;
      }
      .count {
        font-size: 0.8em;
        color: var(--_muted);
      }
      .count[data-over] {
        color: var(--_danger);
        font-weight: 600;
      }
      .tags {
        font-size: 0.85em;
        color: var(--_accent);
        overflow-wrap: anywhere;
      }
      .cta {
        justify-self: start;
        font-size: 0.85em;
        padding: 2px 10px;
        border-radius: 999px;
        background: var(--_accent);
        color: var(--_accent-text);
      }
      [part='landing-page'] {
        width: 100%;
        height: var(--mt-landing-height, 420px);
        border: 1px solid var(--_border);
        border-radius: calc(var(--_radius) - 2px);
        background: #fff;
      }
      .landing-placeholder {
        display: grid;
        place-items: center;
        color: var(--_muted);
      }
      [part='disclaimers'] {
        border-top: 1px solid var(--_border);
        padding-top: 8px;
        font-size: 0.85em;
        color: var(--_muted);
      }
      [part='disclaimers'] p {
        margin: 0;
      }
      [part='disclaimers'] p + p {
        margin-top: 4px;
      }
      [part='banner'] {
        max-width: 100%;
        height: auto;
        border-radius: calc(var(--_radius) - 2px);
        border: 1px solid var(--_border);
        display: block;
      }
      .swatches {
        display: flex;
        gap: 4px;
      }
      .swatch {
        width: 20px;
        height: 20px;
        border-radius: 4px;
        border: 1px solid var(--_border);
      }
      .table-wrap {
        overflow-x: auto;
      }
      [part='table'] {
        min-width: 560px;
      }
      /* On a phone the table is wider than the card: say it scrolls. */
      .scroll-hint {
        display: none;
        margin: 0;
        font-size: 0.82em;
        color: var(--_muted);
      }
      @container card (max-width: 560px) {
        .scroll-hint {
          display: block;
        }
      }
      [part='table'] {
        border-collapse: collapse;
        width: 100%;
        font-size: 0.9em;
      }
      th,
      td {
        text-align: left;
        border-bottom: 1px solid var(--_border);
        padding: 6px 8px;
        vertical-align: top;
      }
      [part='edited'] {
        flex: 1 1 100%;
        font-size: 0.8em;
        color: var(--_muted);
      }
      [part='editor'] {
        display: grid;
        gap: 10px;
      }
      [part='editor'] label {
        display: grid;
        gap: 4px;
        font-weight: 600;
        font-size: 0.85em;
      }
      [part='editor'] textarea {
        min-height: 6em;
        resize: vertical;
        font-weight: 400;
      }
      [part='editor'] textarea[data-field='markdown'],
      [part='editor'] textarea[data-field='html'] {
        min-height: 16em;
        font-family: var(--_mono);
        font-size: 0.85em;
      }
      [part='editor'] input {
        font-weight: 400;
      }
      .form-actions {
        display: flex;
        flex-wrap: wrap;
        gap: 8px;
        align-items: center;
      }
      .form-error {
        color: var(--_danger);
        margin: 0;
        font-size: 0.9em;
      }
      [part='review'] {
        border: 1px solid var(--_accent);
        border-radius: calc(var(--_radius) - 2px);
        background: color-mix(in srgb, var(--_accent) 8%, var(--_bg));
        padding: 10px 12px;
        display: grid;
        gap: 8px;
      }
      [part='regenerate-form'] {
        border: 1px solid var(--_border);
        border-radius: calc(var(--_radius) - 2px);
        padding: 10px 12px;
        display: grid;
        gap: 8px;
      }
      [part='regenerate-form'] label {
        display: grid;
        gap: 4px;
        font-size: 0.85em;
        font-weight: 600;
      }
      [part='regenerate-form'] textarea {
        min-height: 3em;
        resize: vertical;
        font-weight: 400;
      }
      [part='regenerate-form'] p {
        margin: 0;
        font-size: 0.85em;
      }
      [part='review'] strong {
        font-size: 0.95em;
      }
      /* Waiting on another device the person is using: still answerable here, without emphasis. */
      [part='review'][data-quiet] {
        border-color: var(--_border);
        background: var(--_bg);
      }
      [part='review-answer'] {
        margin: 0;
        font-size: 0.85em;
        color: var(--_muted);
      }
      [part='review'] label {
        display: grid;
        gap: 4px;
        font-size: 0.85em;
        font-weight: 600;
      }
      [part='review'] textarea {
        min-height: 3.5em;
        resize: vertical;
        font-weight: 400;
      }
      [part='comments'] {
        display: grid;
        gap: 6px;
        margin: 0;
        padding: 0;
        list-style: none;
        font-size: 0.9em;
      }
      [part='comments'] li {
        border-left: 3px solid var(--_border);
        padding: 2px 0 2px 8px;
        overflow-wrap: anywhere;
        white-space: pre-wrap;
      }
      [part='comments'] .who {
        font-weight: 600;
        margin-right: 6px;
      }
      ul {
        margin: 0;
        padding-left: 1.2em;
      }
    `,
  ];

  /** The deliverable to show (its content is untrusted model output). */
  declare deliverable: Deliverable | undefined;
  /** Replacement strings. */
  declare strings: WidgetStrings;
  /** `light` or `dark`; follows the system when absent. */
  declare theme: string | undefined;
  /** Origins model output may load images from; none by default. */
  declare mediaOrigins: readonly string[];
  /** Marks a deliverable that arrived while the page watched and was not looked at yet. */
  declare fresh: boolean;
  /** The steering instruction this deliverable reflects, if an agent applied one to its task. */
  declare steeredBy: string | undefined;
  /** The deliverable's version counter and history (`SessionState.deliverableVersions`). */
  declare version: DeliverableVersions | undefined;
  /** Its task's status and review comments. */
  declare review: DeliverableReview | undefined;
  /** Publishes a client event to the session (the element's handle). */
  declare publish: ((event: Record<string, unknown>) => Promise<unknown>) | undefined;
  /** Whether the token may edit (`write`). */
  declare canWrite: boolean;
  /** Whether the token may approve or ask for changes (`control`). */
  declare canControl: boolean;
  /** Whether this deliverable may be written again (its run has ended and the token has `write`). */
  declare canRegenerate: boolean;
  /** The variants written of this deliverable and how many are still being written (social posts and ads). */
  declare variantsInfo: VariantsInfo | undefined;
  private readonly variantsPanel = new VariantsPanel(this);

  /** The version a choice or an edit is made on. */
  get currentVersion(): number {
    return this.version?.version ?? 1;
  }

  /** The "what should change?" form is open. */
  declare private regenerating: boolean;
  /** The fields and base version of the edit under way, from when it began. */
  declare private editing: { fields: EditField[]; baseVersion: number; deliverable: Deliverable } | undefined;
  declare private saving: boolean;
  declare private editError: string | undefined;
  /** The sanitized `srcdoc` of the landing page, once the sanitizer has loaded. */
  declare private landingDocument: string | undefined;
  /** Which copy button just copied (its feedback shows for a moment). */
  declare private copied: string | undefined;

  constructor() {
    super();
    this.strings = defaultStrings;
    this.mediaOrigins = [];
    this.fresh = false;
    this.canWrite = false;
    this.canControl = false;
    this.canRegenerate = false;
    this.regenerating = false;
    this.saving = false;
  }

  private openRegenerate(): void {
    this.regenerating = true;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('[part="regenerate-form"] textarea')?.focus());
  }

  /** Asks the element to write this deliverable again with the instruction (`mt-regenerate`). */
  private submitRegenerate(event: SubmitEvent): void {
    event.preventDefault();
    const deliverable = this.deliverable;
    const field = (event.currentTarget as HTMLFormElement).elements.namedItem('instruction') as HTMLTextAreaElement;
    const instruction = field.value.trim();
    if (!deliverable || !instruction) {
      field.focus();
      return;
    }
    this.dispatchEvent(
      new CustomEvent('mt-regenerate', { bubbles: true, composed: true, detail: { runId: deliverable.runId, taskId: deliverable.taskId, instruction } }),
    );
    this.regenerating = false;
  }

  private renderRegenerate() {
    const strings = this.strings;
    return html`<form part="regenerate-form" @submit=${this.submitRegenerate}>
      <label>${strings.regenerateLabel}<textarea name="instruction" rows="2" maxlength="2000" required placeholder=${strings.regeneratePlaceholder}></textarea></label>
      <p class="muted">${strings.regenerateHint}</p>
      <div class="form-actions">
        <button type="submit" part="regenerate-submit" class="primary">${strings.regenerateSubmit}</button>
        <button type="button" @click=${() => (this.regenerating = false)}>${strings.cancelEdit}</button>
      </div>
    </form>`;
  }

  private startEdit(): void {
    const deliverable = this.deliverable;
    if (!deliverable) return;
    this.editError = undefined;
    this.editing = { fields: editFields(deliverable, this.strings), baseVersion: this.version?.version ?? 1, deliverable };
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('[part="editor"] [name="field-0"]')?.focus());
  }

  private cancelEdit(): void {
    this.editing = undefined;
    this.editError = undefined;
    this.saving = false;
  }

  private async saveEdit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const editing = this.editing;
    if (!editing || this.saving || !this.publish) return;
    const form = event.currentTarget as HTMLFormElement;
    const values = editing.fields.map((_, index) => (form.elements.namedItem(`field-${index}`) as HTMLInputElement | HTMLTextAreaElement).value);
    const { deliverable, baseVersion } = editing;
    this.saving = true;
    this.editError = undefined;
    try {
      await this.publish({
        type: 'deliverable.edited',
        runId: deliverable.runId,
        taskId: deliverable.taskId,
        deliverableId: deliverable.id,
        baseVersion,
        content: contentOf(deliverable, editing.fields, values),
      });
      this.editing = undefined;
    } catch (error) {
      // Someone stored a newer version first: say so, and keep what the person typed.
      const conflict = (error as { code?: unknown }).code === 'conflict';
      this.editError = conflict ? this.strings.editConflict : error instanceof Error ? error.message : String(error);
      this.dispatchEvent(new CustomEvent('mt-error', { detail: { action: 'edit-deliverable', message: this.editError, error }, bubbles: true, composed: true }));
    } finally {
      this.saving = false;
    }
  }

  private decide(type: 'mt-approve' | 'mt-request-changes'): void {
    const deliverable = this.deliverable;
    const field = this.renderRoot.querySelector<HTMLTextAreaElement>('[part="review"] textarea');
    if (!deliverable || !field) return;
    const comment = field.value.trim();
    if (type === 'mt-request-changes' && !comment) {
      field.focus();
      field.setCustomValidity(this.strings.changesPlaceholder);
      field.reportValidity();
      return;
    }
    field.setCustomValidity('');
    this.dispatchEvent(
      new CustomEvent(type, {
        bubbles: true,
        composed: true,
        detail: { runId: deliverable.runId, taskId: deliverable.taskId, ...(comment ? { comment } : {}) },
      }),
    );
    field.value = '';
  }

  /** Saves the deliverable as a file: Markdown, the sanitized landing page, or the banner as SVG. */
  private download(deliverable: Deliverable, what: 'deliverable' | 'banner'): void {
    const root = this.renderRoot as ShadowRoot;
    if (what === 'banner' && deliverable.kind === 'creative-concepts') {
      void loadSanitizers().then((sanitizers) => {
        const svg = sanitizers.inertSvg(deliverable.data.bannerSvg);
        if (svg) saveFile(root, fileName(`${deliverable.title} banner`, 'svg'), new Blob([svg], { type: 'image/svg+xml' }));
      });
      return;
    }
    if (deliverable.kind === 'landing-page' && this.landingDocument !== undefined) {
      saveFile(root, fileName(deliverable.title, 'html'), new Blob([this.landingDocument], { type: 'text/html' }));
      return;
    }
    saveFile(root, fileName(deliverable.title, 'md'), new Blob([this.markdownText(deliverable)], { type: 'text/markdown' }));
  }

  /**
   * Copies text to the clipboard; where the Clipboard API is refused (no focus, an old browser)
   * a hidden field and `execCommand('copy')` do it.
   */
  private async copy(key: string, text: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const field = document.createElement('textarea');
      field.value = text;
      field.setAttribute('readonly', '');
      field.style.cssText = 'position:fixed;opacity:0;pointer-events:none';
      this.renderRoot.appendChild(field);
      field.select();
      document.execCommand('copy');
      field.remove();
    }
    this.copied = key;
    clearTimeout(this.copiedTimer);
    this.copiedTimer = setTimeout(() => (this.copied = undefined), 2000);
  }

  private copiedTimer: ReturnType<typeof setTimeout> | undefined;

  /** The deliverable as Markdown, with its required disclaimers, as a marketer would paste it. */
  private markdownText(deliverable: Deliverable): string {
    const disclaimers = deliverable.disclaimers?.length ? `\n\n---\n${deliverable.disclaimers.join('\n\n')}` : '';
    return `# ${deliverable.title}\n\n${withoutTitle(deliverable.markdown, deliverable.title).trim()}${disclaimers}\n`;
  }

  private copyButton(key: string, label: string, text: () => string) {
    const done = this.copied === key;
    return html`<button type="button" part="copy" class="action" data-copy=${key} @click=${() => void this.copy(key, text())}>
      ${done ? this.strings.copied : label}
    </button>`;
  }

  private openPreview(): void {
    // Defined by the sanitizer chunk, which has loaded: the landing document exists only after it.
    this.renderRoot.querySelector<HTMLElement & { open(): void }>('mt-landing-preview')?.open();
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (!changed.has('deliverable') && !changed.has('mediaOrigins')) return;
    const deliverable = this.deliverable;
    if (deliverable?.kind !== 'landing-page') {
      this.landingDocument = undefined;
      return;
    }
    const html = deliverable.data.html;
    const origins = this.mediaOrigins;
    const loaded = loadedSanitizers();
    if (loaded) {
      this.landingDocument = loaded.landingPageDocument(html, { mediaOrigins: origins });
      return;
    }
    // Nothing of the page is shown until it has been sanitized.
    this.landingDocument = undefined;
    void loadSanitizers().then((sanitizers) => {
      if (this.deliverable !== deliverable || this.mediaOrigins !== origins) return;
      this.landingDocument = sanitizers.landingPageDocument(html, { mediaOrigins: origins });
    });
  }

  /** Moves focus to the card (used when a new deliverable arrives). */
  override focus(options?: FocusOptions): void {
    this.renderRoot.querySelector<HTMLElement>('[part="deliverable"]')?.focus(options);
  }

  protected override render() {
    const deliverable = this.deliverable;
    if (!deliverable) return nothing;
    const strings = this.strings;
    return html`<article
      part="deliverable"
      tabindex="-1"
      aria-labelledby="heading"
      data-kind=${deliverable.kind}
      data-deliverable=${deliverable.id}
    >
      <header>
        <span class="badge">${strings.deliverableKinds[deliverable.kind]}</span>
        <span class="muted">${agentDisplayName(strings, deliverable.agent)}</span>
        ${deliverable.offline ? html`<span class="badge" data-offline>${strings.offlineModel}</span>` : nothing}
        ${this.steeredBy
          ? html`<span part="steered" class="badge steered" title=${strings.steeredTitle(this.steeredBy)}>${strings.steeredBadge}</span>`
          : nothing}
        ${this.fresh ? html`<span class="badge fresh" data-fresh>${strings.newBadge}</span>` : nothing}
        <div class="title-row">
        <h4 part="heading" id="heading">${deliverable.title}</h4>
        <div part="actions" class="actions">
          ${this.copyButton('markdown', strings.copyMarkdown, () => this.markdownText(deliverable))}
          ${deliverable.kind === 'landing-page' && this.landingDocument !== undefined
            ? html`${this.copyButton('html', strings.copyHtml, () => this.landingDocument ?? '')}
                <button type="button" part="preview-open" class="action" @click=${this.openPreview}>${strings.openPreview}</button>`
            : nothing}
          ${deliverable.kind !== 'landing-page' || this.landingDocument !== undefined
            ? html`<button type="button" part="download" class="action" data-download="deliverable" @click=${() => this.download(deliverable, 'deliverable')}>
                ${strings.download}
              </button>`
            : nothing}
          ${deliverable.kind === 'creative-concepts' && deliverable.data.bannerSvg.trim()
            ? html`<button type="button" part="download" class="action" data-download="banner" @click=${() => this.download(deliverable, 'banner')}>
                ${strings.downloadBanner}
              </button>`
            : nothing}
          ${this.canWrite && !this.editing
            ? html`<button type="button" part="edit" class="action" @click=${this.startEdit}>${strings.edit}</button>`
            : nothing}
          ${this.canRegenerate && !this.editing && !this.regenerating
            ? html`<button type="button" part="regenerate" class="action" @click=${this.openRegenerate}>${strings.regenerate}</button>`
            : nothing}
          ${this.editing ? nothing : this.variantsPanel.renderButton(this.canRegenerate)}
        </div>
        </div>
        ${this.renderEdited()}
      </header>
      ${this.review?.status === 'review' ? this.renderReview() : nothing}
      ${this.review?.answeredElsewhere
        ? html`<p part="review-answer" role="status">${this.strings.answeredOn(this.review.answeredElsewhere.device, this.review.answeredElsewhere.decision)}</p>`
        : nothing}
      ${this.regenerating ? this.renderRegenerate() : nothing}
      ${this.editing ? this.renderEditor(this.editing.fields) : this.renderBody(deliverable)}
      ${this.editing ? nothing : this.variantsPanel.render((variant) => this.renderBody(variant))}
      ${this.review?.comments.length
        ? html`<ul part="comments" aria-label=${strings.reviewComments}>
            ${this.review.comments.map((comment) => html`<li><span class="who">${actorName(comment.by)}</span>${comment.text}</li>`)}
          </ul>`
        : nothing}
      ${deliverable.disclaimers?.length
        ? html`<footer part="disclaimers" aria-label=${strings.disclaimersLabel}>
            ${deliverable.disclaimers.map((disclaimer) => html`<p>${disclaimer}</p>`)}
          </footer>`
        : nothing}
    </article>`;
  }

  /** Who made the current version, once a person has edited it. */
  private renderEdited() {
    const last = this.version?.history.at(-1);
    if (!last || last.by.kind !== 'human') return nothing;
    const when = new Date(last.at).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
    const letter = last.variantId === undefined ? undefined : this.variantsInfo?.variants.find((variant) => variant.deliverable.id === last.variantId)?.letter;
    // Version 1 by a person is their own text: they took the task over and marked it done.
    const said = letter
      ? this.strings.variantChosenBy(actorName(last.by), letter, last.version)
      : last.version === 1
        ? this.strings.writtenBy(actorName(last.by))
        : this.strings.editedBy(actorName(last.by), last.version);
    return html`<span part="edited" data-version=${last.version} title=${when}>${said} · ${when}</span>`;
  }

  private renderEditor(fields: readonly EditField[]) {
    const strings = this.strings;
    return html`<form part="editor" @submit=${this.saveEdit} aria-label=${strings.edit}>
      ${fields.map((field, index) => {
        const key = String(field.path.at(-1));
        return html`<label
          >${field.label}
          ${field.multiline
            ? html`<textarea name=${`field-${index}`} data-field=${key} maxlength=${field.maxLength} .value=${field.value}></textarea>`
            : html`<input name=${`field-${index}`} data-field=${key} maxlength=${field.maxLength} .value=${field.value} />`}
        </label>`;
      })}
      ${this.editError ? html`<p class="form-error" role="alert">${this.editError}</p>` : nothing}
      <div class="form-actions">
        <button type="submit" part="editor-save" class="primary" ?disabled=${this.saving}>${this.saving ? strings.saving : strings.save}</button>
        <button type="button" part="editor-cancel" @click=${this.cancelEdit}>${strings.cancelEdit}</button>
      </div>
    </form>`;
  }

  private renderReview() {
    const strings = this.strings;
    if (!this.canControl) return html`<div part="review" role="status"><strong>${strings.awaitingReview}</strong><span class="muted">${strings.reviewNotAllowed}</span></div>`;
    return html`<div part="review" role="group" aria-label=${strings.awaitingReview} ?data-quiet=${this.review?.quiet}>
      <strong>${strings.awaitingReview}</strong>
      <label>${strings.reviewCommentLabel}<textarea maxlength="4000" @input=${(event: Event) => (event.target as HTMLTextAreaElement).setCustomValidity('')}></textarea></label>
      <div class="form-actions">
        <button type="button" part="review-approve" class="primary" @click=${() => this.decide('mt-approve')}>${strings.approve}</button>
        <button type="button" part="review-request-changes" @click=${() => this.decide('mt-request-changes')}>${strings.requestChanges}</button>
      </div>
    </div>`;
  }

  private renderBody(deliverable: Deliverable) {
    switch (deliverable.kind) {
      case 'landing-page':
        return this.renderLandingPage(deliverable);
      case 'social-posts':
      case 'ad-copy':
      case 'creative-concepts':
      case 'measurement-plan': {
        // Their renderers ride in the lazily loaded module (with the sanitizer).
        const bodies = loadedSanitizers();
        if (!bodies) {
          void loadSanitizers().then(() => this.requestUpdate());
          return html`<p class="muted" aria-busy="true">${this.strings.preparing}</p>`;
        }
        return deliverable.kind === 'social-posts'
          ? bodies.renderPosts(deliverable, this.strings)
          : deliverable.kind === 'ad-copy'
            ? bodies.renderAdCopy(deliverable, this.strings)
            : deliverable.kind === 'creative-concepts'
              ? bodies.renderCreative(deliverable, this.strings)
              : bodies.renderMeasurement(deliverable, this.strings);
      }
      default:
        return html`<mt-markdown
          .markdown=${withoutTitle(deliverable.markdown, deliverable.title)}
          .mediaOrigins=${this.mediaOrigins}
          top-heading="5"
          theme=${this.theme ?? nothing}
        ></mt-markdown>`;
    }
  }



  private renderLandingPage(deliverable: DeliverableOf<'landing-page'>) {
    if (this.landingDocument === undefined) {
      return html`<div part="landing-page" class="landing-placeholder" aria-busy="true">${this.strings.landingPreviewLoading}</div>`;
    }
    // An empty sandbox: no scripts, no same-origin access, no forms, no popups, no top navigation;
    // the document's own policy keeps it from loading anything but the allowed images.
    return html`<mt-landing-preview
        .srcdoc=${this.landingDocument}
        .headline=${deliverable.data.headline}
        .strings=${this.strings}
        exportparts="preview, preview-frame, preview-close"
        theme=${this.theme ?? nothing}
      ></mt-landing-preview
      ><iframe
      part="landing-page"
      sandbox=""
      referrerpolicy="no-referrer"
      loading="lazy"
      title=${this.strings.landingPreviewTitle(deliverable.data.headline)}
      .srcdoc=${this.landingDocument}
    ></iframe>`;
  }


}

/** A person's name as the log has it (from their token), or their id. */
function actorName(actor: CardState['comments'][number]['by']): string {
  return actor.kind === 'human' ? (actor.name ?? actor.id) : actor.kind === 'agent' ? actor.agent : 'system';
}

/** Drops a leading Markdown heading that repeats the card's title. */
function withoutTitle(markdown: string, title: string): string {
  const match = /^\s*#{1,6}[ \t]+(.+?)[ \t#]*(?:\r?\n|$)/.exec(markdown);
  return match && match[1]!.trim() === title.trim() ? markdown.slice(match[0].length) : markdown;
}

defineElement('mt-deliverable-card', DeliverableCardElement);

declare global {
  interface HTMLElementTagNameMap {
    'mt-deliverable-card': DeliverableCardElement;
  }
}
