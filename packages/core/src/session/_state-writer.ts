import type {
  AgentState,
  CardState,
  Deliverable,
  MessageState,
  RunState,
  SessionState,
  TaskState,
  TaskStatus,
} from '../protocol/index.js';
import { findMessage, messageBucketIndex } from '../protocol/messages.js';
import { agentState, cardState, runState, taskState, zeroUsage } from './_entities.js';
import { Draft, getOwn, setOwn } from './_records.js';
import { MAX_ID_LENGTH } from '../protocol/limits.js';

/** FNV-1a (32-bit) of a string, in hex: a short, deterministic fingerprint. */
function fingerprint(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * Id of the board card that mirrors a task of a run: `<runId>:<taskId>`. When that would not fit
 * in an id (both may be 128 characters), it is shortened deterministically, so every snapshot
 * still validates and every device derives the same id.
 */
export function taskCardId(runId: string, taskId: string): string {
  const id = `${runId}:${taskId}`;
  if (id.length <= MAX_ID_LENGTH) return id;
  return `${runId.slice(0, 70)}:${taskId.slice(0, 40)}:${fingerprint(id)}${fingerprint(`${taskId}:${runId}`)}`;
}

/**
 * Copy-on-write access to one state root while a batch is applied: every write copies the path
 * from the root to the changed entity once per batch and leaves everything else shared.
 */
export class StateWriter {
  constructor(
    readonly draft: Draft,
    /** A root this batch owns (already copied from the caller's state). */
    readonly root: SessionState,
  ) {}

  #append<T>(list: T[], value: T): T[] {
    const owned = this.draft.own(list);
    owned.push(value);
    return owned;
  }

  run(runId: string): RunState | undefined {
    return getOwn(this.root.runs, runId);
  }

  putRun(run: RunState): void {
    const runs = this.draft.own(this.root.runs);
    if (!Object.hasOwn(runs, run.id)) this.root.runOrder = this.#append(this.root.runOrder, run.id);
    setOwn(runs, run.id, run);
    this.root.runs = runs;
  }

  task(runId: string, taskId: string): TaskState | undefined {
    const run = this.run(runId);
    return run ? getOwn(run.tasks, taskId) : undefined;
  }

  /** Stores a task of an existing run; does nothing when the run is unknown. */
  putTask(runId: string, task: TaskState): void {
    const run = this.run(runId);
    if (!run) return;
    const tasks = this.draft.own(run.tasks);
    const taskOrder = Object.hasOwn(tasks, task.id) ? run.taskOrder : this.#append(run.taskOrder, task.id);
    setOwn(tasks, task.id, task);
    this.putRun(runState({ ...run, tasks, taskOrder }));
  }

  updateTask(runId: string, taskId: string, change: Partial<TaskState>): TaskState | undefined {
    const task = this.task(runId, taskId);
    if (!task) return undefined;
    const next = taskState({ ...task, ...change });
    this.putTask(runId, next);
    return next;
  }

  card(cardId: string): CardState | undefined {
    return getOwn(this.root.board, cardId);
  }

  putCard(card: CardState): void {
    const board = this.draft.own(this.root.board);
    if (!Object.hasOwn(board, card.id)) this.root.boardOrder = this.#append(this.root.boardOrder, card.id);
    setOwn(board, card.id, card);
    this.root.board = board;
  }

  updateCard(cardId: string, change: Partial<CardState>): void {
    const card = this.card(cardId);
    if (card) this.putCard(cardState({ ...card, ...change }));
  }

  /** Sets the status of a task and of the card that mirrors it. */
  setTaskStatus(runId: string, taskId: string, status: TaskStatus, change: Partial<TaskState> = {}): void {
    this.updateTask(runId, taskId, { ...change, status });
    this.updateCard(taskCardId(runId, taskId), { status });
  }

  /** The agent's lane, created idle (and appended to `agentOrder`) the first time the agent is seen. */
  agent(name: string): AgentState {
    const existing = getOwn(this.root.agents, name);
    if (existing) return existing;
    const lane: AgentState = { agent: name, status: 'idle', usage: zeroUsage() };
    this.putAgent(lane);
    return lane;
  }

  putAgent(lane: AgentState): void {
    const agents = this.draft.own(this.root.agents);
    if (!Object.hasOwn(agents, lane.agent)) this.root.agentOrder = this.#append(this.root.agentOrder, lane.agent);
    setOwn(agents, lane.agent, lane);
    this.root.agents = agents;
  }

  updateAgent(name: string, change: Partial<AgentState>): void {
    this.putAgent(agentState({ ...this.agent(name), ...change }));
  }

  message(messageId: string): MessageState | undefined {
    return findMessage(this.root, messageId);
  }

  /** Copies the bucket list and the one bucket the message lives in (once per batch), not every message. */
  putMessage(message: MessageState): void {
    const index = messageBucketIndex(message.id);
    const buckets = this.draft.own(this.root.messageBuckets);
    const bucket = this.draft.own(buckets[index]!);
    setOwn(bucket, message.id, message);
    buckets[index] = bucket;
    this.root.messageBuckets = buckets;
  }

  putDeliverable(deliverable: Deliverable): void {
    const deliverables = this.draft.own(this.root.deliverables);
    if (!Object.hasOwn(deliverables, deliverable.id)) {
      this.root.deliverableOrder = this.#append(this.root.deliverableOrder, deliverable.id);
    }
    setOwn(deliverables, deliverable.id, deliverable);
    this.root.deliverables = deliverables;
  }

  /** Appends to a root-level list (`steers`, `routing`). */
  appendTo<K extends 'steers' | 'routing'>(key: K, value: SessionState[K][number]): void {
    (this.root[key] as SessionState[K][number][]) = this.#append(this.root[key] as SessionState[K][number][], value);
  }
}
