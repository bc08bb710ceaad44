import { LitElement, css, html, nothing } from 'lit';
import { defineElement } from '../internal/_define.js';
import { themeStyles } from '../internal/_theme.js';
import { defaultStrings, type WidgetStrings } from '../strings.js';

/**
 * The full-screen landing page preview: the sanitized document (with its own
 * Content-Security-Policy first) in the same empty sandbox as the card's preview, at a phone's
 * or a desktop's width. It rides in the lazily loaded sanitizer chunk: only a landing page that
 * has been sanitized can be previewed, so a first paint never needs it.
 *
 * @csspart preview - The full-screen dialog.
 * @csspart preview-frame - The sandboxed frame.
 * @csspart preview-close - The close button.
 */
export class LandingPreviewElement extends LitElement {
  static override properties = {
    srcdoc: { attribute: false },
    headline: { attribute: false },
    strings: { attribute: false },
    theme: { type: String, reflect: true },
    width: { state: true },
    opened: { state: true },
  };
  static override styles = [
    themeStyles,
    css`
      :host {
        display: contents;
      }
      [part='preview'] {
        width: 100vw;
        height: 100vh;
        max-width: none;
        max-height: none;
        margin: 0;
        padding: 0;
        border: 0;
        background: var(--_surface);
        color: var(--_text);
      }
      [part='preview'][open] {
        display: grid;
        /* minmax(0, …): a long headline shrinks instead of widening the dialog past the screen. */
        grid-template-columns: minmax(0, 1fr);
        grid-template-rows: auto minmax(0, 1fr);
      }
      [part='preview']::backdrop {
        background: rgb(0 0 0 / 0.5);
      }
      .preview-bar {
        display: flex;
        align-items: center;
        gap: 8px;
        padding: 8px 12px;
        border-bottom: 1px solid var(--_border);
        background: var(--_bg);
      }
      .preview-bar strong {
        flex: 1 1 0;
        min-width: 0;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .preview-bar [aria-pressed='true'] {
        background: var(--_accent);
        color: var(--_accent-text);
        border-color: transparent;
      }
      .preview-stage {
        overflow: auto;
        display: flex;
        /* A desktop-wide page on a phone scrolls sideways instead of losing its left edge. */
        justify-content: safe center;
        padding: 12px;
      }
      .preview-stage iframe {
        border: 1px solid var(--_border);
        border-radius: calc(var(--_radius) - 2px);
        background: #fff;
        height: 100%;
        min-height: 480px;
        flex: none;
      }
    `,
  ];

  /** The sanitized document (never raw model output). */
  declare srcdoc: string | undefined;
  /** The page's headline, for the bar and the frame's title. */
  declare headline: string;
  /** Replacement strings. */
  declare strings: WidgetStrings;
  /** `light` or `dark`; follows the system when absent. */
  declare theme: string | undefined;
  declare private width: 'phone' | 'desktop';
  /** The frame exists only while the preview is open: a closed preview holds no second document. */
  declare private opened: boolean;

  constructor() {
    super();
    this.headline = '';
    this.strings = defaultStrings;
    this.width = 'desktop';
    this.opened = false;
  }

  /** Opens the preview full screen, at the width of the screen it is opened on. */
  open(): void {
    this.width = window.innerWidth < 700 ? 'phone' : 'desktop';
    this.opened = true;
    this.renderRoot.querySelector('dialog')?.showModal();
  }

  private close(): void {
    this.renderRoot.querySelector('dialog')?.close();
  }

  protected override render() {
    const strings = this.strings;
    const width = this.width;
    const pick = (next: 'phone' | 'desktop') => () => (this.width = next);
    return html`<dialog part="preview" aria-label=${strings.landingPreviewTitle(this.headline)} @close=${() => (this.opened = false)}>
      <div class="preview-bar">
        <strong>${this.headline}</strong>
        <button type="button" data-width="phone" aria-pressed=${width === 'phone'} @click=${pick('phone')}>${strings.previewPhone}</button>
        <button type="button" data-width="desktop" aria-pressed=${width === 'desktop'} @click=${pick('desktop')}>${strings.previewDesktop}</button>
        <button type="button" part="preview-close" @click=${this.close}>${strings.closePreview}</button>
      </div>
      <div class="preview-stage">
        ${this.srcdoc === undefined || !this.opened
          ? nothing
          : html`<iframe
              part="preview-frame"
              sandbox=""
              referrerpolicy="no-referrer"
              title=${strings.landingPreviewTitle(this.headline)}
              style=${width === 'phone' ? 'width: 375px; max-width: 100%' : 'width: max(100%, 1024px)'}
              .srcdoc=${this.srcdoc}
            ></iframe>`}
      </div>
    </dialog>`;
  }
}

defineElement('mt-landing-preview', LandingPreviewElement);

declare global {
  interface HTMLElementTagNameMap {
    'mt-landing-preview': LandingPreviewElement;
  }
}
