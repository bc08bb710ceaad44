import { describe, expect, it } from 'vitest';
import { FencedError } from '../stores/session-store.js';
import { RunStopped, TaskCancelled, TaskTakenOver, isRefusedWrite, stopOf } from './_task-stop.js';

describe('the stop rule', () => {
  it('tells a cancel, a task fence and the run stopping apart', () => {
    expect(stopOf(new TaskCancelled('cancelled'))).toBe('cancelled');
    expect(stopOf(new FencedError('run-1', 'task-1'))).toBe('fenced');
    expect(stopOf(new FencedError('run-1'))).toBe('run-stopped');
    expect(stopOf(new RunStopped('run stopped'))).toBe('run-stopped');
  });

  it('tells a take-over apart: the run goes on, the task waits for the person; the run stopping overrides it', () => {
    expect(stopOf(new TaskTakenOver('taken over'))).toBe('taken-over');
    expect(isRefusedWrite(new TaskTakenOver('taken over'))).toBe(false);
    const run = new AbortController();
    run.abort(new Error('lease lost'));
    expect(stopOf(new TaskTakenOver('taken over'), run.signal)).toBe('run-stopped');
  });

  it('calls anything else a failure, unless the run has stopped, which overrides every reason', () => {
    const run = new AbortController();
    expect(stopOf(new Error('model overloaded'), run.signal)).toBeUndefined();
    expect(stopOf(undefined, run.signal)).toBeUndefined();
    run.abort(new Error('lease lost'));
    expect(stopOf(new Error('model overloaded'), run.signal)).toBe('run-stopped');
    expect(stopOf(new TaskCancelled('cancelled'), run.signal)).toBe('run-stopped');
  });

  it('counts only the log refusing a write as a refused write (a cancel keeps its partial output)', () => {
    expect(isRefusedWrite(new FencedError('run-1', 'task-1'))).toBe(true);
    expect(isRefusedWrite(new RunStopped('run fenced'))).toBe(true);
    expect(isRefusedWrite(new TaskCancelled('cancelled'))).toBe(false);
    expect(isRefusedWrite(new Error('socket closed'))).toBe(false);
  });
});
