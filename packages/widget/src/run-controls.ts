import { isRunEnded, type RunState, type SteerState } from '@marketing-team/core/client';
import { LitElement, css, html, nothing } from 'lit';
import { defineElement } from './internal/_define.js';
import { themeStyles } from './internal/_theme.js';
import { agentDisplayName, defaultStrings, type WidgetStrings } from './strings.js';
import { hasGaps, undoneTasks } from './internal/_run-gaps.js';

/** Detail of `mt-stop-run`. */
export interface StopRunDetail {
  runId: string;
}

/** Detail of `mt-steer`. */
export interface SteerDetail {
  runId: string;
  instruction: string;
}

/** Detail of `mt-continue-run` and `mt-restart-run`. */
export interface RunActionDetail {
  runId: string;
}

/**
 * Stop and steer controls of a running run. Without the `control` capability both are
 * disabled and the reason is shown next to them. A run that ended badly (interrupted or
 * failed) says why in plain words and offers to continue it or start it again.
 *
 * @fires mt-stop-run - The person asked to stop the whole run; detail `{ runId }`.
 * @fires mt-steer - The person sent a steering instruction; detail `{ runId, instruction }`.
 * @fires mt-continue-run - The person asked to continue a run that ended badly; detail `{ runId }`.
 * @fires mt-restart-run - The person asked to run the same brief again from the start; detail `{ runId }`.
 * @csspart ended - The notice of a run that ended badly.
 * @csspart continue - Its continue button.
 * @csspart restart - Its start-again button.
 * @csspart controls - The container.
 * @csspart stop - The stop button.
 * @csspart steer-input - The instruction field.
 * @csspart steer-button - The steer button.
 * @csspart reason - Why the controls are disabled.
 * @csspart steers - The list of steering instructions sent to the run.
 * @csspart steer-status - What became of one: sending, received, applied by which agents.
 */
export class RunControlsElement extends LitElement {
  static override properties = {
    run: { attribute: false },
    canControl: { type: Boolean, attribute: 'can-control' },
    canWrite: { type: Boolean, attribute: 'can-write' },
    strings: { attribute: false },
    theme: { type: String, reflect: true },
    steers: { attribute: false },
    sending: { attribute: false },
  };
  static override styles = [
    themeStyles,
    css`
      :host {
        display: block;
      }
      [part='controls'] {
        display: flex;
        flex-wrap: wrap;
        gap: 8px;
        align-items: center;
      }
      form {
        display: flex;
        gap: 8px;
        flex: 1 1 240px;
        min-width: 0;
      }
      [part='ended'] {
        margin-top: 10px;
        padding: 10px 12px;
        border: 1px solid var(--_border);
        border-left: 3px solid var(--_warning);
        border-radius: 8px;
        background: var(--_surface);
      }
      [part='ended'] p {
        margin: 0 0 6px;
      }
      [part='ended'] .why {
        font-weight: 600;
      }
      [part='ended'] .hint {
        font-size: 0.85em;
        color: var(--_muted);
      }
      [part='ended'] .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 8px;
      }
      [part='steers'] {
        flex-basis: 100%;
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 4px;
        font-size: 0.88em;
      }
      [part='steers'] li {
        display: flex;
        flex-wrap: wrap;
        gap: 4px 8px;
        align-items: baseline;
      }
      .instruction {
        font-weight: 600;
        overflow-wrap: anywhere;
      }
      [part='steer-status'] {
        color: var(--_muted);
      }
      [part='steer-status'][data-state='applied'] {
        color: var(--_success);
      }
      [part='reason'] {
        flex-basis: 100%;
        margin: 0;
        font-size: 0.85em;
        color: var(--_muted);
      }
    `,
  ];

  /** The run the controls act on. */
  declare run: RunState | undefined;
  /** Whether the token allows cancel and steer. */
  declare canControl: boolean;
  /** Whether the token allows briefs (continuing or restarting a run submits one). */
  declare canWrite: boolean;
  /** Replacement strings. */
  declare strings: WidgetStrings;
  /** `light` or `dark`; follows the system when absent. */
  declare theme: string | undefined;
  /** Steering instructions stored for this run, oldest first, each with the agents that applied it. */
  declare steers: readonly SteerState[];
  /** Instructions sent but not yet acknowledged by the server. */
  declare sending: readonly string[];

  constructor() {
    super();
    this.steers = [];
    this.sending = [];
    this.canControl = false;
    this.canWrite = false;
    this.strings = defaultStrings;
  }

  private emit<T>(name: string, detail: T): void {
    this.dispatchEvent(new CustomEvent<T>(name, { detail, bubbles: true, composed: true }));
  }

  private stop(): void {
    if (!this.run || !this.canControl) return;
    this.emit<StopRunDetail>('mt-stop-run', { runId: this.run.id });
  }

  private steer(event: SubmitEvent): void {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const input = form.elements.namedItem('instruction') as HTMLInputElement;
    const instruction = input.value.trim();
    if (!this.run || !this.canControl || !instruction) return;
    this.emit<SteerDetail>('mt-steer', { runId: this.run.id, instruction });
    input.value = '';
  }

  private renderEnded(run: RunState, status: 'failed' | 'interrupted' | 'completed') {
    const strings = this.strings;
    const disabled = !this.canWrite;
    return html`<div part="ended" role="status" data-status=${status}>
      <p class="why">${status === 'completed' ? strings.runGaps(undoneTasks(run)) : strings.runEndedReason(run.error, status)}</p>
      <p class="hint">${strings.continueRunHint}</p>
      <div class="actions">
        <button part="continue" type="button" ?disabled=${disabled} @click=${() => this.emit<RunActionDetail>('mt-continue-run', { runId: run.id })}>
          ${strings.continueRun}
        </button>
        <button part="restart" class="secondary" type="button" ?disabled=${disabled} @click=${() => this.emit<RunActionDetail>('mt-restart-run', { runId: run.id })}>
          ${strings.startAgain}
        </button>
      </div>
    </div>`;
  }

  /** Each instruction with what became of it, so the person sees it arrived and who acted on it. */
  private renderSteers() {
    const strings = this.strings;
    if (!this.steers.length && !this.sending.length) return nothing;
    return html`<ul part="steers" aria-label=${strings.steersLabel}>
      ${this.steers.map((steer) => {
        const agents = [...new Set(steer.appliedTo.map((applied) => agentDisplayName(strings, applied.agent)))];
        return html`<li data-steer=${steer.offset}>
          <span class="instruction">“${steer.instruction}”</span>
          <span part="steer-status" data-state=${agents.length ? 'applied' : 'received'}
            >${agents.length ? strings.steerApplied(agents.join(', ')) : strings.steerReceived}</span
          >
        </li>`;
      })}
      ${this.sending.map(
        (instruction) => html`<li>
          <span class="instruction">“${instruction}”</span>
          <span part="steer-status" data-state="sending">${strings.steerSending}</span>
        </li>`,
      )}
    </ul>`;
  }

  protected override render() {
    const run = this.run;
    if (run && (run.status === 'interrupted' || run.status === 'failed')) return this.renderEnded(run, run.status);
    if (run && hasGaps(run)) return this.renderEnded(run, 'completed');
    if (!run || isRunEnded(run)) return nothing;
    const strings = this.strings;
    const disabled = !this.canControl;
    const describedBy = disabled ? 'reason' : nothing;
    return html`<div part="controls">
      <button part="stop" class="danger" type="button" ?disabled=${disabled} aria-describedby=${describedBy} @click=${this.stop}>
        ${strings.stopRun}
      </button>
      <form @submit=${this.steer}>
        <label class="visually-hidden" for="instruction">${strings.steerLabel}</label>
        <input
          part="steer-input"
          id="instruction"
          name="instruction"
          maxlength="2000"
          autocomplete="off"
          placeholder=${strings.steerPlaceholder}
          ?disabled=${disabled}
          aria-describedby=${describedBy}
        />
        <button part="steer-button" type="submit" ?disabled=${disabled} aria-describedby=${describedBy}>${strings.steerSend}</button>
      </form>
      ${disabled ? html`<p part="reason" id="reason">${strings.controlNotAllowed}</p>` : nothing}
      ${this.renderSteers()}
    </div>`;
  }
}

defineElement('mt-run-controls', RunControlsElement);

declare global {
  interface HTMLElementTagNameMap {
    'mt-run-controls': RunControlsElement;
  }
}
