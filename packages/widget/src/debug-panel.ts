import type { DeliveryTelemetry } from '@marketing-team/core';
import { LitElement, css, html } from 'lit';
import { defineElement } from './internal/_define.js';
import { themeStyles } from './internal/_theme.js';
import type { ConnectionInfo, WidgetClient } from './types.js';

/** The labels of the debug panel; replace any of them with the `strings` property. */
export const debugPanelStrings = {
  heading: 'Delivery on this device',
  device: 'Device',
  transport: 'Transport',
  status: 'Connection',
  timeToFirstToken: 'Time to first token',
  longestGap: 'Longest gap',
  resume: 'Resume',
  cancelToQuiet: 'Cancel to quiet',
  reconnects: 'Reconnects',
  digestMismatches: 'Digest mismatches',
  notYet: '—',
  unavailable: 'This client does not measure delivery.',
};
export type DebugPanelStrings = typeof debugPanelStrings;

/** `840 ms`, `1.2 s`, `3 min`: a duration at the precision a person reads. */
function duration(milliseconds: number | undefined, strings: DebugPanelStrings): string {
  if (milliseconds === undefined) return strings.notYet;
  if (milliseconds < 1000) return `${Math.round(milliseconds)} ms`;
  if (milliseconds < 60_000) return `${(milliseconds / 1000).toFixed(1)} s`;
  return `${Math.round(milliseconds / 60_000)} min`;
}

/**
 * `<mt-debug-panel>`: the delivery figures of this device, live (core's `DeliveryTelemetry`:
 * time to first token, longest gap, resume, cancel-to-quiet, reconnects, digest mismatches) with
 * the connection's status and transport. `<marketing-team debug>` shows it; it is loaded only then.
 *
 * @csspart debug - The panel (`debug-figures`: the list of figures).
 * @cssprop --mt-font-family-mono - Font of the figures.
 */
export class DebugPanelElement extends LitElement {
  static override properties = {
    client: { attribute: false },
    connection: { attribute: false },
    strings: { attribute: false },
    theme: { type: String, reflect: true },
    telemetry: { state: true },
  };
  static override styles = [
    themeStyles,
    css`
      :host {
        display: block;
      }
      [part='debug'] {
        border: 1px dashed var(--_border);
        border-radius: var(--_radius);
        background: var(--_bg);
        padding: calc(var(--_space) * 0.75) var(--_space);
        font-size: 0.85em;
      }
      h3 {
        margin: 0 0 calc(var(--_space) / 2);
        font-size: 1em;
      }
      [part='debug-figures'] {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(150px, 1fr));
        gap: calc(var(--_space) / 2) var(--_space);
        margin: 0;
      }
      dt {
        color: var(--_muted);
      }
      dd {
        margin: 0;
        font-family: var(--_mono);
        font-variant-numeric: tabular-nums;
      }
      [data-alert] dd {
        color: var(--_danger);
        font-weight: 600;
      }
    `,
  ];

  /** The client whose figures are shown. */
  declare client: WidgetClient | undefined;
  /** The connection as the element's controller last saw it. */
  declare connection: ConnectionInfo | undefined;
  /** Replacement labels. */
  declare strings: Partial<DebugPanelStrings> | undefined;
  /** `light` or `dark`; follows the system when absent. */
  declare theme: string | undefined;
  declare private telemetry: DeliveryTelemetry | undefined;
  private watched: WidgetClient | undefined;
  private unwatch: (() => void) | undefined;

  protected override willUpdate(): void {
    if (this.client === this.watched) return;
    this.unwatch?.();
    this.watched = this.client;
    this.telemetry = this.client?.telemetry;
    this.unwatch = this.client?.onTelemetry?.((telemetry) => (this.telemetry = telemetry));
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unwatch?.();
    this.unwatch = this.watched = undefined;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Watch again after being moved (disconnecting stopped the watch).
    this.requestUpdate();
  }

  protected override render() {
    const strings = { ...debugPanelStrings, ...this.strings };
    const telemetry = this.telemetry;
    const figures: Array<[string, string, boolean?]> = telemetry
      ? [
          [strings.device, telemetry.device],
          [strings.transport, this.connection?.transport ?? strings.notYet],
          [strings.status, this.connection?.status ?? strings.notYet],
          [strings.timeToFirstToken, duration(telemetry.timeToFirstTokenMs, strings)],
          [strings.longestGap, duration(telemetry.longestGapMs, strings)],
          [strings.resume, duration(telemetry.resumeMs, strings)],
          [strings.cancelToQuiet, duration(telemetry.cancelToQuietMs, strings)],
          [strings.reconnects, String(telemetry.reconnects)],
          [strings.digestMismatches, String(telemetry.digestMismatches), telemetry.digestMismatches > 0],
        ]
      : [];
    return html`<section part="debug" aria-label=${strings.heading}>
      <h3>${strings.heading}</h3>
      ${telemetry
        ? html`<dl part="debug-figures">
            ${figures.map(([label, value, alert]) => html`<div ?data-alert=${alert}><dt>${label}</dt><dd>${value}</dd></div>`)}
          </dl>`
        : html`<p>${strings.unavailable}</p>`}
    </section>`;
  }
}

defineElement('mt-debug-panel', DebugPanelElement);

declare global {
  interface HTMLElementTagNameMap {
    'mt-debug-panel': DebugPanelElement;
  }
}
