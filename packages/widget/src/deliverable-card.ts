import type { Deliverable, DeliverableOf } from '@marketing-team/core';
import { LitElement, css, html, nothing } from 'lit';
import { defineElement } from './internal/_define.js';
import { loadSanitizers, loadedSanitizers } from './internal/_markdown-loader.js';
import { themeStyles } from './internal/_theme.js';
import './markdown-view.js';
import { agentDisplayName, defaultStrings, type WidgetStrings } from './strings.js';

/**
 * One deliverable, rendered by kind: Markdown documents through the sanitizer, social posts as
 * channel-styled cards with character counts, ad variants, the landing page sanitized, under its
 * own Content-Security-Policy, in a sandboxed iframe without scripts or same-origin access, the
 * SVG banner as an image, and the measurement plan as a table. The required disclaimers follow
 * in an element of their own, apart from the model's text, so nothing in it can hide them.
 *
 * @csspart deliverable - The card.
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
    landingDocument: { state: true },
    copied: { state: true },
  };
  static override styles = [
    themeStyles,
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
        border-left: 4px solid var(--_channel, var(--_accent));
        border-radius: calc(var(--_radius) - 2px);
        padding: 8px 10px;
        background: var(--_surface);
        display: grid;
        gap: 6px;
        align-content: start;
      }
      [data-channel='x'] {
        --_channel: #1d1d1f;
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
        --_channel: #25f4ee;
      }
      [data-channel='threads'] {
        --_channel: #5b5b5b;
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
  /** The sanitized `srcdoc` of the landing page, once the sanitizer has loaded. */
  declare private landingDocument: string | undefined;
  /** Which copy button just copied (its feedback shows for a moment). */
  declare private copied: string | undefined;

  constructor() {
    super();
    this.strings = defaultStrings;
    this.mediaOrigins = [];
    this.fresh = false;
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
        </div>
        </div>
      </header>
      ${this.renderBody(deliverable)}
      ${deliverable.disclaimers?.length
        ? html`<footer part="disclaimers" aria-label=${strings.disclaimersLabel}>
            ${deliverable.disclaimers.map((disclaimer) => html`<p>${disclaimer}</p>`)}
          </footer>`
        : nothing}
    </article>`;
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
