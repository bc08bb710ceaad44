import { describe, expect, it } from 'vitest';
import type { RunControl, RunContext } from './run-launcher.js';
import { createScriptedProducer, scriptedDeltaText } from './scripted-producer.js';
import { MemoryStore } from '../stores/memory-store.js';
import { FencedError } from '../stores/session-store.js';

function context(store: MemoryStore, session: string, controller = new AbortController()) {
  const listeners = new Set<(control: RunControl) => void>();
  const value: RunContext = {
    session,
    runId: 'run-1',
    brief: { goal: 'Test', channels: [], deliverables: [], reviewGates: [] },
    submittedBy: { kind: 'system' },
    briefOffset: 0,
    signal: controller.signal,
    append: async (events) => (await store.append(session, events)).records,
    onControl: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return { value, controller, listeners };
}

describe('createScriptedProducer', () => {
  it('writes the run, each task and exactly the numbered deltas', async () => {
    const store = new MemoryStore();
    await createScriptedProducer({ deltas: 25, deltasPerSecond: 5000, tasks: 2 }).launch(context(store, 's').value);
    const types = (await store.read('s', 0)).map((record) => record.event);
    expect(types[0]?.type).toBe('run.started');
    expect(types.at(-1)?.type).toBe('run.completed');
    for (const task of [0, 1]) {
      const text = types
        .filter((event) => event.type === 'text.delta' && event.taskId === `task-${task}`)
        .map((event) => (event.type === 'text.delta' ? event.text : ''));
      expect(text).toEqual(Array.from({ length: 25 }, (_, index) => scriptedDeltaText(task, index)));
    }
    const completed = types.find((event) => event.type === 'message.completed');
    expect(completed).toMatchObject({ text: Array.from({ length: 25 }, (_, i) => scriptedDeltaText(0, i)).join(''), stopReason: 'end' });
  });

  it('stops a task a person takes over, and writes it again in the next round once handed back', async () => {
    const store = new MemoryStore();
    const { value, listeners } = context(store, 's');
    const running = createScriptedProducer({ deltas: 400, deltasPerSecond: 400, tasks: 2 }).launch(value);
    while (!(await store.read('s', 0)).some((record) => record.event.type === 'text.delta')) await new Promise((resolve) => setTimeout(resolve, 5));
    const deliver = async (event: Record<string, unknown>) => {
      const [record] = (await store.append('s', [event as never])).records;
      for (const listener of listeners) listener({ event: record!.event, offset: record!.offset } as RunControl);
      return record!.offset;
    };
    const by = { kind: 'human', id: 'dana' } as const;
    const takenAt = await deliver({ type: 'task.taken_over', runId: 'run-1', taskId: 'task-0', by });
    // Nothing of task 1 starts while task 0 is the person's.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const during = await store.read('s', 0);
    expect(during.some((record) => record.event.type === 'task.started' && record.event.taskId === 'task-1')).toBe(false);
    expect(during.filter((record) => record.offset > takenAt && 'taskId' in record.event && record.event.taskId === 'task-0')).toEqual([]);
    await deliver({ type: 'task.handed_back', runId: 'run-1', taskId: 'task-0', by });
    await running;
    const events = (await store.read('s', 0)).map((record) => record.event);
    const round1 = events.filter((event) => event.type === 'text.delta' && event.taskId === 'task-0' && event.round === 1).map((event) => (event.type === 'text.delta' ? event.text : ''));
    expect(round1).toEqual(Array.from({ length: 400 }, (_, index) => scriptedDeltaText(0, index)));
    expect(events.find((event) => event.type === 'task.completed' && event.taskId === 'task-0')).toMatchObject({ round: 1 });
    expect(events.at(-1)?.type).toBe('run.completed');
  });

  it('stops promptly when aborted and writes nothing after', async () => {
    const store = new MemoryStore();
    const { value, controller } = context(store, 's');
    const running = createScriptedProducer({ deltas: 100_000, deltasPerSecond: 200 }).launch(value);
    while ((await store.head('s')).offset < 5) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    await running;
    const head = (await store.head('s')).offset;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await store.head('s')).offset).toBe(head);
    expect((await store.read('s', 0)).some((record) => record.event.type === 'run.completed')).toBe(false);
  });

  it('stops cleanly when the log fences the run', async () => {
    const store = new MemoryStore();
    const { value } = context(store, 's');
    const running = createScriptedProducer({ deltas: 100_000, deltasPerSecond: 500 }).launch(value);
    while ((await store.head('s')).offset < 5) await new Promise((resolve) => setTimeout(resolve, 5));
    await store.append('s', [{ type: 'run.cancelled', runId: 'run-1', by: { kind: 'system' } }]);
    await expect(running).resolves.toBeUndefined();
    const log = await store.read('s', 0);
    expect(log.at(-1)?.event.type).toBe('run.cancelled');
    expect(new FencedError('run-1').code).toBe('conflict');
  });

  it('cancels one task on a scoped cancel and goes on with the next', async () => {
    const store = new MemoryStore();
    const { value, listeners } = context(store, 's');
    const running = createScriptedProducer({ deltas: 400, deltasPerSecond: 2000, tasks: 2 }).launch(value);
    while ((await store.head('s')).offset < 10) await new Promise((resolve) => setTimeout(resolve, 5));
    for (const listener of listeners) {
      listener({ offset: 10, event: { type: 'cancel.requested', runId: 'run-1', scope: { taskId: 'task-0' }, by: { kind: 'system' } } });
    }
    await running;
    const events = (await store.read('s', 0)).map((record) => record.event);
    expect(events.find((event) => event.type === 'task.cancelled')).toMatchObject({ taskId: 'task-0' });
    expect(events.filter((event) => event.type === 'text.delta' && event.taskId === 'task-1')).toHaveLength(400);
    expect(events.at(-1)?.type).toBe('run.completed');
  });

  it('validates its options', () => {
    expect(() => createScriptedProducer({ deltas: -1, deltasPerSecond: 10 })).toThrow(/options\.deltas/);
    expect(() => createScriptedProducer({ deltas: 1, deltasPerSecond: 0 })).toThrow(/options\.deltasPerSecond/);
  });
});
