import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyRecords, createSessionState, parseDeliverable, SessionEventSchema, type SessionEventInput, type SessionState } from '@marketing-team/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRun } from './export-run.js';

const runId = 'r1';

function stateWithOneBrief(): SessionState {
  const deliverable = parseDeliverable({
    kind: 'research-brief',
    id: 'd1',
    runId,
    taskId: 'research',
    agent: 'market-researcher',
    skill: 'market-research',
    text: '# Research\n\nFindings.',
    brand: { requiredDisclaimers: ['Terms apply.'] },
  });
  const events: SessionEventInput[] = [
    { type: 'brief.submitted', runId, brief: { goal: 'Launch' }, by: { kind: 'human', id: 'u1', name: 'Ada' } },
    { type: 'run.started', runId, tasks: [{ id: 'research', title: 'Research', skill: 'market-research', agent: 'market-researcher', dependsOn: [] }], model: { provider: 'offline', name: 'offline-1', offline: true } },
    { type: 'deliverable.created', runId, taskId: 'research', deliverable },
  ];
  return applyRecords(createSessionState(), events.map((event, index) => ({ offset: index + 1, at: 0, event: SessionEventSchema.parse(event) })));
}

describe('exportRun file names', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'mt-export-names-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('refuses a deliverable kind that is not a known kind before writing anything', async () => {
    for (const kind of ['../../escaped', 'research-brief/../../escaped', 'CON', 'a b']) {
      const state = stateWithOneBrief();
      state.deliverables.d1 = { ...state.deliverables.d1!, kind } as never;
      const target = join(directory, 'nested', 'export');
      await expect(exportRun(state, { runId, directory: target })).rejects.toMatchObject({ name: 'ExportRunError', field: 'state.deliverables.d1.kind' });
      expect(await readdir(directory)).toEqual([]);
    }
  });

  it('writes the required disclaimers under the Markdown, since deliverables carry them beside the text', async () => {
    const target = join(directory, 'ok');
    const exported = await exportRun(stateWithOneBrief(), { runId, directory: target });
    expect(exported.files).toEqual(['research-brief.md', 'research-brief.json', 'run.json', 'README.md']);
    expect(await readFile(join(target, 'research-brief.md'), 'utf8')).toBe('# Research\n\nFindings.\n\n---\n\n_Terms apply._\n');
  });

  it('writes the current version of an edited deliverable', async () => {
    const state = stateWithOneBrief();
    const edited = applyRecords(state, [
      {
        offset: state.offset + 1,
        at: 1,
        event: SessionEventSchema.parse({
          type: 'deliverable.edited',
          runId,
          taskId: 'research',
          deliverableId: 'd1',
          baseVersion: 1,
          content: { kind: 'research-brief', title: 'Research', markdown: '# Research\n\nEdited by Ada.', data: state.deliverables.d1!.data },
          by: { kind: 'human', id: 'u1', name: 'Ada' },
        }),
      },
    ]);
    const target = join(directory, 'edited');
    await exportRun(edited, { runId, directory: target });
    expect(await readFile(join(target, 'research-brief.md'), 'utf8')).toContain('Edited by Ada.');
    expect(await readFile(join(target, 'research-brief.md'), 'utf8')).not.toContain('Findings.');
    expect(await readFile(join(target, 'README.md'), 'utf8')).toContain('edited');
  });
});
