import { z } from 'zod';
import { protocolErrorFromZod, type PlannedTask, type SessionEvent } from '@marketing-team/core';
import type { RunContext, RunLauncher } from './run-launcher.js';
import { stopOf } from './_task-stop.js';

/** Options of {@link createScriptedProducer}. */
export interface ScriptedProducerOptions {
  /** `text.delta` events per task. */
  deltas: number;
  /** Target rate of deltas; when the store falls behind, several deltas go in one append. */
  deltasPerSecond: number;
  /** Number of tasks, run one after another (default 1). */
  tasks?: number;
  /** Most deltas per append when catching up with the rate (default 64). */
  maxDeltasPerAppend?: number;
}

const OptionsSchema = z.object({
  deltas: z.number().int().nonnegative().max(10_000_000),
  deltasPerSecond: z.number().positive(),
  tasks: z.number().int().positive().max(64).default(1),
  maxDeltasPerAppend: z.number().int().positive().max(1000).default(64),
});

const AGENTS = ['market-researcher', 'campaign-strategist', 'content-creator', 'creative-designer', 'data-analyst'] as const;

/** The text of delta `index` (0-based) of task `task` (0-based): numbered tokens a test can predict. */
export function scriptedDeltaText(task: number, index: number): string {
  return `t${task}.${index} `;
}

/** The task id and agent the scripted producer uses for task `task` (0-based). */
export function scriptedTask(task: number): { taskId: string; agent: string; messageId: string } {
  return { taskId: `task-${task}`, agent: AGENTS[task % AGENTS.length]!, messageId: `msg-${task}` };
}

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * A `RunLauncher` that stands in for the team runtime in tests and the demo: it writes
 * `run.started`, then per task `task.started`, `message.started`, `deltas` × `text.delta` at
 * `deltasPerSecond`, `message.completed` and `task.completed`, then `run.completed`. It stops
 * within one delta interval when the run is cancelled, and cleanly when the log fences it.
 */
export function createScriptedProducer(options: ScriptedProducerOptions): RunLauncher {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) throw protocolErrorFromZod(parsed.error, 'options');
  const { deltas, deltasPerSecond, tasks, maxDeltasPerAppend } = parsed.data;

  return {
    async launch(context: RunContext): Promise<void> {
      const { runId, signal } = context;
      const plan: PlannedTask[] = Array.from({ length: tasks }, (_, index) => {
        const { taskId, agent } = scriptedTask(index);
        return { id: taskId, title: `Scripted task ${index + 1}`, skill: 'scripted', agent, dependsOn: index > 0 ? [scriptedTask(index - 1).taskId] : [], review: false };
      });
      const cancelledTasks = new Set<string>();
      // Tasks a person has taken over, and what wakes each when they hand it back or finish it.
      const takenOver = new Map<string, { step?: 'handed-back' | 'done'; wake?: () => void }>();
      const stopListening = context.onControl((control) => {
        const event = control.event;
        if (event.type === 'task.taken_over') {
          if (!takenOver.has(event.taskId)) takenOver.set(event.taskId, {});
          return;
        }
        if (event.type === 'task.handed_back' || event.type === 'task.marked_done') {
          const held = takenOver.get(event.taskId);
          if (!held) return;
          held.step = event.type === 'task.handed_back' ? 'handed-back' : 'done';
          held.wake?.();
          return;
        }
        if (event.type !== 'cancel.requested' || !event.scope) return;
        for (let index = 0; index < tasks; index++) {
          const task = scriptedTask(index);
          if (event.scope.taskId === task.taskId || event.scope.agent === task.agent) cancelledTasks.add(task.taskId);
        }
      });
      const append = async (events: SessionEvent[]): Promise<boolean> => {
        if (signal.aborted) return false;
        await context.append(events);
        return true;
      };
      /** Appends a task's events; false when a take-over fenced them (the take-over's control follows). */
      const appendTask = async (taskId: string, events: SessionEvent[]): Promise<boolean | 'fenced'> => {
        try {
          return await append(events);
        } catch (error) {
          if (stopOf(error, signal) === 'fenced' && !cancelledTasks.has(taskId)) return 'fenced';
          throw error;
        }
      };
      /** Waits for the person who took `taskId` over (the take-over's control may still be on its way). */
      const personStep = async (taskId: string): Promise<'handed-back' | 'done' | undefined> => {
        for (;;) {
          if (signal.aborted) return undefined;
          const held = takenOver.get(taskId);
          if (held?.step) {
            takenOver.delete(taskId);
            return held.step;
          }
          await new Promise<void>((resolve) => {
            const wake = () => {
              signal.removeEventListener('abort', wake);
              resolve();
            };
            if (held) held.wake = wake;
            else takenOver.set(taskId, { wake });
            signal.addEventListener('abort', wake, { once: true });
          });
        }
      };
      try {
        if (!(await append([{ type: 'run.started', runId, tasks: plan, model: { provider: 'scripted', name: 'scripted-producer', offline: true } }]))) return;
        for (let index = 0; index < tasks; index++) {
          const { taskId, agent } = scriptedTask(index);
          if (cancelledTasks.has(taskId)) continue;
          // A task a person takes over stops where it is; handed back, it is written again from
          // the start in the next round; finished by the person, it completes in the next round.
          let round = 0;
          let finishedByPerson = false;
          for (;;) {
            const outcome = await scriptedRound(index, round);
            if (outcome === 'stop') return;
            if (outcome === 'done') break;
            const step = await personStep(taskId);
            if (!step) return;
            round += 1;
            if (step === 'done') {
              finishedByPerson = true;
              break;
            }
          }
          if (finishedByPerson && !(await append([{ type: 'task.completed', runId, taskId, agent, round }]))) return;
        }
        await append([{ type: 'run.completed', runId, deliverableIds: [] }]);
      } catch (error) {
        // The log refused us: the run was cancelled or ended elsewhere. Nothing more to write.
        if (stopOf(error, signal)) return;
        throw error;
      } finally {
        stopListening();
      }

      /** One round of task `index`: 'done' when it completed or was cancelled, 'taken-over', or 'stop' when the run stopped. */
      async function scriptedRound(index: number, round: number): Promise<'done' | 'taken-over' | 'stop'> {
        const { taskId, agent } = scriptedTask(index);
        const messageId = round > 0 ? `${scriptedTask(index).messageId}.r${round}` : scriptedTask(index).messageId;
        const base = { runId, taskId, agent, ...(round > 0 ? { round } : {}) };
        const held = () => takenOver.has(taskId) && !takenOver.get(taskId)!.step;
        const first = await appendTask(taskId, [{ type: 'task.started', ...base }, { type: 'message.started', ...base, messageId, offline: true }]);
        if (first === 'fenced') return 'taken-over';
        if (!first) return 'stop';
        {
          let text = '';
          let written = 0;
          const started = Date.now();
          while (written < deltas) {
            if (signal.aborted || cancelledTasks.has(taskId)) break;
            if (held()) return 'taken-over';
            const due = Math.min(deltas, Math.floor(((Date.now() - started) / 1000) * deltasPerSecond) + 1);
            if (due <= written) {
              await wait(((written + 1) / deltasPerSecond) * 1000 - (Date.now() - started), signal);
              continue;
            }
            const batch: SessionEvent[] = [];
            for (let i = written; i < Math.min(due, written + maxDeltasPerAppend); i++) {
              const piece = scriptedDeltaText(index, i);
              text += piece;
              batch.push({ type: 'text.delta', ...base, messageId, text: piece });
            }
            const wrote = await appendTask(taskId, batch);
            if (wrote === 'fenced') return 'taken-over';
            if (!wrote) return 'stop';
            written += batch.length;
          }
          if (signal.aborted) return 'stop';
          if (cancelledTasks.has(taskId)) {
            await append([{ type: 'message.completed', ...base, messageId, text, stopReason: 'cancelled' }, { type: 'task.cancelled', runId, taskId, ...(round > 0 ? { round } : {}) }]);
            return 'done';
          }
          const last = await appendTask(taskId, [{ type: 'message.completed', ...base, messageId, text, stopReason: 'end' }, { type: 'task.completed', ...base }]);
          if (last === 'fenced') return 'taken-over';
          return last ? 'done' : 'stop';
        }
      }
    },
  };
}
