import { isRunEnded, listMessages, type CardState, type SessionState, type TaskState, type TaskStatus } from '@marketing-team/core/client';
import { LitElement, css, html, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { defineElement } from './internal/_define.js';
import { SecondTicker, secondsSince } from './internal/_second-ticker.js';
import { themeStyles } from './internal/_theme.js';
import { agentDisplayName, defaultStrings, type WidgetStrings } from './strings.js';

/** Detail of `mt-approve`. */
export interface ApproveDetail {
  runId: string;
  taskId: string;
  /** A comment kept in the log with the approval (from the deliverable card). */
  comment?: string;
}

/** Detail of `mt-request-changes`. */
export interface RequestChangesDetail {
  runId: string;
  taskId: string;
  comment: string;
}

/** Detail of `mt-take-over`, `mt-hand-back` and `mt-mark-done`. */
export interface TakeoverDetail {
  runId: string;
  taskId: string;
  /** The person's text (`mt-hand-back`: their draft, if any; `mt-mark-done`: the deliverable). */
  title?: string;
  markdown?: string;
}

const MAIN_COLUMNS: readonly TaskStatus[] = ['todo', 'in_progress', 'review', 'done'];
const EXTRA_COLUMNS: readonly TaskStatus[] = ['blocked', 'failed', 'cancelled'];

/**
 * The shared task board: cards in columns by status, each with its assignee (an agent or a
 * person); cards waiting at a review gate offer approve and request changes.
 *
 * @fires mt-approve - The person approved a review gate; detail `{ runId, taskId }`.
 * @fires mt-request-changes - The person asked for changes; detail `{ runId, taskId, comment }`.
 * @fires mt-take-over - The person takes a pending or running task over from its agent; detail `{ runId, taskId }`.
 * @fires mt-hand-back - The person hands the task back with their draft; detail `{ runId, taskId, title, markdown }`.
 * @fires mt-mark-done - The person finishes the task with their text; detail `{ runId, taskId, title, markdown }`.
 * @csspart board - The columns.
 * @csspart column - One column.
 * @csspart card - One card.
 * @csspart approve - The approve button.
 * @csspart request-changes - The request changes button.
 * @csspart take-over - The Take over button; `taken-over` names who has the task, `takeover-editor` is their form,
 *   `takeover-hand-back` and `takeover-done` its buttons, `taken-over-done` says who finished it.
 */
export class TaskBoardElement extends LitElement {
  static override properties = {
    cards: { attribute: false },
    canReview: { type: Boolean, attribute: 'can-review' },
    canWrite: { type: Boolean, attribute: 'can-write' },
    session: { attribute: false },
    me: { attribute: false },
    strings: { attribute: false },
    theme: { type: String, reflect: true },
    editing: { state: true },
  };
  static override styles = [
    themeStyles,
    css`
      :host {
        display: block;
      }
      [part='board'] {
        display: grid;
        gap: var(--_space);
        grid-template-columns: repeat(auto-fit, minmax(min(100%, 190px), 1fr));
      }
      [part='column'] {
        background: var(--_surface);
        border-radius: var(--_radius);
        padding: 8px;
        min-width: 0;
      }
      h3 {
        font-size: 0.9em;
        display: flex;
        justify-content: space-between;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 6px;
      }
      [part='card'] {
        background: var(--_bg);
        border: 1px solid var(--_border);
        border-radius: calc(var(--_radius) - 2px);
        padding: 8px;
        display: grid;
        gap: 4px;
        font-size: 0.9em;
      }
      .assignee {
        font-size: 0.85em;
        color: var(--_muted);
      }
      .stalled {
        font-size: 0.85em;
        color: var(--_warning);
        font-weight: 600;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 6px;
      }
      .actions button {
        min-height: 32px;
        padding: 2px 10px;
        font-size: 0.9em;
      }
      form {
        display: grid;
        gap: 6px;
      }
      [part='taken-over'],
      [part='taken-over-done'] {
        font-size: 0.85em;
        font-weight: 600;
        color: var(--_accent);
      }
      [part='takeover-editor'] textarea {
        min-height: 9em;
        resize: vertical;
        font: inherit;
      }
      [part='takeover-editor'] p {
        margin: 0;
        font-size: 0.85em;
      }
      [part='takeover-editor'] label {
        font-size: 0.85em;
        color: var(--_muted);
      }
    `,
  ];

  /** The cards to show. */
  declare cards: readonly CardState[];
  /** Whether the token allows approving and requesting changes. */
  declare canReview: boolean;
  /** Whether the token allows taking tasks over (`write`). */
  declare canWrite: boolean;
  /** The session state the cards come from: their tasks, runs and the agents' partial text. */
  declare session: SessionState | undefined;
  /** This device's person (user id), when presence says; a task someone else took over offers them no form. */
  declare me: string | undefined;
  /** Replacement strings. */
  declare strings: WidgetStrings;
  /** `light` or `dark`; follows the system when absent. */
  declare theme: string | undefined;
  /** The card whose change request is being written. */
  declare private editing: string | undefined;

  /** Counts the seconds of stalls up while a card shows one. */
  private readonly ticker = new SecondTicker(this, () => this.cards.some((card) => card.stalled !== undefined && card.status === 'in_progress'));

  constructor() {
    super();
    this.cards = [];
    this.canReview = false;
    this.canWrite = false;
    this.strings = defaultStrings;
  }

  private emit<T>(name: string, detail: T): void {
    this.dispatchEvent(new CustomEvent<T>(name, { detail, bubbles: true, composed: true }));
  }

  private async openChanges(card: CardState): Promise<void> {
    this.editing = card.id;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(`#changes-${CSS.escape(card.id)}`)?.focus();
  }

  private sendChanges(event: SubmitEvent, card: CardState): void {
    event.preventDefault();
    const input = (event.currentTarget as HTMLFormElement).elements.namedItem('comment') as HTMLInputElement;
    const comment = input.value.trim();
    if (!comment || !card.runId || !card.taskId) return;
    this.emit<RequestChangesDetail>('mt-request-changes', { runId: card.runId, taskId: card.taskId, comment });
    this.editing = undefined;
  }

  private assigneeName(card: CardState): string {
    const assignee = card.assignee;
    if (!assignee) return this.strings.unassigned;
    const name = assignee.kind === 'agent' ? agentDisplayName(this.strings, assignee.agent) : assignee.name ?? assignee.id;
    return this.strings.assignedTo(name);
  }

  /** The task a card mirrors, and whether its run still goes on. */
  private taskOf(card: CardState): { task: TaskState; live: boolean } | undefined {
    const run = card.runId && this.session ? this.session.runs[card.runId] : undefined;
    const task = run && card.taskId ? run.tasks[card.taskId] : undefined;
    return run && task ? { task, live: !isRunEnded(run) } : undefined;
  }

  private takeOver(card: CardState): void {
    this.emit<TakeoverDetail>('mt-take-over', { runId: card.runId!, taskId: card.taskId! });
  }

  /** The agent's text so far, without an unfinished structured block: where the person starts. */
  private startingText(task: TaskState): string {
    const last = this.session ? listMessages(this.session).filter((message) => message.taskId === task.id && message.text.length > 0).at(-1) : undefined;
    const text = last?.text ?? '';
    const fence = text.indexOf('```');
    return (fence >= 0 ? text.slice(0, fence) : text).trim();
  }

  private finishTakeover(event: Event, card: CardState, action: 'mt-hand-back' | 'mt-mark-done'): void {
    event.preventDefault();
    const form = (event.currentTarget as HTMLElement).closest('form')!;
    if (action === 'mt-mark-done' && !form.reportValidity()) return;
    const title = (form.elements.namedItem('title') as HTMLInputElement).value.trim();
    const markdown = (form.elements.namedItem('markdown') as HTMLTextAreaElement).value.trim();
    this.emit<TakeoverDetail>(action, { runId: card.runId!, taskId: card.taskId!, title: title || card.title, markdown });
  }

  private renderTakeover(card: CardState) {
    const strings = this.strings;
    const found = this.taskOf(card);
    if (!found) return nothing;
    const { task, live } = found;
    const name = (step: { by: { kind: string; id?: string; name?: string } }) => step.by.name ?? step.by.id ?? '';
    if (task.takenOver && (task.status === 'todo' || task.status === 'in_progress')) {
      const holder = task.takenOver.by;
      const mine = this.me === undefined || (holder.kind === 'human' && holder.id === this.me);
      const editable = live && this.canWrite && mine;
      return html`<span part="taken-over" data-taken-over>${strings.takenOverBy(name(task.takenOver))}</span>
        ${editable
          ? html`<form part="takeover-editor" @submit=${(event: SubmitEvent) => this.finishTakeover(event, card, 'mt-mark-done')}>
              <p class="muted">${strings.takeoverHint}</p>
              <label for=${`takeover-title-${card.id}`}>${strings.takeoverTitle}</label>
              <input id=${`takeover-title-${card.id}`} name="title" maxlength="300" .value=${card.title} />
              <label for=${`takeover-text-${card.id}`}>${strings.takeoverText}</label>
              <textarea id=${`takeover-text-${card.id}`} name="markdown" maxlength="200000" required .value=${this.startingText(task)}></textarea>
              <div class="actions">
                <button type="submit" part="takeover-done" class="primary">${strings.markDone}</button>
                <button type="button" part="takeover-hand-back" @click=${(event: Event) => this.finishTakeover(event, card, 'mt-hand-back')}>${strings.handBack}</button>
              </div>
            </form>`
          : nothing}`;
    }
    if (task.doneBy && task.status === 'done') return html`<span part="taken-over-done" data-done-by>${strings.doneBy(name(task.doneBy))}</span>`;
    const canTake = live && this.canWrite && !task.takenOver && (task.status === 'todo' || task.status === 'in_progress');
    return html`${task.handedBack ? html`<span class="assignee" data-handed-back>${strings.handedBackBy(name(task.handedBack))}</span>` : nothing}
      ${canTake ? html`<div class="actions"><button type="button" part="take-over" @click=${() => this.takeOver(card)}>${strings.takeOver}</button></div>` : nothing}`;
  }

  private renderCard(card: CardState) {
    const strings = this.strings;
    const gate = card.status === 'review' && card.review && card.runId && card.taskId;
    return html`<li part="card" data-card=${card.id} data-status=${card.status} data-task=${card.taskId ?? ''}>
      <span>${card.title}</span>
      <span class="assignee">${this.assigneeName(card)}</span>
      ${this.renderTakeover(card)}
      ${card.stalled && card.status === 'in_progress'
        ? html`<span class="stalled" data-stalled>${strings.stalledFor(secondsSince(card.stalled.since))}</span>`
        : nothing}
      ${gate
        ? html`<div class="actions">
            <button
              part="approve"
              class="primary"
              type="button"
              ?disabled=${!this.canReview}
              title=${this.canReview ? strings.approve : strings.reviewNotAllowed}
              @click=${() => this.emit<ApproveDetail>('mt-approve', { runId: card.runId!, taskId: card.taskId! })}
            >
              ${strings.approve}
            </button>
            <button
              part="request-changes"
              type="button"
              ?disabled=${!this.canReview}
              title=${this.canReview ? strings.requestChanges : strings.reviewNotAllowed}
              aria-expanded=${this.editing === card.id ? 'true' : 'false'}
              @click=${() => this.openChanges(card)}
            >
              ${strings.requestChanges}
            </button>
          </div>
          ${this.editing === card.id
            ? html`<form @submit=${(event: SubmitEvent) => this.sendChanges(event, card)}>
                <label class="visually-hidden" for=${`changes-${card.id}`}>${strings.changesPlaceholder}</label>
                <input id=${`changes-${card.id}`} name="comment" maxlength="4000" required placeholder=${strings.changesPlaceholder} />
                <button type="submit">${strings.sendChanges}</button>
              </form>`
            : nothing}`
        : nothing}
    </li>`;
  }

  protected override render() {
    const strings = this.strings;
    const byStatus = new Map<TaskStatus, CardState[]>();
    for (const card of this.cards) {
      const list = byStatus.get(card.status) ?? [];
      list.push(card);
      byStatus.set(card.status, list);
    }
    const columns = [...MAIN_COLUMNS, ...EXTRA_COLUMNS.filter((status) => byStatus.has(status))];
    return html`<div part="board">
      ${columns.map((status) => {
        const cards = byStatus.get(status) ?? [];
        return html`<section part="column" data-column=${status} aria-labelledby=${`column-${status}`}>
          <h3 id=${`column-${status}`}><span>${strings.taskStatus[status]}</span><span class="muted">${cards.length}</span></h3>
          <ul>
            ${repeat(cards, (card) => card.id, (card) => this.renderCard(card))}
          </ul>
        </section>`;
      })}
    </div>`;
  }
}

defineElement('mt-task-board', TaskBoardElement);

declare global {
  interface HTMLElementTagNameMap {
    'mt-task-board': TaskBoardElement;
  }
}
