import { css } from 'lit';

// Every element maps the public --mt-* properties to private --_* ones with light defaults,
// switches the defaults for dark (system preference unless theme="light", or theme="dark"),
// so each element themes the same way whether nested in <marketing-team> or used alone.
const light = css`
  --_bg: var(--mt-color-background, #ffffff);
  --_surface: var(--mt-color-surface, #f5f6f8);
  --_text: var(--mt-color-text, #1b1d23);
  --_muted: var(--mt-color-muted, #545a66);
  --_border: var(--mt-color-border, #d5d8de);
  --_accent: var(--mt-color-accent, #3a4fd6);
  --_accent-text: var(--mt-color-accent-text, #ffffff);
  --_danger: var(--mt-color-danger, #b3261e);
  --_success: var(--mt-color-success, #1e7a3c);
  --_warning: var(--mt-color-warning, #8a5a00);
  --_focus: var(--mt-focus-ring, 0 0 0 3px #3a4fd680);
`;
const dark = css`
  --_bg: var(--mt-color-background, #15171c);
  --_surface: var(--mt-color-surface, #1f222a);
  --_text: var(--mt-color-text, #eceef2);
  --_muted: var(--mt-color-muted, #a9afbb);
  --_border: var(--mt-color-border, #3a3f4b);
  --_accent: var(--mt-color-accent, #8c9bff);
  --_accent-text: var(--mt-color-accent-text, #0d0f14);
  --_danger: var(--mt-color-danger, #ff8a80);
  --_success: var(--mt-color-success, #7bd88f);
  --_warning: var(--mt-color-warning, #f2c46d);
  --_focus: var(--mt-focus-ring, 0 0 0 3px #8c9bff80);
`;

/** Shared theme and base styles of every widget element. */
export const themeStyles = css`
  :host {
    ${light}
    --_radius: var(--mt-radius, 8px);
    --_space: var(--mt-space, 12px);
    --_font: var(--mt-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    --_mono: var(--mt-font-family-mono, ui-monospace, 'SFMono-Regular', Menlo, monospace);
    color: var(--_text);
    font-family: var(--_font);
    font-size: var(--mt-font-size, 15px);
    line-height: 1.45;
    box-sizing: border-box;
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      ${dark}
    }
  }
  :host([theme='dark']) {
    ${dark}
  }
  :host([hidden]) {
    display: none;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  button {
    font: inherit;
    cursor: pointer;
    border-radius: var(--_radius);
    border: 1px solid var(--_border);
    background: var(--_surface);
    color: var(--_text);
    padding: 6px 12px;
    min-height: 36px;
  }
  button.primary {
    background: var(--_accent);
    color: var(--_accent-text);
    border-color: var(--_accent);
  }
  button.danger {
    color: var(--_danger);
    border-color: currentColor;
    background: transparent;
  }
  button:disabled {
    cursor: not-allowed;
    opacity: 0.55;
  }
  input,
  textarea,
  select {
    font: inherit;
    color: var(--_text);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    padding: 6px 10px;
    width: 100%;
  }
  :focus-visible {
    outline: none;
    box-shadow: var(--_focus);
  }
  h2,
  h3,
  h4 {
    margin: 0 0 8px;
    line-height: 1.25;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
  .muted {
    color: var(--_muted);
  }
  .badge {
    display: inline-block;
    font-size: 0.78em;
    padding: 1px 8px;
    border-radius: 999px;
    border: 1px solid var(--_border);
    color: var(--_muted);
    white-space: nowrap;
  }
`;
