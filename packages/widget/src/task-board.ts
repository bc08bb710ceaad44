import type { CardState, TaskStatus } from '@marketing-team/core';
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

const MAIN_COLUMNS: readonly TaskStatus[] = ['todo', 'in_progress', 'review', 'done'];
const EXTRA_COLUMNS: readonly TaskStatus[] = ['blocked', 'failed', 'cancelled'];

/**
 * The shared task board: cards in columns by status, each with its assignee (an agent or a
 * person); cards waiting at a review gate offer approve and request changes.
 *
 * @fires mt-approve - The person approved a review gate; detail `{ runId, taskId }`.
 * @fires mt-request-changes - The person asked for changes; detail `{ runId, taskId, comment }`.
 * @csspart board - The columns.
 * @csspart column - One column.
 * @csspart card - One card.
 * @csspart approve - The approve button.
 * @csspart request-changes - The request changes button.
 */
export class TaskBoardElement extends LitElement {
  static override properties = {
    cards: { attribute: false },
    canReview: { type: Boolean, attribute: 'can-review' },
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
    `,
  ];

  /** The cards to show. */
  declare cards: readonly CardState[];
  /** Whether the token allows approving and requesting changes. */
  declare canReview: boolean;
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

  private renderCard(card: CardState) {
    const strings = this.strings;
    const gate = card.status === 'review' && card.review && card.runId && card.taskId;
    return html`<li part="card" data-card=${card.id} data-status=${card.status}>
      <span>${card.title}</span>
      <span class="assignee">${this.assigneeName(card)}</span>
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
