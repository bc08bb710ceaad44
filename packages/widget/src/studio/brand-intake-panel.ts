import type { BrandDraft } from '@marketing-team/core';
import { html, nothing, type TemplateResult } from 'lit';
import { draftEnded, type DraftView } from './studio-drafts.js';
import { brandFieldLabel, type StudioStrings } from './studio-strings.js';

/** The brand kit fields a brand intake drafts, in the order the brand form shows them. */
export const INTAKE_FIELDS = ['name', 'voiceGuide', 'styleGuide', 'strategy', 'audience', 'products', 'bannedTerms', 'requiredDisclaimers', 'palette'] as const;
export type IntakeField = (typeof INTAKE_FIELDS)[number];

/** What the panel needs from the studio. */
export interface BrandIntakeContext {
  strings: StudioStrings;
  files: readonly File[];
  pasted: string;
  /** The intake draft to show (streaming, or its result to review), if any. */
  view: DraftView | undefined;
  /** A request on its way to the server. */
  starting: boolean;
  error: string | undefined;
  /** Fields the editor unticked in the review. */
  unticked: ReadonlySet<IntakeField>;
  onFiles(files: File[]): void;
  onPasted(text: string): void;
  onStart(): void;
  onCancel(runId: string): void;
  onToggle(field: IntakeField, on: boolean): void;
  onApply(brand: BrandDraft, fields: IntakeField[]): void;
  onDiscard(runId: string): void;
}

/** One drafted field as text, for the review list. */
function preview(brand: BrandDraft, field: IntakeField): string {
  const value = brand[field];
  if (value === undefined) return '';
  if (field === 'products') return (value as NonNullable<BrandDraft['products']>).map((product) => (product.description ? `${product.name}: ${product.description}` : product.name)).join('\n');
  if (Array.isArray(value)) return (value as string[]).join(field === 'palette' ? ' ' : '\n');
  return String(value);
}

/**
 * "Start from what you already have": the marketer uploads or pastes brand documents, a durable
 * draft run reads them (its progress streams here, on every device of the editor), and the drafted
 * fields come back as a list to tick and apply to the brand form, which they then save.
 */
export function renderBrandIntake(context: BrandIntakeContext): TemplateResult {
  const s = context.strings;
  const view = context.view;
  const running = view !== undefined && !draftEnded(view);
  const count = context.files.length + (context.pasted.trim() ? 1 : 0);
  return html`<section class="card" part="intake" aria-labelledby="intake-heading">
    <div class="card-head"><h4 id="intake-heading">${s.intakeHeading}</h4></div>
    <p class="hint" style="margin:0">${s.intakeHint}</p>
    <div class="grid-2">
      <div part="field">
        <label for="intake-files">${s.intakeFiles}</label>
        <input
          id="intake-files"
          type="file"
          multiple
          accept=".md,.markdown,.txt,.pdf,.docx,text/markdown,text/plain,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document"
          aria-describedby="intake-files-hint"
          ?disabled=${running}
          @change=${(event: Event) => context.onFiles([...((event.target as HTMLInputElement).files ?? [])].slice(0, 10))}
        />
        <span class="hint" id="intake-files-hint">${s.intakeFilesHint}</span>
      </div>
      <div part="field">
        <label for="intake-paste">${s.intakePaste}</label>
        <textarea id="intake-paste" rows="3" .value=${context.pasted} ?disabled=${running} @input=${(event: Event) => context.onPasted((event.target as HTMLTextAreaElement).value)}></textarea>
      </div>
    </div>
    <div class="row">
      <button class="primary" data-action="intake" ?disabled=${running || context.starting || count === 0} @click=${() => context.onStart()}>
        ${running || context.starting ? s.intakeReading(Math.max(1, count)) : s.intakeStart}
      </button>
      ${running ? html`<button data-action="cancel-intake" @click=${() => context.onCancel(view.runId)}>${s.cancelAnalysis}</button>` : nothing}
    </div>
    ${context.error ? html`<p class="error-text" role="alert">${context.error}</p>` : nothing}
    ${running && view.text ? html`<div class="stream" part="intake-stream" aria-hidden="true">${view.text}</div>` : nothing}
    ${view && (view.status === 'failed' || view.status === 'interrupted') ? html`<p class="error-text" role="alert">${s.intakeFailed(view.error ?? view.status)}</p>` : nothing}
    ${view?.status === 'completed' && view.result?.kind === 'brand-intake' ? renderReview(context, view.runId, view.result.brand, view.result.sources) : nothing}
  </section>`;
}

function renderReview(context: BrandIntakeContext, runId: string, brand: BrandDraft, sources: readonly string[]): TemplateResult {
  const s = context.strings;
  const found = INTAKE_FIELDS.filter((field) => brand[field] !== undefined);
  if (found.length === 0) return html`<p class="notice" role="status">${s.intakeNothing}</p>`;
  const ticked = found.filter((field) => !context.unticked.has(field));
  return html`<div part="intake-review" role="group" aria-labelledby="intake-review-heading">
    <h5 id="intake-review-heading">${s.intakeReviewHeading(sources.join(', '))}</h5>
    <ul class="intake-fields">
      ${found.map(
        (field) => html`<li>
          <input type="checkbox" id=${`intake-${field}`} data-intake-field=${field} .checked=${!context.unticked.has(field)} @change=${(event: Event) => context.onToggle(field, (event.target as HTMLInputElement).checked)} />
          <label for=${`intake-${field}`} class="intake-name">${brandFieldLabel(s, field)}</label>
          <div class="intake-value">
            ${field === 'palette'
              ? html`<span class="swatches">${(brand.palette ?? []).map((colour) => html`<span class="swatch" style="background:${colour}" title=${colour}></span>`)}</span>`
              : nothing}<span class="value">${preview(brand, field)}</span>
          </div>
        </li>`,
      )}
    </ul>
    <div class="row">
      <button class="primary" data-action="apply-intake" ?disabled=${ticked.length === 0} @click=${() => context.onApply(brand, ticked)}>${s.intakeApply}</button>
      <button data-action="discard-intake" @click=${() => context.onDiscard(runId)}>${s.intakeDiscard}</button>
    </div>
  </div>`;
}
