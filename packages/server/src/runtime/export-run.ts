import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Deliverable, RunState, SessionState } from '@marketing-team/core';
import { z } from 'zod';
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

/**
 * Stops scripts in an exported landing page when someone opens the file in a browser: the page is
 * model output and untrusted, so it gets a Content-Security-Policy that allows only inline styles
 * and data images.
 */
function withRestrictivePolicy(html: string): string {
  const meta =
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; img-src data:; font-src data:">';
  const head = /<head(\s[^>]*)?>/i.exec(html);
  if (head) return html.slice(0, head.index + head[0].length) + meta + html.slice(head.index + head[0].length);
  return `<!doctype html><html><head>${meta}</head><body>${html}</body></html>`;
}

/** An SVG is written as an image file only when it has nothing that could run or load from elsewhere. */
function isInertSvg(svg: string): boolean {
  return (
    /^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/i.test(svg) &&
    !/<script|<foreignObject|javascript:|\son[a-z]+\s*=|(?:xlink:)?href\s*=\s*["']\s*(?!#|data:image\/)/i.test(svg)
  );
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
 * deliverable as Markdown (`<kind>.md`) and as JSON (`<kind>.json`, the whole typed deliverable),
 * the landing page as `landing-page.html` (with a script-blocking policy), the creative banner as
 * `banner.svg`, and `run.json` with the tasks and usage. File names come from deliverable kinds,
 * never from model output.
 */
export async function exportRun(state: SessionState, options: ExportRunOptions): Promise<ExportedRun> {
  const parsed = ExportOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ExportRunError(`exportRun: ${issue?.path.join('.') ?? 'options'}: ${issue?.message ?? 'invalid'}`, issue?.path.join('.') ?? 'options');
  }
  const run = state.runs[parsed.data.runId];
  if (!run) throw new ExportRunError(`exportRun: runId: no run "${parsed.data.runId}" in this session`, 'runId');
  const directory = resolve(parsed.data.directory);
  await mkdir(directory, { recursive: true });
  const files: string[] = [];
  const write = async (name: string, content: string) => {
    await writeFile(join(directory, name), content, 'utf8');
    files.push(name);
  };

  const used = new Set<string>();
  const rows: string[] = [];
  const notes: string[] = [];
  for (const id of run.deliverableIds) {
    const deliverable = state.deliverables[id];
    if (!deliverable) continue;
    const stem = fileStem(deliverable, used);
    const links = [`[${stem}.md](${stem}.md)`, `[${stem}.json](${stem}.json)`];
    await write(`${stem}.md`, `${deliverable.markdown.trimEnd()}\n`);
    await write(`${stem}.json`, `${JSON.stringify(deliverable, null, 2)}\n`);
    if (deliverable.kind === 'landing-page') {
      const name = stem === 'landing-page' ? 'landing-page.html' : `${stem}.html`;
      await write(name, withRestrictivePolicy(deliverable.data.html));
      links.push(`[${name}](${name})`);
    }
    if (deliverable.kind === 'creative-concepts' && deliverable.data.bannerSvg.trim().length > 0) {
      const base = stem === 'creative-concepts' ? 'banner' : `banner-${stem}`;
      if (isInertSvg(deliverable.data.bannerSvg)) {
        await write(`${base}.svg`, deliverable.data.bannerSvg);
        links.push(`[${base}.svg](${base}.svg)`);
      } else {
        await write(`${base}.svg.txt`, deliverable.data.bannerSvg);
        links.push(`[${base}.svg.txt](${base}.svg.txt)`);
        notes.push(`The banner of ${deliverable.title} contains scripts or external links, so it was saved as text (${base}.svg.txt), not as an image.`);
      }
    }
    const issues = deliverable.issues.length === 0 ? 'none' : `${deliverable.issues.length} (${deliverable.issues.filter((issue) => issue.repaired).length} repaired)`;
    rows.push(`| ${deliverable.title.replace(/\|/g, '\\|')} | ${deliverable.agent} | ${links.join(', ')} | ${issues} |`);
  }
  const usage = summarizeUsage(state, { runId: run.id });
  await write(
    'run.json',
    `${JSON.stringify({ id: run.id, status: run.status, brief: run.brief, model: run.model, tasks: run.taskOrder.map((id) => run.tasks[id]), deliverableIds: run.deliverableIds, usage: run.usage }, null, 2)}\n`,
  );
  await write('README.md', readme(run, rows, notes, usage));
  return { directory, files };
}
