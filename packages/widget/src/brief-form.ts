import type { CampaignBriefInput, DeliverableKind, SocialChannel } from '@marketing-team/core';
import { LitElement, css, html, nothing } from 'lit';
import { defineElement } from './internal/_define.js';
import { themeStyles } from './internal/_theme.js';
import { defaultStrings, type WidgetStrings } from './strings.js';

const CHANNELS: readonly SocialChannel[] = ['linkedin', 'x', 'instagram', 'facebook', 'tiktok', 'threads'];
const DEFAULT_CHANNELS: readonly SocialChannel[] = ['linkedin', 'x', 'instagram'];
/** The longest each text field may be (the brief schema's limits). */
const LIMITS = { goal: 2000, audience: 1000, product: 500 } as const;
type LimitedField = keyof typeof LIMITS;
// Counters show from this share of the limit on, so short briefs stay uncluttered.
const COUNTER_FROM = 0.8;

const KINDS: readonly DeliverableKind[] = [
  'research-brief',
  'campaign-strategy',
  'social-posts',
  'ad-copy',
  'landing-page',
  'creative-concepts',
  'measurement-plan',
];

/**
 * The campaign brief form. Enter submits from single-line fields, Ctrl+Enter (or Cmd+Enter)
 * from the goal field.
 *
 * @fires mt-brief-submit - A valid brief; detail is the `CampaignBriefInput`.
 * @csspart form - The form.
 * @csspart goal - The goal field.
 * @csspart submit - The submit button.
 * @csspart error - The validation message.
 * @csspart counter - The character count of a field near its limit.
 */
export class BriefFormElement extends LitElement {
  static override properties = {
    disabled: { type: Boolean },
    reason: { type: String },
    strings: { attribute: false },
    theme: { type: String, reflect: true },
    error: { state: true },
    lengths: { state: true },
  };
  static override styles = [
    themeStyles,
    css`
      :host {
        display: block;
        container-type: inline-size;
      }
      /* No keyboard shortcut to tell on touch screens or phone-sized layouts. */
      @media (pointer: coarse) {
        .hint.keys {
          display: none;
        }
      }
      @container (max-width: 480px) {
        .hint.keys {
          display: none;
        }
      }
      form {
        display: grid;
        gap: 10px;
      }
      .row {
        display: grid;
        gap: 10px;
        grid-template-columns: repeat(auto-fit, minmax(200px, 1fr));
      }
      label,
      legend {
        display: block;
        font-weight: 600;
        font-size: 0.9em;
        margin-bottom: 4px;
      }
      fieldset {
        border: 0;
        margin: 0;
        padding: 0;
        min-width: 0;
      }
      .choices {
        display: flex;
        flex-wrap: wrap;
        gap: 6px;
      }
      /* Choices as pills: the checkbox stays (keyboard and screen readers), the pill shows the state. */
      .choices label {
        display: inline-flex;
        align-items: center;
        gap: 6px;
        font-weight: 400;
        margin: 0;
        min-height: 32px;
        padding: 2px 12px 2px 10px;
        border: 1px solid var(--_border);
        border-radius: 999px;
        background: var(--_bg);
        cursor: pointer;
      }
      .choices label:has(input:checked) {
        border-color: var(--_accent);
        background: color-mix(in srgb, var(--_accent) 12%, var(--_bg));
      }
      .choices label:has(input:focus-visible) {
        box-shadow: var(--_focus);
      }
      /* Review gates: the same pills, smaller, since most briefs leave them all unticked. */
      .gates label {
        min-height: 28px;
        font-size: 0.88em;
      }
      .choices input {
        width: auto;
        margin: 0;
      }
      textarea {
        min-height: 4.5em;
        resize: vertical;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 8px 12px;
      }
      .hint {
        font-size: 0.82em;
        color: var(--_muted);
        margin: 0;
      }
      .counter {
        margin: 4px 0 0;
        font-size: 0.82em;
        color: var(--_muted);
        text-align: right;
      }
      .counter[data-over] {
        color: var(--_danger);
        font-weight: 600;
      }
      [part='error'] {
        color: var(--_danger);
        margin: 0;
      }
    `,
  ];

  /** Disables the form (for example when the token cannot write). */
  declare disabled: boolean;
  /** Why the form is disabled, shown beside it. */
  declare reason: string | undefined;
  /** Replacement strings. */
  declare strings: WidgetStrings;
  /** `light` or `dark`; follows the system when absent. */
  declare theme: string | undefined;
  declare private error: string | undefined;
  declare private lengths: Record<LimitedField, number>;

  constructor() {
    super();
    this.disabled = false;
    this.lengths = { goal: 0, audience: 0, product: 0 };
    this.strings = defaultStrings;
  }

  /** Reads the fields into a brief (without submitting). */
  readBrief(): CampaignBriefInput {
    const form = this.renderRoot.querySelector('form');
    if (!form) return { goal: '' };
    const data = new FormData(form);
    const text = (name: string) => String(data.get(name) ?? '').trim();
    const brief: CampaignBriefInput = {
      goal: text('goal'),
      channels: data.getAll('channels').map(String) as SocialChannel[],
      deliverables: data.getAll('deliverables').map(String) as DeliverableKind[],
      reviewGates: data.getAll('reviewGates').map(String) as DeliverableKind[],
    };
    if (text('audience')) brief.audience = text('audience');
    if (text('product')) brief.product = text('product');
    return brief;
  }

  /** Validates and emits the brief; returns whether it was sent. */
  submit(): boolean {
    if (this.disabled) return false;
    const brief = this.readBrief();
    if (!brief.goal) {
      this.error = this.strings.goalRequired;
      void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('[part="goal"]')?.focus());
      return false;
    }
    // Nothing is cut: a field over its limit is the person's to shorten, with the numbers to do it.
    for (const field of Object.keys(LIMITS) as LimitedField[]) {
      const length = Array.from(brief[field] ?? '').length;
      if (length > LIMITS[field]) {
        this.error = this.strings.fieldTooLong(this.fieldLabel(field), length, LIMITS[field]);
        void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`#${field}`)?.focus());
        return false;
      }
    }
    this.error = undefined;
    this.dispatchEvent(new CustomEvent<CampaignBriefInput>('mt-brief-submit', { detail: brief, bubbles: true, composed: true }));
    return true;
  }

  /** Shows an error under the form (for example one returned by the server). */
  showError(message: string | undefined): void {
    this.error = message;
  }

  private fieldLabel(field: LimitedField): string {
    return field === 'goal' ? this.strings.goalLabel : field === 'audience' ? this.strings.audienceLabel : this.strings.productLabel;
  }

  private onInput(event: Event): void {
    const target = event.target as HTMLInputElement | HTMLTextAreaElement;
    // Counted as it is sent (trimmed), so the counter and a refusal give the same number.
    if (target.name in LIMITS) this.lengths = { ...this.lengths, [target.name]: Array.from(target.value.trim()).length };
  }

  /** A counter under a field once it nears its limit (polite, so typing is not interrupted per key). */
  private counter(field: LimitedField) {
    const length = this.lengths[field];
    const limit = LIMITS[field];
    if (length < limit * COUNTER_FROM) return nothing;
    return html`<p part="counter" class="counter" id=${`${field}-count`} ?data-over=${length > limit}>${this.strings.fieldCount(length, limit)}</p>`;
  }

  private onSubmit(event: SubmitEvent): void {
    event.preventDefault();
    this.submit();
  }

  private onGoalKey(event: KeyboardEvent): void {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      this.submit();
    }
  }

  protected override render() {
    const strings = this.strings;
    const disabled = this.disabled;
    return html`<form part="form" @submit=${this.onSubmit} @input=${this.onInput} aria-describedby="hint" novalidate>
      <div>
        <label for="goal">${strings.goalLabel}</label>
        <textarea
          part="goal"
          id="goal"
          name="goal"
          required
          placeholder=${strings.goalPlaceholder}
          ?disabled=${disabled}
          aria-invalid=${this.error ? 'true' : 'false'}
          aria-describedby=${this.error ? 'error' : nothing}
          @keydown=${this.onGoalKey}
        ></textarea>
        ${this.counter('goal')}
      </div>
      <div class="row">
        <div>
          <label for="audience">${strings.audienceLabel}</label>
          <input id="audience" name="audience" autocomplete="off" ?disabled=${disabled} />
          ${this.counter('audience')}
        </div>
        <div>
          <label for="product">${strings.productLabel}</label>
          <input id="product" name="product" autocomplete="off" ?disabled=${disabled} />
          ${this.counter('product')}
        </div>
      </div>
      <fieldset ?disabled=${disabled}>
        <legend>${strings.channelsLabel}</legend>
        <div class="choices">
          ${CHANNELS.map(
            (channel) =>
              html`<label
                ><input type="checkbox" name="channels" value=${channel} ?checked=${DEFAULT_CHANNELS.includes(channel)} />${strings
                  .channels[channel]}</label
              >`,
          )}
        </div>
      </fieldset>
      <fieldset ?disabled=${disabled} aria-describedby="kinds-hint">
        <legend>${strings.deliverablesLabel}</legend>
        <div class="choices">
          ${KINDS.map(
            (kind) =>
              html`<label><input type="checkbox" name="deliverables" value=${kind} />${strings.deliverableKinds[kind]}</label>`,
          )}
        </div>
        <p class="hint" id="kinds-hint">${strings.deliverablesHint}</p>
      </fieldset>
      <fieldset ?disabled=${disabled} aria-describedby="gates-hint">
        <legend>${strings.reviewGatesLabel}</legend>
        <div class="choices gates">
          ${KINDS.map(
            (kind) =>
              html`<label><input type="checkbox" name="reviewGates" value=${kind} />${strings.deliverableKinds[kind]}</label>`,
          )}
        </div>
        <p class="hint" id="gates-hint">${strings.reviewGatesHint}</p>
      </fieldset>
      ${this.error ? html`<p part="error" id="error" role="alert">${this.error}</p>` : nothing}
      <div class="actions">
        <button part="submit" class="primary" type="submit" ?disabled=${disabled}>${strings.submitBrief}</button>
        ${disabled && this.reason
          ? html`<p class="hint" id="hint">${this.reason}</p>`
          : html`<p class="hint keys" id="hint">${strings.submitHint}</p>`}
      </div>
    </form>`;
  }
}

defineElement('mt-brief-form', BriefFormElement);

declare global {
  interface HTMLElementTagNameMap {
    'mt-brief-form': BriefFormElement;
  }
}
