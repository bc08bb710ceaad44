import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DeliverableKindSchema, deliverableVariants, type Deliverable, type RunState, type SessionState } from '@marketing-team/core';
import { z } from 'zod';
import { renderBannerPng } from './_banner-png.js';
import { inertLandingPage } from './_inert-landing-page.js';
import { inertSvg } from './_inert-svg.js';
import { filesToZip, type ZipFile } from '../team-files/team-zip.js';
import { summarizeUsage } from './usage-ledger.js';

const ExportOptionsSchema = z.object({
  runId: z.string().min(1).max(128),
  directory: z.string().min(1),
});

/** Options of `exportRun`. */
export interface ExportRunOptions {
  /** The run to export. */
  runId: string;
  /** Folder to write into; created when missing. Existing files of the same names are replaced. */
  directory: string;
}

/** What `exportRun` wrote. */
export interface ExportedRun {
  directory: string;
  /** File names relative to `directory`, in the order they were written. */
  files: string[];
}

/** Thrown when the run to export does not exist in the state. */
export class ExportRunError extends Error {
  override readonly name = 'ExportRunError';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

function fileStem(deliverable: Deliverable, used: Set<string>): string {
  let stem: string = deliverable.kind;
  for (let n = 2; used.has(stem); n++) stem = `${deliverable.kind}-${n}`;
  used.add(stem);
  return stem;
}

const money = (usd: number) => `$${usd.toFixed(4)}`;

function readme(run: RunState, rows: string[], notes: string[], usage: ReturnType<typeof summarizeUsage>): string {
  const lines = [
    `# Campaign run ${run.id}`,
    '',
    run.brief ? `**Goal:** ${run.brief.goal}` : '',
    run.brief?.audience ? `**Audience:** ${run.brief.audience}` : '',
    run.brief?.product ? `**Product:** ${run.brief.product}` : '',
    `**Status:** ${run.status}`,
    run.model ? `**Model:** ${run.model.provider} / ${run.model.name}${run.model.offline ? ' (offline drafts)' : ''}` : '',
    '',
    '## Deliverables',
    '',
    '| Deliverable | Agent | Files | Issues |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    '## Tasks',
    '',
    ...run.taskOrder.map((id) => {
      const task = run.tasks[id];
      return task ? `- ${task.title} (${task.agent}): ${task.status}${task.blockedReason ? ` - ${task.blockedReason}` : ''}` : '';
    }),
    '',
    '## Usage',
    '',
    `Input tokens ${usage.total.inputTokens}, output tokens ${usage.total.outputTokens}, cache reads ${usage.total.cacheReadTokens}, cache writes ${usage.total.cacheWriteTokens}; cost ${money(usage.total.costUsd)}.`,
    ...(notes.length > 0 ? ['', '## Notes', '', ...notes.map((note) => `- ${note}`)] : []),
    '',
    'All content was written by a model; review it before publishing.',
    '',
  ];
  return lines.filter((line, index, all) => line !== '' || all[index - 1] !== '').join('\n');
}

/**
 * Writes a run (from a reduced `SessionState`) as a folder: a `README.md` index, each
 * deliverable as Markdown (`<kind>.md`, with the required disclaimers) and as JSON (`<kind>.json`,
 * the whole typed deliverable), the landing page as `landing-page.html`, the creative banner as
 * `banner.svg` and `banner.png`, and `run.json` with the tasks and usage. Model output is made inert
 * before it is written: the page is sanitized against an allowlist and carries a
 * Content-Security-Policy as its first element, the SVG is rebuilt from an allowlist of drawing
 * elements. File names come from deliverable kinds (checked against the known kinds), never from
 * model output.
 */
export async function exportRun(state: SessionState, options: ExportRunOptions): Promise<ExportedRun> {
  const parsed = ExportOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ExportRunError(`exportRun: ${issue?.path.join('.') ?? 'options'}: ${issue?.message ?? 'invalid'}`, issue?.path.join('.') ?? 'options');
  }
  const files = await runFiles(state, parsed.data.runId);
  const directory = resolve(parsed.data.directory);
  await mkdir(directory, { recursive: true });
  for (const file of files) await writeFile(join(directory, file.path), file.content);
  return { directory, files: files.map((file) => file.path) };
}

/**
 * The same files as `exportRun`, as one zip (reproducible: fixed timestamps, stable order), for a
 * download: what `GET <base>/sessions/:id/runs/:runId/export.zip` answers.
 */
export async function exportRunZip(state: SessionState, runId: string): Promise<Uint8Array<ArrayBuffer>> {
  return filesToZip(await runFiles(state, runId));
}

/** Every file of a run's export, in the order they are listed, made inert; nothing is written. */
async function runFiles(state: SessionState, runId: string): Promise<ZipFile[]> {
  const run = state.runs[runId];
  if (!run) throw new ExportRunError(`exportRun: runId: no run "${runId}" in this session`, 'runId');
  // File names are built from kinds: an unknown one (a state not made by the reducer) stops the
  // export before anything is written, so no odd name or path ever reaches the file system.
  for (const id of run.deliverableIds) {
    const kind: unknown = state.deliverables[id]?.kind;
    if (kind !== undefined && !DeliverableKindSchema.safeParse(kind).success) {
      throw new ExportRunError(`exportRun: state.deliverables.${id}.kind: not a deliverable kind`, `state.deliverables.${id}.kind`);
    }
  }
  const files: ZipFile[] = [];
  const write = (path: string, content: string | Uint8Array) => {
    files.push({ path, content });
  };

  const used = new Set<string>();
  const rows: string[] = [];
  const notes: string[] = [];
  for (const id of run.deliverableIds) {
    const deliverable = state.deliverables[id];
    if (!deliverable) continue;
    const stem = fileStem(deliverable, used);
    const links = [`[${stem}.md](${stem}.md)`, `[${stem}.json](${stem}.json)`];
    const disclaimers = deliverable.disclaimers ?? [];
    const missing = disclaimers.filter((d) => !deliverable.markdown.toLowerCase().includes(d.toLowerCase()));
    const closing = missing.length > 0 ? `\n\n---\n\n${missing.map((d) => `_${d}_`).join('\n\n')}` : '';
    write(`${stem}.md`, `${deliverable.markdown.trimEnd()}${closing}\n`);
    write(`${stem}.json`, `${JSON.stringify(deliverable, null, 2)}\n`);
    if (deliverable.kind === 'landing-page') {
      const name = stem === 'landing-page' ? 'landing-page.html' : `${stem}.html`;
      write(name, inertLandingPage(deliverable.data.html, { title: deliverable.data.headline || deliverable.title, disclaimers }));
      links.push(`[${name}](${name})`);
    }
    if (deliverable.kind === 'creative-concepts' && deliverable.data.bannerSvg.trim().length > 0) {
      const base = stem === 'creative-concepts' ? 'banner' : `banner-${stem}`;
      const svg = inertSvg(deliverable.data.bannerSvg);
      if (svg) {
        write(`${base}.svg`, `${svg}\n`);
        links.push(`[${base}.svg](${base}.svg)`);
        try {
          write(`${base}.png`, await renderBannerPng(svg));
          links.push(`[${base}.png](${base}.png)`);
        } catch (error) {
          // A banner the renderer cannot draw still exports as SVG; the README says why the PNG is missing.
          notes.push(`The banner of ${deliverable.title} could not be drawn as PNG (${(error as Error).message.slice(0, 200)}).`);
        }
      } else {
        notes.push(`The banner of ${deliverable.title} had no drawable SVG left after removing scripts and external references, so it was not exported.`);
      }
    }
    const issues = deliverable.issues.length === 0 ? 'none' : `${deliverable.issues.length} (${deliverable.issues.filter((issue) => issue.repaired).length} repaired)`;
    // A person's edit is named beside the agent, so the reader knows whose words these are.
    const versions = Object.hasOwn(state.deliverableVersions ?? {}, id) ? state.deliverableVersions[id] : undefined;
    const last = versions?.history.at(-1);
    const editor = last?.by;
    const variant = last?.variantId === undefined ? undefined : deliverableVariants(state, id).find((candidate) => candidate.deliverable.id === last.variantId);
    // A version the person wrote themselves (they took the task over and marked it done) is theirs, not an edit.
    const task = Object.hasOwn(run.tasks, deliverable.taskId) ? run.tasks[deliverable.taskId] : undefined;
    const doneAt = task?.doneBy?.offset;
    const written = doneAt === undefined ? undefined : versions?.history.find((entry) => entry.offset > doneAt);
    const how = variant ? `variant ${variant.letter} chosen by` : written !== undefined && written === last ? 'written by' : 'edited by';
    const author = editor?.kind === 'human' ? `${deliverable.agent}, ${how} ${editor.name ?? editor.id} (version ${versions!.version})` : deliverable.agent;
    rows.push(`| ${deliverable.title.replace(/\|/g, '\\|')} | ${author.replace(/\|/g, '\\|')} | ${links.join(', ')} | ${issues} |`);
  }
  const usage = summarizeUsage(state, { runId: run.id });
  write(
    'run.json',
    `${JSON.stringify({ id: run.id, status: run.status, brief: run.brief, model: run.model, tasks: run.taskOrder.map((id) => run.tasks[id]), deliverableIds: run.deliverableIds, usage: run.usage }, null, 2)}\n`,
  );
  write('README.md', readme(run, rows, notes, usage));
  return files;
}
