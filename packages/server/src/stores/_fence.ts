import {
  CONTENT_EVENT_TYPES,
  SessionIdSchema,
  isRunTerminalEvent,
  protocolErrorFromZod,
  type SessionEvent,
} from '@marketing-team/core';
import { FencedError } from './session-store.js';

const contentTypes: ReadonlySet<string> = new Set(CONTENT_EVENT_TYPES);

/** How an event relates to the fence: it is fenced content, it closes a run or a task, or neither. */
export type FenceKind = 'content' | 'run-end' | 'task-cancel' | 'other';

/** Classifies an event once, so stores (and the Redis script) need no second look at its type. */
export function fenceKind(event: SessionEvent): FenceKind {
  if (contentTypes.has(event.type)) return 'content';
  if (isRunTerminalEvent(event.type)) return 'run-end';
  // A take-over closes the agent's round of the task as a cancel closes the task.
  if (event.type === 'task.cancelled' || event.type === 'task.taken_over') return 'task-cancel';
  return 'other';
}

/**
 * The run and task an event belongs to ('' when it has none). A task's round after the first
 * (`round`, see `task.taken_over`) is a task of its own for the fence: `task~round`, which no id
 * can be (ids hold no "~"), so closing one round of a task leaves the next one open.
 */
export function fenceTarget(event: SessionEvent): { runId: string; taskId: string } {
  const fields = event as { runId?: string; taskId?: string; round?: number };
  const taskId = fields.taskId ?? '';
  return { runId: fields.runId ?? '', taskId: taskId && fields.round ? `${taskId}~${fields.round}` : taskId };
}

/** Key of a cancelled task in a fence set; ids cannot contain "/", so the key is unambiguous. */
export function taskFenceKey(runId: string, taskId: string): string {
  return `${runId}/${taskId}`;
}

/**
 * The fenced runs and tasks of one session. Stores keep one per session (in memory or loaded
 * from their tables) and extend it only after the append that fenced something committed.
 */
export class FenceState {
  /** Ended runs (by run id) and cancelled tasks (by `taskFenceKey`), with the offset that set them. */
  readonly closed = new Map<string, number>();

  /**
   * Throws `FencedError` if any content event of `events` targets a closed run or task, or a
   * terminal event targets an ended run, counting the closing events earlier in the same append. Returns the keys the append would close.
   */
  check(events: readonly SessionEvent[], kinds: readonly FenceKind[]): string[] {
    const closing: string[] = [];
    for (let index = 0; index < events.length; index++) {
      const kind = kinds[index];
      if (kind === 'other') continue;
      // Content with nothing fenced yet goes through without building its keys: most of a live stream.
      if (kind === 'content' && this.closed.size === 0 && closing.length === 0) continue;
      const { runId, taskId } = fenceTarget(events[index]!);
      if (kind === 'content') {
        if (this.closed.has(runId) || closing.includes(runId)) throw new FencedError(runId);
        if (taskId) {
          const key = taskFenceKey(runId, taskId);
          if (this.closed.has(key) || closing.includes(key)) throw new FencedError(runId, taskId);
        }
      } else if (kind === 'run-end') {
        // A run ends once: a second terminal event (say, an interrupt racing a completion) is refused.
        if (this.closed.has(runId) || closing.includes(runId)) throw new FencedError(runId);
        closing.push(runId);
      } else {
        closing.push(taskFenceKey(runId, taskId));
      }
    }
    return closing;
  }

  /** Records keys returned by `check` once their append is stored, at the append's last offset. */
  add(keys: readonly string[], offset = 0): void {
    for (const key of keys) this.closed.set(key, offset);
  }

  /** Forgets the fences set at or before `offset` (the fence window, see `RetentionPolicy.fenceWindow`). */
  forget(offset: number): void {
    for (const [key, at] of this.closed) if (at <= offset) this.closed.delete(key);
  }
}

/** Validates a session id with core's `SessionIdSchema`; throws a `ProtocolError` naming `session`. */
export function assertSessionId(session: unknown): asserts session is string {
  if (typeof session === 'string' && validSessionIds.has(session)) return;
  const parsed = SessionIdSchema.safeParse(session);
  if (!parsed.success) throw protocolErrorFromZod(parsed.error, 'session');
  // Emptied when full rather than kept in use order: a miss costs one schema check, nothing more.
  if (validSessionIds.size >= MAX_REMEMBERED_SESSION_IDS) validSessionIds.clear();
  validSessionIds.add(parsed.data);
}

/**
 * Session ids that passed the schema: a live session appends and reads thousands of times, and
 * its id need not be checked by the schema each time.
 */
const validSessionIds = new Set<string>();
const MAX_REMEMBERED_SESSION_IDS = 4096;
