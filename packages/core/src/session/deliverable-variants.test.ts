import { describe, expect, it } from 'vitest';
import { SessionRecordSchema, SessionStateSchema, type SessionRecord } from '../protocol/index.js';
import { parseClientEvent } from '../protocol/client-event.js';
import { deliverableVariants, nextVariantIndex, variantChosenEvent } from './deliverable-variants.js';
import { applyRecords, createSessionState } from './reducer.js';

const human = { kind: 'human', id: 'u1', name: 'Dana' } as const;
const post = (text: string) => ({ channel: 'x', text, hashtags: [], characterCount: text.length, characterLimit: 280 }) as const;
const posts = (id: string, runId: string, taskId: string, text: string) =>
  ({
    id,
    kind: 'social-posts',
    title: 'Social posts',
    runId,
    taskId,
    agent: 'content-creator',
    skill: 'social-posts',
    offline: true,
    markdown: `# Social posts\n\n${text}`,
    data: { posts: [post(text)] },
  }) as const;
const task = (id: string) => ({ id, title: 'Posts', skill: 'social-posts', agent: 'content-creator', dependsOn: [] });
const model = { provider: 'offline', name: 'draft', offline: true };
const original = posts('d-posts', 'r1', 'posts', 'Hello hikers.');
const log = [
  { type: 'brief.submitted', runId: 'r1', brief: { goal: 'Launch' }, by: human },
  { type: 'run.started', runId: 'r1', model, tasks: [task('posts')] },
  { type: 'deliverable.created', runId: 'r1', taskId: 'posts', deliverable: original },
  { type: 'task.completed', runId: 'r1', taskId: 'posts', agent: 'content-creator', deliverableId: original.id },
  { type: 'run.completed', runId: 'r1', deliverableIds: [original.id] },
  { type: 'brief.submitted', runId: 'r2', brief: { goal: 'Launch' }, by: human, continues: 'r1', variants: { taskId: 'posts', count: 2 } },
  { type: 'run.started', runId: 'r2', model, tasks: [task('posts.variant.a'), task('posts.variant.b')] },
  // Variant B's generation finishes first: letters follow the plan, not the finish.
  { type: 'deliverable.created', runId: 'r2', taskId: 'posts.variant.b', deliverable: posts('d-b', 'r2', 'posts.variant.b', 'Picture Saturday.') },
  { type: 'deliverable.created', runId: 'r2', taskId: 'posts.variant.a', deliverable: posts('d-a', 'r2', 'posts.variant.a', 'Ready, hikers?') },
  { type: 'run.completed', runId: 'r2', deliverableIds: ['d-a', 'd-b'] },
];

function records(events: readonly unknown[], first = 1): SessionRecord[] {
  return events.map((event, index) => SessionRecordSchema.parse({ offset: first + index, at: 5_000 + first + index, event }));
}

describe('variants of a deliverable in the reducer', () => {
  const state = applyRecords(createSessionState(), records(log));

  it('links a variants run to the deliverable it varies and lists its variants A, B', () => {
    expect(state.runs.r2?.variantsOf).toEqual({ deliverableId: original.id, count: 2 });
    expect(deliverableVariants(state, original.id).map((variant) => [variant.letter, variant.deliverable.id, variant.inUse])).toEqual([
      ['A', 'd-a', false],
      ['B', 'd-b', false],
    ]);
    expect(deliverableVariants(state, 'd-a')).toEqual([]);
    expect(nextVariantIndex(state, original.id)).toBe(2);
  });

  it('makes the chosen variant the current version, with who chose which variant, and survives a snapshot', () => {
    const event = parseClientEvent(variantChosenEvent(state, original.id, 'd-b'), human);
    const chosen = applyRecords(state, records([event], log.length + 1));
    expect(chosen.deliverables[original.id]).toMatchObject({ id: original.id, runId: 'r1', taskId: 'posts', markdown: '# Social posts\n\nPicture Saturday.', data: { posts: [{ text: 'Picture Saturday.' }] } });
    expect(chosen.deliverableVersions[original.id]?.version).toBe(2);
    expect(chosen.deliverableVersions[original.id]?.history.at(-1)).toEqual({ version: 2, by: human, at: 5_000 + log.length + 1, offset: log.length + 1, variantId: 'd-b' });
    expect(deliverableVariants(chosen, original.id).map((variant) => variant.inUse)).toEqual([false, true]);
    // A device that joins from a snapshot shows the same.
    expect(SessionStateSchema.parse(JSON.parse(JSON.stringify(chosen)))).toEqual(chosen);
  });

  it('skips a choice made on an older version, of a stranger, or of another task', () => {
    const base = { type: 'variant.chosen', runId: 'r1', taskId: 'posts', deliverableId: original.id, by: human };
    const refused = [
      { ...base, variantId: 'd-a', baseVersion: 2 },
      { ...base, variantId: original.id, baseVersion: 1 },
      { ...base, taskId: 'other', variantId: 'd-a', baseVersion: 1 },
    ];
    const after = applyRecords(state, records(refused, log.length + 1));
    expect(after.deliverables[original.id]).toEqual(state.deliverables[original.id]);
    expect(after.deliverableVersions[original.id]).toEqual(state.deliverableVersions[original.id]);
    expect(() => variantChosenEvent(state, original.id, original.id)).toThrow(/variantId/);
  });
});
