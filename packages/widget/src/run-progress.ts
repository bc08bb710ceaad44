import { isRunEnded, type RunState } from '@marketing-team/core/client';
import { LitElement, css, html, nothing } from 'lit';
import { defineElement } from './internal/_define.js';
import { themeStyles } from './internal/_theme.js';
import { defaultStrings, runStatusLabel, type WidgetStrings } from './strings.js';

/**
 * A run's progress: tasks done out of the plan, its status and the time elapsed.
 *
 * @csspart progress - The container.
 * @csspart bar - The progress track.
 * @csspart fill - The filled part of the track.
 * @csspart summary - The text under the bar.
 * @cssprop --mt-color-accent - Colour of the fill.
 */
export class RunProgressElement extends LitElement {
  static override properties = {
    run: { attribute: false },
    strings: { attribute: false },
    theme: { type: String, reflect: true },
  };
  static override styles = [
    themeStyles,
    css`
      :host {
        display: block;
      }
      [part='bar'] {
        height: 8px;
        border-radius: 999px;
        background: var(--_surface);
        border: 1px solid var(--_border);
        overflow: hidden;
      }
      [part='fill'] {
        height: 100%;
        background: var(--_accent);
        transition: width 0.3s ease;
      }
      [data-status='cancelled'] [part='fill'],
      [data-status='failed'] [part='fill'] {
        background: var(--_danger);
      }
      [part='summary'] {
        display: flex;
        flex-wrap: wrap;
        gap: 4px 12px;
        font-size: 0.85em;
        color: var(--_muted);
        margin-top: 4px;
      }
      .status {
        color: var(--_text);
        font-weight: 600;
      }
    `,
  ];

  /** The run to show. */
  declare run: RunState | undefined;
  /** Replacement strings. */
  declare strings: WidgetStrings;
  /** `light` or `dark`; follows the system when absent. */
  declare theme: string | undefined;

  private timer: ReturnType<typeof setInterval> | undefined;

  constructor() {
    super();
    this.strings = defaultStrings;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopTimer();
  }

  protected override updated(): void {
    // Elapsed time ticks once a second while the run is live; nothing else re-renders for it.
    const running = this.run && !isRunEnded(this.run) && this.run.startedAt;
    if (running && !this.timer) this.timer = setInterval(() => this.requestUpdate(), 1000);
    if (!running) this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  protected override render() {
    const run = this.run;
    const strings = this.strings;
    if (!run) return nothing;
    const total = run.taskOrder.length;
    const done = run.taskOrder.filter((id) => run.tasks[id]?.status === 'done').length;
    const ended = run.status === 'completed';
    const percent = total === 0 ? (ended ? 100 : 0) : Math.round((done / total) * 100);
    const seconds = run.startedAt ? Math.max(0, ((run.endedAt ?? Date.now()) - run.startedAt) / 1000) : 0;
    return html`<div part="progress" data-status=${run.status} ?data-paused=${run.paused !== undefined}>
      <div
        part="bar"
        role="progressbar"
        aria-label=${strings.progressLabel}
        aria-valuemin="0"
        aria-valuemax=${total}
        aria-valuenow=${done}
        aria-valuetext=${strings.progress(done, total)}
      >
        <div part="fill" style="width: ${percent}%"></div>
      </div>
      <div part="summary">
        <span class="status">${run.paused ? strings.runPaused(run.paused.unwatchedMs !== undefined) : runStatusLabel(strings, run)}</span>
        <span>${strings.progress(done, total)}</span>
        ${run.startedAt ? html`<span>${strings.elapsed(seconds)}</span>` : nothing}
        ${run.model?.offline ? html`<span class="badge" data-offline>${strings.offlineModel}</span>` : nothing}
      </div>
    </div>`;
  }
}

defineElement('mt-run-progress', RunProgressElement);

declare global {
  interface HTMLElementTagNameMap {
    'mt-run-progress': RunProgressElement;
  }
}
