import type { Deliverable, DeliverableVariant } from '@marketing-team/core/client';
import { css, html, nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { WidgetStrings } from '../strings.js';
import { tabIndexAfterKey } from './_kind-tabs.js';

/** The variants of one deliverable, and how many a variants run is still writing. */
export interface VariantsInfo {
  variants: readonly DeliverableVariant[];
  writing: number;
}

/** What the panel needs from the card that hosts it. */
export interface VariantsHost extends ReactiveControllerHost, HTMLElement {
  readonly deliverable: Deliverable | undefined;
  readonly variantsInfo: VariantsInfo | undefined;
  readonly strings: WidgetStrings;
  /** The deliverable's current version (a choice is made on it). */
  readonly currentVersion: number;
  readonly publish: ((event: Record<string, unknown>) => Promise<unknown>) | undefined;
  readonly renderRoot: HTMLElement | DocumentFragment;
}

/** Kinds that are A/B tested, so a person can ask for variants of them. */
export const VARIANT_KINDS: ReadonlySet<Deliverable['kind']> = new Set(['social-posts', 'ad-copy']);

/**
 * The A/B variants of a social post or ad card: the form that asks for 2 or 3 (`mt-request-variants`),
 * the A/B/C switcher (a tablist: arrow keys move between variants) and "Use this one", which
 * publishes `variant.chosen` on the current version. It renders inside the card's shadow root, so
 * the variants' posts and ads look like the card's own.
 */
export class VariantsPanel implements ReactiveController {
  /** The letter of the variant shown; the one in use, else the first, until the person picks. */
  private selected: string | undefined;
  private asking = false;
  private choosing = false;
  private error: string | undefined;

  constructor(private readonly host: VariantsHost) {
    host.addController(this);
  }

  hostConnected(): void {}

  /** The "Variants" button of the card's actions, when variants may be asked for. */
  renderButton(canRequest: boolean): TemplateResult | typeof nothing {
    const kind = this.host.deliverable?.kind;
    if (!canRequest || !kind || !VARIANT_KINDS.has(kind) || this.asking) return nothing;
    return html`<button type="button" part="variants-open" class="action" @click=${this.openForm}>${this.host.strings.variants}</button>`;
  }

  private readonly openForm = (): void => {
    this.asking = true;
    this.host.requestUpdate();
    void this.host.updateComplete.then(() => this.host.renderRoot.querySelector<HTMLInputElement>('[part="variants-form"] input[name="count"]:checked')?.focus());
  };

  private readonly closeForm = (): void => {
    this.asking = false;
    this.host.requestUpdate();
  };

  private readonly submit = (event: SubmitEvent): void => {
    event.preventDefault();
    const deliverable = this.host.deliverable;
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const count = Number(data.get('count')) === 3 ? 3 : 2;
    const instruction = String(data.get('instruction') ?? '').trim();
    if (!deliverable) return;
    this.host.dispatchEvent(
      new CustomEvent('mt-request-variants', {
        bubbles: true,
        composed: true,
        detail: { runId: deliverable.runId, taskId: deliverable.taskId, count, ...(instruction ? { instruction } : {}) },
      }),
    );
    this.asking = false;
    this.selected = undefined;
    this.host.requestUpdate();
  };

  private async choose(variant: DeliverableVariant): Promise<void> {
    const deliverable = this.host.deliverable;
    const publish = this.host.publish;
    if (!deliverable || !publish || this.choosing) return;
    this.choosing = true;
    this.error = undefined;
    this.host.requestUpdate();
    try {
      await publish({
        type: 'variant.chosen',
        runId: deliverable.runId,
        taskId: deliverable.taskId,
        deliverableId: deliverable.id,
        variantId: variant.deliverable.id,
        baseVersion: this.host.currentVersion,
      });
    } catch (error) {
      const conflict = (error as { code?: unknown }).code === 'conflict';
      this.error = conflict ? this.host.strings.variantConflict : error instanceof Error ? error.message : String(error);
      this.host.dispatchEvent(new CustomEvent('mt-error', { detail: { action: 'choose-variant', message: this.error, error }, bubbles: true, composed: true }));
    } finally {
      this.choosing = false;
      this.host.requestUpdate();
    }
  }

  private select(letter: string, focus: boolean): void {
    this.selected = letter;
    this.host.requestUpdate();
    if (focus) void this.host.updateComplete.then(() => this.host.renderRoot.querySelector<HTMLElement>(`[part~="variant-tab"][data-letter="${letter}"]`)?.focus());
  }

  private onKey(event: KeyboardEvent, variants: readonly DeliverableVariant[], current: number): void {
    const next = tabIndexAfterKey(event.key, current, variants.length);
    if (next === undefined) return;
    event.preventDefault();
    this.select(variants[next]!.letter, true);
  }

  /** The form, the variants and their switcher; nothing for a card without any. */
  render(renderBody: (deliverable: Deliverable) => unknown): TemplateResult | typeof nothing {
    const strings = this.host.strings;
    const info = this.host.variantsInfo;
    const variants = info?.variants ?? [];
    const writing = info?.writing ?? 0;
    if (!this.asking && variants.length === 0 && writing === 0) return nothing;
    const shown = variants.find((variant) => variant.letter === this.selected) ?? variants.find((variant) => variant.inUse) ?? variants[0];
    const index = shown ? variants.indexOf(shown) : -1;
    return html`${this.asking ? this.renderForm() : nothing}
      ${variants.length || writing
        ? html`<section part="variants" aria-labelledby="variants-heading">
            <div class="variants-head">
              <strong id="variants-heading">${strings.variantsHeading}</strong>
              ${writing ? html`<span class="muted" role="status" data-writing=${writing}>${strings.variantsWriting(writing)}</span>` : nothing}
            </div>
            ${variants.length
              ? html`<div part="variant-tabs" role="tablist" aria-label=${strings.variantsHeading} @keydown=${(event: KeyboardEvent) => this.onKey(event, variants, index)}>
                    ${variants.map(
                      (variant) => html`<button
                        type="button"
                        role="tab"
                        part=${variant.inUse ? 'variant-tab variant-in-use' : 'variant-tab'}
                        id=${`variant-tab-${variant.letter}`}
                        data-letter=${variant.letter}
                        aria-controls="variant-panel"
                        aria-selected=${variant === shown ? 'true' : 'false'}
                        tabindex=${variant === shown ? '0' : '-1'}
                        @click=${() => this.select(variant.letter, false)}
                      >
                        ${strings.variantLabel(variant.letter)}${variant.inUse ? html`<span class="in-use">${strings.variantInUse}</span>` : nothing}
                      </button>`,
                    )}
                  </div>
                  <div part="variant-panel" id="variant-panel" role="tabpanel" aria-labelledby=${`variant-tab-${shown!.letter}`} data-variant=${shown!.deliverable.id}>
                    ${renderBody(shown!.deliverable)}
                    <div class="form-actions">
                      ${shown!.inUse
                        ? html`<span class="badge in-use-badge">${strings.variantInUseLong}</span>`
                        : this.host.publish
                          ? html`<button type="button" part="variant-use" class="primary" ?disabled=${this.choosing} @click=${() => void this.choose(shown!)}>
                              ${strings.useVariant(shown!.letter)}
                            </button>`
                          : nothing}
                    </div>
                    ${this.error ? html`<p class="form-error" role="alert">${this.error}</p>` : nothing}
                  </div>`
              : nothing}
          </section>`
        : nothing}`;
  }

  private renderForm() {
    const strings = this.host.strings;
    return html`<form part="variants-form" @submit=${this.submit}>
      <fieldset>
        <legend>${strings.variantsCountLabel}</legend>
        <label><input type="radio" name="count" value="2" checked />2</label>
        <label><input type="radio" name="count" value="3" />3</label>
      </fieldset>
      <label class="instruction">${strings.variantsInstructionLabel}<textarea name="instruction" rows="2" maxlength="2000" placeholder=${strings.variantsPlaceholder}></textarea></label>
      <p class="muted">${strings.variantsHint}</p>
      <div class="form-actions">
        <button type="submit" part="variants-submit" class="primary">${strings.variantsSubmit}</button>
        <button type="button" @click=${this.closeForm}>${strings.cancelEdit}</button>
      </div>
    </form>`;
  }
}

/** The panel's look, added to the card's styles. */
export const variantsStyles = css`
  [part='variants'] {
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) - 2px);
    padding: 10px 12px;
    display: grid;
    gap: 8px;
    background: color-mix(in srgb, var(--_surface) 60%, var(--_bg));
  }
  .variants-head {
    display: flex;
    flex-wrap: wrap;
    gap: 6px 10px;
    align-items: baseline;
  }
  [part~='variant-tabs'] {
    display: flex;
    gap: 6px;
    flex-wrap: wrap;
  }
  [part~='variant-tab'] {
    min-height: 32px;
    padding: 2px 12px;
    border-radius: 999px;
    font-size: 0.88em;
    display: inline-flex;
    gap: 6px;
    align-items: center;
  }
  [part~='variant-tab'][aria-selected='true'] {
    background: var(--_accent);
    color: var(--_accent-text);
    border-color: var(--_accent);
  }
  [part~='variant-tab'] .in-use {
    font-size: 0.8em;
    opacity: 0.85;
  }
  [part~='variant-tab'] .in-use::before {
    content: '· ';
  }
  [part='variant-panel'] {
    display: grid;
    gap: 8px;
  }
  .in-use-badge {
    color: var(--_success);
    border-color: currentColor;
  }
  [part='variants-form'] {
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) - 2px);
    padding: 10px 12px;
    display: grid;
    gap: 8px;
  }
  [part='variants-form'] fieldset {
    border: 0;
    margin: 0;
    padding: 0;
    display: flex;
    gap: 14px;
    align-items: center;
    font-size: 0.9em;
  }
  [part='variants-form'] legend {
    float: left;
    font-weight: 600;
    font-size: 0.95em;
    margin-right: 4px;
  }
  [part='variants-form'] fieldset label {
    display: inline-flex;
    gap: 4px;
    align-items: center;
  }
  [part='variants-form'] input[type='radio'] {
    width: auto;
  }
  [part='variants-form'] .instruction {
    display: grid;
    gap: 4px;
    font-size: 0.85em;
    font-weight: 600;
  }
  [part='variants-form'] textarea {
    min-height: 3em;
    resize: vertical;
    font-weight: 400;
  }
  [part='variants-form'] p {
    margin: 0;
    font-size: 0.85em;
  }
`;
