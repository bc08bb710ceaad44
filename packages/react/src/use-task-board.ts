import { useCallback } from 'react';
import type { CardState, SessionState, TaskStatus } from '@marketing-team/core/client';
import { sameItems } from './internal/_equality.js';
import { own } from './internal/_own.js';
import { useSessionSelector, type SessionHookOptions } from './use-session-selector.js';

/** The shared task board of a session. */
export interface TaskBoard {
  /** Every card, in board order. */
  cards: readonly CardState[];
  /** The cards grouped by status (every status present, possibly empty), in board order. */
  columns: Readonly<Record<TaskStatus, readonly CardState[]>>;
  /** Cards waiting for a human approval. */
  inReview: readonly CardState[];
}

// A record, so adding a status to the protocol fails the type-check here until it has a column.
const COLUMN_ORDER: Record<TaskStatus, number> = { todo: 0, in_progress: 1, review: 2, done: 3, blocked: 4, failed: 5, cancelled: 6 };
const STATUSES = (Object.keys(COLUMN_ORDER) as TaskStatus[]).sort((a, b) => COLUMN_ORDER[a] - COLUMN_ORDER[b]);

function boardOf(state: SessionState): TaskBoard {
  const cards: CardState[] = [];
  for (const id of state.boardOrder) {
    const card = own(state.board, id);
    if (card) cards.push(card);
  }
  const columns = Object.fromEntries(STATUSES.map((status) => [status, [] as CardState[]])) as Record<TaskStatus, CardState[]>;
  for (const card of cards) columns[card.status].push(card);
  return { cards, columns, inReview: columns.review };
}

const sameBoard = (a: TaskBoard, b: TaskBoard): boolean => sameItems(a.cards, b.cards);

/**
 * The shared task board: cards in order, grouped by status, and those in review. The same
 * object until a card changes, so streaming text does not re-render the board.
 */
export function useTaskBoard(options: SessionHookOptions = {}): TaskBoard {
  const select = useCallback(boardOf, []);
  return useSessionSelector(select, { ...options, isEqual: sameBoard });
}
