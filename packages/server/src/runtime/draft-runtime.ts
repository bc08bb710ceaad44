import {
  buildBrandIntakeRequest,
  buildReferenceAnalysisRequest,
  parseBrandDraft,
  templateHash,
  type DraftRequest,
  type DraftResult,
  type ModelProvider,
  type ModelUsage,
  type RunError,
  type SessionEvent,
} from '@marketing-team/core';
import { z } from 'zod';
import { ModelError } from '../models/model-error.js';
import { DeltaWriter } from './_delta-writer.js';
import { composeId } from './_ids.js';
import type { DraftRunContext, RunLauncher } from './run-launcher.js';
import { stopOf } from './_task-stop.js';

/** Options of `createDraftRuntime`. */
export interface DraftRuntimeOptions {
  /** The model that writes drafts (reference analyses, brand kits): Anthropic, OpenAI-compatible or offline. */
  provider: ModelProvider;
  /** Text chunks arriving within this many milliseconds become one `text.delta`; default 10. */
  coalesceMs?: number;
  /** Largest `text.delta` in characters; default 4000. */
  maxDeltaChars?: number;
}

const OptionsSchema = z.object({
  provider: z.custom<ModelProvider>(
    (value) => typeof value === 'object' && value !== null && typeof (value as ModelProvider).stream === 'function' && typeof (value as ModelProvider).cost === 'function',
    'expected a ModelProvider',
  ),
  coalesceMs: z.number().min(0).max(1000).default(10),
  maxDeltaChars: z.number().int().min(1).max(16_000).default(4000),
});

/** What each kind of draft is called on the board and which agent name its lane carries. */
const KINDS = {
  'reference-analysis': { agent: 'reference-analyst', skill: 'reference-analysis' },
  'brand-intake': { agent: 'brand-analyst', skill: 'brand-intake' },
} as const;

const TASK_ID = 'draft';

/**
 * The studio's drafts as durable runs: a `draft.requested` event becomes a one-task run that
 * streams the model's answer into the session log (`message.*`, `text.delta`), then stores what
 * it drafted as `draft.created` and ends with `run.completed`. A reference analysis drafts the
 * report of a branded template; a brand intake drafts the brand kit's fields from the marketer's
 * documents. Like a campaign run, it survives dropped connections, shows on every device and stops
 * on `cancel.requested`; nothing is saved to the workspace until a human saves the draft.
 */
export function createDraftRuntime(options: DraftRuntimeOptions): RunLauncher<DraftRunContext> {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`createDraftRuntime: ${issue?.path.join('.') || 'options'}: ${issue?.message ?? 'invalid'}`);
  }
  const { provider, coalesceMs, maxDeltaChars } = parsed.data;
  return { launch: (context) => runDraft(context, provider, coalesceMs, maxDeltaChars) };
}

async function runDraft(context: DraftRunContext, provider: ModelProvider, coalesceMs: number, maxDeltaChars: number): Promise<void> {
  const { runId, request } = context;
  const { agent, skill } = KINDS[request.kind];
  // Message ids are keys of the whole session's state: one per run, not per task name.
  const messageId = composeId(runId, 'm1');
  const base = { runId, taskId: TASK_ID, agent };
  const append = async (events: SessionEvent[]): Promise<void> => {
    await context.append(events);
  };
  try {
    await append([
      {
        type: 'run.started',
        runId,
        tasks: [{ id: TASK_ID, title: titleOf(request), skill, agent, dependsOn: [], review: false }],
        model: { provider: provider.provider, name: provider.model, offline: provider.offline },
        workspaceId: context.workspaceId,
      },
      { type: 'task.started', ...base },
      { type: 'message.started', ...base, messageId, offline: provider.offline },
    ]);
    const modelRequest = request.kind === 'reference-analysis' ? buildReferenceAnalysisRequest(request.template) : buildBrandIntakeRequest(request.documents);
    const writer = new DeltaWriter((text) => append([{ type: 'text.delta', ...base, messageId, text }]), coalesceMs, maxDeltaChars, () => undefined);
    let text = '';
    let usage: ModelUsage | undefined;
    let failure: unknown;
    try {
      for await (const event of provider.stream(modelRequest, context.signal)) {
        if (event.type === 'text') {
          text += event.text;
          writer.push(event.text);
        } else if (event.type === 'usage') usage = event.usage;
      }
    } catch (error) {
      failure = error;
    }
    if (context.signal.aborted) {
      // Cancelled: the session layer writes `run.cancelled`; nothing more from this run is stored.
      writer.discard();
      return;
    }
    await writer.drain();
    const closing: SessionEvent[] = [
      { type: 'message.completed', ...base, messageId, text, stopReason: failure === undefined ? 'end' : 'error' },
      ...(usage ? [usageEvent(base, skill, usage, provider)] : []),
    ];
    const result = failure === undefined ? draftOf(request, text) : { error: failure instanceof ModelError ? failure.toRunError() : internal(failure) };
    if ('error' in result) {
      await append([...closing, { type: 'task.failed', ...base, error: result.error }, { type: 'run.failed', runId, error: result.error }]);
      return;
    }
    await append([
      ...closing,
      { type: 'draft.created', runId, taskId: TASK_ID, draft: result },
      { type: 'task.completed', ...base },
      { type: 'run.completed', runId, deliverableIds: [] },
    ]);
  } catch (error) {
    // Fenced (cancelled or ended elsewhere): the run is over either way.
    if (!stopOf(error)) throw error;
  }
}

function titleOf(request: DraftRequest): string {
  return request.kind === 'reference-analysis'
    ? `Analyse the template "${request.template.name}"`
    : `Draft the brand kit from ${request.documents.length === 1 ? `"${request.documents[0]!.name}"` : `${request.documents.length} documents`}`.slice(0, 300);
}

/** The draft a finished answer holds, or why it holds none. */
function draftOf(request: DraftRequest, answer: string): DraftResult | { error: RunError } {
  if (request.kind === 'reference-analysis') {
    const report = answer.trim().slice(0, 100_000);
    if (!report) return { error: { code: 'invalid_output', message: 'the model returned an empty analysis report', retryable: true } };
    return {
      kind: 'reference-analysis',
      templateName: request.template.name,
      templateHash: templateHash(request.template),
      report,
      ...(request.skill !== undefined ? { skill: request.skill } : {}),
    };
  }
  const parsed = parseBrandDraft(answer);
  if (!parsed || Object.keys(parsed.brand).length === 0) {
    return { error: { code: 'invalid_output', message: 'the model found no brand kit fields in the documents', retryable: true } };
  }
  return { kind: 'brand-intake', brand: parsed.brand, sources: request.documents.map((document) => document.name) };
}

function usageEvent(base: { runId: string; taskId: string; agent: string }, skill: string, usage: ModelUsage, provider: ModelProvider): SessionEvent {
  const cost = provider.cost(usage);
  return { type: 'usage', ...base, skill, ...usage, costUsd: Number.isFinite(cost) && cost > 0 ? cost : 0 };
}

function internal(error: unknown): RunError {
  return { code: 'internal', message: (error instanceof Error ? error.message : String(error)).slice(0, 2000), retryable: false };
}
