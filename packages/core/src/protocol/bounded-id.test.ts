import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { boundedId } from './bounded-id.js';
import { MAX_ID_LENGTH } from './limits.js';
import { IdSchema } from './limits.js';
import { isRunEnded, isRunTerminalEvent } from './run-ended.js';

describe('boundedId', () => {
  it('keeps an id that fits', () => {
    const id = `${'r'.repeat(60)}:${'s'.repeat(67)}`;
    expect(id).toHaveLength(MAX_ID_LENGTH);
    expect(boundedId(id)).toBe(id);
  });

  it('shortens a longer id to a valid id that keeps its start and a SHA-256 of the whole', () => {
    const id = `${'r'.repeat(128)}:research`;
    const shortened = boundedId(id);
    expect(shortened.length).toBeLessThanOrEqual(MAX_ID_LENGTH);
    expect(IdSchema.safeParse(shortened).success).toBe(true);
    expect(shortened).toBe(`${id.slice(0, 100)}.${createHash('sha256').update(id).digest('hex').slice(0, 16)}`);
  });

  it('tells apart long ids that differ only past the kept start', () => {
    const start = 'x'.repeat(120);
    expect(boundedId(`${start}.message.1`)).not.toBe(boundedId(`${start}.message.2`));
  });
});

describe('the end of a run', () => {
  it('is each terminal event, and the status it leaves', () => {
    expect(['run.completed', 'run.cancelled', 'run.failed', 'run.interrupted'].every(isRunTerminalEvent)).toBe(true);
    expect(isRunTerminalEvent('run.started')).toBe(false);
    expect(isRunTerminalEvent('task.completed')).toBe(false);
    const ended = (['planned', 'running', 'completed', 'cancelled', 'failed', 'interrupted'] as const).filter((status) => isRunEnded({ status }));
    expect(ended).toEqual(['completed', 'cancelled', 'failed', 'interrupted']);
  });
});
