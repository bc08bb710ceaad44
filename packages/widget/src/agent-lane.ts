import type { AgentState, MessageState, Stalled, TaskState } from '@marketing-team/core/client';
import { LitElement, css, html, nothing } from 'lit';
import { defineElement } from './internal/_define.js';
import { laneText } from './internal/_lane-text.js';
import { SecondTicker, secondsSince } from './internal/_second-ticker.js';
import { themeStyles } from './internal/_theme.js';
import './markdown-view.js';
import { agentDisplayName, defaultStrings, type WidgetStrings } from './strings.js';

/** Detail of `mt-stop-agent`. */
export interface StopAgentDetail {
  runId: string;
  agent: string;
}

/**
 * One agent's live lane: its current task and what it is writing, as sanitized Markdown (raw
 * HTML in it shows as text, and until the sanitizer has loaded the text is escaped). The
 * structured data an answer ends with is never shown: the lane says the deliverable is being
 * put together, then which deliverable it became. An agent waiting for other tasks says which.
 * Only updates when its own agent, task, message or waiting reason changes.
 *
 * @fires mt-stop-agent - The person asked to stop this agent; detail `{ runId, agent }`.
 * @csspart lane - The lane container.
 * @csspart header - Name, status and controls.
 * @csspart task - The current task title.
 * @csspart text - The streaming text.
 * @csspart stop - The stop button.
 * @cssprop --mt-lane-text-height - Largest height of the streaming text before it scrolls.
 */
export class AgentLaneElement extends LitElement {
  static override properties = {
    agent: { attribute: false },
    task: { attribute: false },
    message: { attribute: false },
    canControl: { type: Boolean, attribute: 'can-control' },
    strings: { attribute: false },
    theme: { type: String, reflect: true },
    waitingFor: { attribute: false },
    person: { attribute: false },
    delivered: { attribute: false },
    mediaOrigins: { attribute: false },
    stall: { attribute: false },
  };
  static override styles = [
    themeStyles,
    css`
      :host {
        display: block;
        min-width: 0;
      }
      [part='lane'] {
        border: 1px solid var(--_border);
        border-radius: var(--_radius);
        background: var(--_bg);
        padding: var(--_space);
        display: flex;
        flex-direction: column;
        gap: 6px;
        height: 100%;
      }
      [part='header'] {
        display: flex;
        align-items: center;
        gap: 8px;
        flex-wrap: wrap;
      }
      h3 {
        font-size: 1em;
        margin: 0;
        flex: 1 1 auto;
      }
      .working {
        color: var(--_success);
        border-color: currentColor;
      }
      .stalled {
        color: var(--_warning);
        border-color: currentColor;
        font-weight: 600;
      }
      [part='task'] {
        font-size: 0.9em;
        color: var(--_muted);
        margin: 0;
      }
      [part='text'] {
        overflow-wrap: anywhere;
        overflow-y: auto;
        max-height: var(--mt-lane-text-height, 12em);
        min-height: 3em;
        margin: 0;
        font-size: 0.9em;
        background: var(--_surface);
        border-radius: calc(var(--_radius) - 2px);
        padding: 8px;
      }
      [part='text'] mt-markdown {
        font-size: 0.95em;
        line-height: 1.5;
      }
      .structured {
        margin: 6px 0 0;
        color: var(--_muted);
        font-style: italic;
      }
      .structured[data-done] {
        margin: 0;
        font-size: 0.88em;
        font-style: normal;
        color: var(--_success);
        font-weight: 600;
      }
      [part='task'][data-waiting] {
        font-style: italic;
      }
      [part='stop'] {
        min-height: 32px;
        padding: 2px 10px;
        font-size: 0.85em;
      }
    `,
  ];

  /** The agent's reduced state. */
  declare agent: AgentState | undefined;
  /** The task the agent works on (or last worked on). */
  declare task: TaskState | undefined;
  /** The message streaming now, or the last one written. */
  declare message: MessageState | undefined;
  /** Whether the token allows stopping this agent. */
  declare canControl: boolean;
  /** Replacement strings. */
  declare strings: WidgetStrings;
  /** `light` or `dark`; follows the system when absent. */
  declare theme: string | undefined;
  /** Titles of the tasks this agent's next task waits for, joined (empty when it waits for none). */
  declare waitingFor: string;
  /** What a person is doing or did with this idle agent's task ("<task> · Taken over by Dana"); shown instead of waiting. */
  declare person: string;
  /** Title of the deliverable the current task became, once it exists. */
  declare delivered: string | undefined;
  /** Origins images in the text may load from; none by default. */
  declare mediaOrigins: readonly string[];
  /**
   * A stall of a task of this agent in the run shown (`TaskState.stalled`), when its lane points
   * at another of its tasks (an agent may run two at once); the lane's own task's stall otherwise.
   */
  declare stall: Stalled | undefined;

  /** Counts the seconds of a stall up while the lane shows one. */
  private readonly ticker = new SecondTicker(this, () => this.stalled !== undefined);

  constructor() {
    super();
    this.waitingFor = '';
    this.person = '';
    this.mediaOrigins = [];
    this.canControl = false;
    this.strings = defaultStrings;
  }

  protected override updated(): void {
    // Keep the newest tokens in view while streaming.
    const text = this.renderRoot.querySelector<HTMLElement>('[part="text"]');
    if (text && this.message?.status === 'streaming') text.scrollTop = text.scrollHeight;
  }

  /** A stall of the agent's work: its model call has made no progress for a while. */
  private get stalled(): Stalled | undefined {
    return (this.agent?.status === 'working' ? this.task?.stalled : undefined) ?? this.stall;
  }

  private renderText() {
    const message = this.message;
    if (!message) return nothing;
    const { prose, structured } = laneText(message.text);
    // Once delivered, the lane names the deliverable above the text, where it is seen without scrolling.
    const done = this.delivered !== undefined;
    return html`${prose
      ? html`<mt-markdown .markdown=${prose} .mediaOrigins=${this.mediaOrigins} top-heading="4" theme=${this.theme ?? nothing}></mt-markdown>`
      : nothing}${structured && !done
      ? html`<p class="structured">${this.strings.puttingTogether}</p>`
      : nothing}`;
  }

  private stop(): void {
    const agent = this.agent;
    if (!agent?.runId || !this.canControl) return;
    this.dispatchEvent(
      new CustomEvent<StopAgentDetail>('mt-stop-agent', {
        detail: { runId: agent.runId, agent: agent.agent },
        bubbles: true,
        composed: true,
      }),
    );
  }

  protected override render() {
    const agent = this.agent;
    if (!agent) return nothing;
    const strings = this.strings;
    const name = agentDisplayName(strings, agent.agent);
    const working = agent.status === 'working';
    const message = this.message;
    const stalled = this.stalled;
    // A stall replaces "In progress": a hung model call must not read as an agent thinking.
    return html`<section part="lane" aria-label=${name} data-agent=${agent.agent} data-status=${agent.status} ?data-stalled=${stalled !== undefined}>
      <div part="header">
        <h3>${name}</h3>
        ${stalled
          ? html`<span class="badge stalled" data-stalled>${strings.stalledFor(secondsSince(stalled.since))}</span>`
          : html`<span class="badge ${working ? 'working' : ''}">${working ? this.task?.status === 'review' ? strings.taskStatus.review : strings.taskStatus.in_progress : strings.idle}</span>`}
        ${message?.offline ? html`<span class="badge" data-offline>${strings.offlineModel}</span>` : nothing}
        ${working
          ? html`<button
              part="stop"
              class="danger"
              type="button"
              ?disabled=${!this.canControl}
              title=${this.canControl ? strings.stopAgent(name) : strings.controlNotAllowed}
              aria-label=${strings.stopAgent(name)}
              @click=${this.stop}
            >
              ${strings.stop}
            </button>`
          : nothing}
      </div>
      ${this.person
        ? html`<p part="task" data-person>${this.person}</p>`
        : this.task
        ? html`<p part="task">${this.task.title}</p>`
        : html`<p part="task" data-waiting>${this.waitingFor ? strings.waitingFor(this.waitingFor) : strings.waiting}</p>`}
      ${this.delivered !== undefined
        ? html`<p class="structured" data-done>${this.strings.delivered(this.delivered)}</p>`
        : nothing}
      ${message
        ? html`<div part="text" tabindex="0" role="region" aria-label=${strings.laneTextLabel(name)} data-message=${message.id}>${this.renderText()}</div>`
        : nothing}
    </section>`;
  }
}

defineElement('mt-agent-lane', AgentLaneElement);

declare global {
  interface HTMLElementTagNameMap {
    'mt-agent-lane': AgentLaneElement;
  }
}
