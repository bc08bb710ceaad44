import { describe, expect, it } from 'vitest';
import { SessionRecordSchema, SessionStateSchema, type SessionRecord } from '../protocol/index.js';
import { parseClientEvent } from '../protocol/client-event.js';
import { applyRecords, createSessionState } from './reducer.js';

const human = { kind: 'human', id: 'u1', name: 'Ada' } as const;
const other = { kind: 'human', id: 'u2', name: 'Grace' } as const;
const research = {
  id: 'research-deliverable',
  kind: 'research-brief',
  title: 'Research brief',
  runId: 'r1',
  taskId: 'research',
  agent: 'market-researcher',
  skill: 'market-research',
  offline: true,
  markdown: '# Research brief\n\nAgent text.',
  data: { summary: 'Agent summary', audienceInsights: [], marketTrends: [], opportunities: [] },
} as const;
const content = (markdown: string) => ({ kind: 'research-brief', title: 'Research brief', markdown, data: research.data }) as const;
const edit = (baseVersion: number, markdown: string, by: object = human) => ({
  type: 'deliverable.edited',
  runId: 'r1',
  taskId: 'research',
  deliverableId: research.id,
  baseVersion,
  content: content(markdown),
  by,
});
const start = [
  { type: 'brief.submitted', runId: 'r1', brief: { goal: 'Launch' }, by: human },
  {
    type: 'run.started',
    runId: 'r1',
    model: { provider: 'offline', name: 'draft', offline: true },
    tasks: [{ id: 'research', title: 'Research', skill: 'market-research', agent: 'market-researcher', dependsOn: [] }],
  },
  { type: 'deliverable.created', runId: 'r1', taskId: 'research', deliverable: research },
];

function records(events: readonly unknown[]): SessionRecord[] {
  return events.map((event, index) => SessionRecordSchema.parse({ offset: index + 1, at: 5_000 + index, event }));
}

describe('deliverable.edited in the reducer', () => {
  it('replaces the content, counts versions and keeps who made each one and when', () => {
    const state = applyRecords(createSessionState(), records([...start, edit(1, 'First edit.'), edit(2, 'Second edit.', other)]));
    expect(state.deliverables[research.id]).toMatchObject({ markdown: 'Second edit.', agent: 'market-researcher', runId: 'r1' });
    expect(state.deliverableVersions[research.id]).toEqual({
      version: 3,
      history: [
        { version: 1, by: { kind: 'agent', agent: 'market-researcher' }, at: 5_002, offset: 3 },
        { version: 2, by: human, at: 5_003, offset: 4 },
        { version: 3, by: other, at: 5_004, offset: 5 },
      ],
    });
    // A snapshot of it validates and reads back the same.
    expect(SessionStateSchema.parse(JSON.parse(JSON.stringify(state)))).toEqual(state);
  });

  it('skips an edit made on a version that is no longer current, or of another kind or task', () => {
    const stale = applyRecords(createSessionState(), records([...start, edit(1, 'Mine.'), edit(1, 'Theirs, made on version 1.', other)]));
    expect(stale.deliverables[research.id]?.markdown).toBe('Mine.');
    expect(stale.deliverableVersions[research.id]?.version).toBe(2);
    const wrong = applyRecords(
      createSessionState(),
      records([
        ...start,
        { ...edit(1, 'x'), content: { kind: 'ad-copy', title: 'Ads', markdown: 'x', data: { variants: [] } } },
        { ...edit(1, 'y'), taskId: 'strategy' },
      ]),
    );
    expect(wrong.deliverables[research.id]?.markdown).toBe(research.markdown);
    expect(wrong.deliverableVersions[research.id]?.version).toBe(1);
  });

  it('counts a regenerated deliverable (after a review) as a new version by its agent', () => {
    const state = applyRecords(
      createSessionState(),
      records([...start, edit(1, 'Edited.'), { type: 'deliverable.created', runId: 'r1', taskId: 'research', deliverable: { ...research, markdown: 'Rewritten.' } }]),
    );
    expect(state.deliverables[research.id]?.markdown).toBe('Rewritten.');
    expect(state.deliverableVersions[research.id]?.history.map((entry) => entry.by.kind)).toEqual(['agent', 'human', 'agent']);
  });

  it('is a client event whose actor comes from the token and whose content is checked with its kind schema', () => {
    const parsed = parseClientEvent({ ...edit(1, 'Edited.'), by: { kind: 'human', id: 'forged' } }, human);
    expect(parsed).toMatchObject({ type: 'deliverable.edited', by: human });
    const badData = { ...edit(1, 'x'), content: { ...content('x'), data: { summary: 1 } } };
    expect(() => parseClientEvent(badData, human)).toThrow(expect.objectContaining({ code: 'bad_frame', field: 'event.content.data.summary' }));
    const oversize = { ...edit(1, 'x'), content: content('x'.repeat(200_001)) };
    expect(() => parseClientEvent(oversize, human)).toThrow(expect.objectContaining({ code: 'bad_frame', field: 'event.content.markdown' }));
    expect(() => parseClientEvent({ ...edit(0, 'x') }, human)).toThrow(expect.objectContaining({ field: 'event.baseVersion' }));
  });
});
