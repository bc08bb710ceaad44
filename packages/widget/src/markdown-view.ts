import { LitElement, css, html, type PropertyValues } from 'lit';
import { unsafeHTML } from 'lit/directives/unsafe-html.js';
import { defineElement } from './internal/_define.js';
import { loadMarkdownRenderer, loadedMarkdownRenderer } from './internal/_markdown-loader.js';
import { themeStyles } from './internal/_theme.js';

/**
 * Renders untrusted Markdown (model output) through marked and DOMPurify; raw HTML in it shows
 * as text, and images load only from `mediaOrigins`. The sanitizer loads lazily; until it has,
 * the text shows as plain text, never as HTML.
 *
 * @csspart content - The rendered Markdown.
 */
export class MarkdownViewElement extends LitElement {
  static override properties = {
    markdown: { type: String },
    topHeading: { type: Number, attribute: 'top-heading' },
    mediaOrigins: { attribute: false },
    theme: { type: String, reflect: true },
  };
  static override styles = [
    themeStyles,
    css`
      :host {
        display: block;
        overflow-wrap: anywhere;
      }
      .plain {
        white-space: pre-wrap;
      }
      [part='content'] > :first-child {
        margin-top: 0;
      }
      [part='content'] > :last-child {
        margin-bottom: 0;
      }
      a {
        color: var(--_accent);
      }
      /* Model headings sit inside a card or lane: sized as emphasis, not as page titles. */
      h1,
      h2,
      h3,
      h4,
      h5,
      h6 {
        font-size: 1em;
        margin: 1em 0 0.35em;
      }
      img {
        max-width: 100%;
      }
      blockquote {
        margin: 0.6em 0;
        padding: 2px 12px;
        border-left: 3px solid var(--_accent);
        color: var(--_muted);
      }
      pre,
      code {
        font-family: var(--_mono);
        font-size: 0.9em;
      }
      pre {
        overflow-x: auto;
        background: var(--_surface);
        padding: 8px;
        border-radius: var(--_radius);
      }
      table {
        border-collapse: collapse;
      }
      th,
      td {
        border: 1px solid var(--_border);
        padding: 4px 8px;
      }
    `,
  ];

  /** The Markdown source (untrusted). */
  declare markdown: string;
  /** The level the document's highest heading becomes (1-6), so it sits below the page's own headings. */
  declare topHeading: number | undefined;
  /** Origins Markdown images may load from; none by default (images show as links). */
  declare mediaOrigins: readonly string[];
  /** `light` or `dark`; follows the system when absent. */
  declare theme: string | undefined;

  private sanitized: string | undefined;

  constructor() {
    super();
    this.markdown = '';
    this.mediaOrigins = [];
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('markdown') && !changed.has('topHeading') && !changed.has('mediaOrigins')) return;
    const options = { mediaOrigins: this.mediaOrigins, ...(this.topHeading === undefined ? {} : { topHeading: this.topHeading }) };
    const render = loadedMarkdownRenderer();
    if (render) {
      this.sanitized = render(this.markdown, options);
      return;
    }
    this.sanitized = undefined;
    const source = this.markdown;
    const origins = this.mediaOrigins;
    void loadMarkdownRenderer().then((loaded) => {
      if (this.markdown !== source || this.mediaOrigins !== origins) return;
      this.sanitized = loaded(source, options);
      this.requestUpdate();
    });
  }

  protected override render() {
    // Only sanitizer output ever reaches unsafeHTML; before it loads the text is escaped.
    if (this.sanitized === undefined) return html`<div part="content" class="plain">${this.markdown}</div>`;
    return html`<div part="content">${unsafeHTML(this.sanitized)}</div>`;
  }
}

defineElement('mt-markdown', MarkdownViewElement);

declare global {
  interface HTMLElementTagNameMap {
    'mt-markdown': MarkdownViewElement;
  }
}
