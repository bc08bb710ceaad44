import { LitElement, css, html } from 'lit';
import { defineElement } from './internal/_define.js';
import { themeStyles } from './internal/_theme.js';
import { defaultStrings, type WidgetStrings } from './strings.js';
import type { ConnectionInfo } from './types.js';

/** How long "Back online" shows after a reconnect has caught up, before the pill says "Live" again. */
const BACK_ONLINE_MS = 4000;

/**
 * Shows the connection honestly: live, reconnecting (with the attempt), back online for a few
 * seconds after a reconnect has caught up, and offline (how many messages are queued).
 *
 * @csspart status - The status pill.
 * @csspart indicator - The coloured dot.
 * @cssprop --mt-color-success - Colour of the live dot.
 * @cssprop --mt-color-warning - Colour of the reconnecting dot.
 * @cssprop --mt-color-danger - Colour of the offline dot.
 */
export class ConnectionStatusElement extends LitElement {
  static override properties = {
    connection: { attribute: false },
    strings: { attribute: false },
    theme: { type: String, reflect: true },
  };
  static override styles = [
    themeStyles,
    css`
      :host {
        display: inline-block;
      }
      [part='status'] {
        display: inline-flex;
        align-items: center;
        gap: 6px;
        font-size: 0.85em;
        padding: 2px 10px;
        border: 1px solid var(--_border);
        border-radius: 999px;
        background: var(--_bg);
      }
      [part='indicator'] {
        width: 8px;
        height: 8px;
        border-radius: 50%;
        background: var(--_muted);
        flex: none;
      }
      [data-status='live'] [part='indicator'] {
        background: var(--_success);
      }
      [data-status='reconnecting'] [part='indicator'],
      [data-status='connecting'] [part='indicator'] {
        background: var(--_warning);
      }
      [data-status='unreachable'] [part='indicator'],
      [data-status='offline'] [part='indicator'] {
        background: var(--_danger);
      }
    `,
  ];

  /** The connection as reported by the session client. */
  declare connection: ConnectionInfo | undefined;
  /** Replacement strings. */
  declare strings: WidgetStrings;
  /** `light` or `dark`; follows the system when absent. */
  declare theme: string | undefined;

  constructor() {
    super();
    this.strings = defaultStrings;
  }

  /** The text shown, for hosts that mirror it elsewhere. */
  get label(): string {
    const connection = this.connection;
    const strings = this.strings;
    if (!connection) return strings.connection.connecting;
    const parts: string[] = [];
    if (connection.status === 'reconnecting') parts.push(strings.reconnectingAttempt(Math.max(1, connection.attempt)));
    else if (connection.status === 'unreachable' && connection.downSince !== undefined) parts.push(strings.unreachableSince(new Date(connection.downSince)));
    else parts.push(strings.connection[connection.status]);
    if (this.recentlyResumed()) {
      parts[0] = strings.resumed(connection.lastResume!.caughtUp);
    }
    if (connection.queued > 0) parts.push(strings.queued(connection.queued));
    return parts.join(' · ');
  }

  private timer: ReturnType<typeof setTimeout> | undefined;

  /** Whether a reconnect caught up moments ago (the client sets `lastResume` only then, never on the first connect). */
  private recentlyResumed(): boolean {
    const connection = this.connection;
    if (connection?.status !== 'live' || !connection.lastResume) return false;
    return Date.now() - connection.lastResume.at < BACK_ONLINE_MS;
  }

  protected override updated(): void {
    // Come back when "Back online" has had its moment, so the pill settles on "Live".
    clearTimeout(this.timer);
    const at = this.connection?.lastResume?.at;
    if (this.recentlyResumed() && at !== undefined) this.timer = setTimeout(() => this.requestUpdate(), at + BACK_ONLINE_MS - Date.now() + 20);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.timer);
  }

  protected override render() {
    const status = this.connection?.status ?? 'connecting';
    const resumed = this.recentlyResumed();
    return html`<span part="status" role="status" data-status=${status} ?data-resumed=${resumed}
      ><span part="indicator" aria-hidden="true"></span><span>${this.label}</span></span
    >`;
  }
}

defineElement('mt-connection-status', ConnectionStatusElement);

declare global {
  interface HTMLElementTagNameMap {
    'mt-connection-status': ConnectionStatusElement;
  }
}
