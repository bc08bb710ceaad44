// A/B variants of a social post or ad deliverable: a durable run writes each variant from its own
// angle, and a person's choice becomes the deliverable's current version for every device, later
// runs and the export.
import { afterAll, describe, expect, it } from 'vitest';
import { createDefaultTeam, type Deliverable, type SessionRecord } from '@marketing-team/core';
import { MemoryStore } from '../src/stores/memory-store.js';
import { createTeamRuntime } from '../src/runtime/team-runtime.js';
import { createControlledProvider } from '../src/runtime/testing/index.js';
import { publishOnce, readAll, startServer, until } from './_harness.js';

const store = new MemoryStore();
afterAll(() => store.close());

const brief = { goal: 'Launch the spring collection to weekend hikers', channels: ['x', 'linkedin', 'instagram'] };

const ofRun = (log: SessionRecord[], runId: string) => log.filter((record) => 'runId' in record.event && record.event.runId === runId);
const createdIn = (log: SessionRecord[], runId: string): Deliverable[] =>
  ofRun(log, runId).flatMap((record) => (record.event.type === 'deliverable.created' ? [record.event.deliverable] : []));
/** The opening line of each post or ad: what an A/B test compares. */
const openings = (deliverable: Deliverable): string[] =>
  deliverable.kind === 'social-posts'
    ? deliverable.data.posts.map((post) => post.text.split(/[.!?\n]/u)[0]!)
    : deliverable.kind === 'ad-copy'
      ? deliverable.data.variants.map((ad) => ad.headline)
      : [];

describe('variants of a deliverable', () => {
  it('writes 3 different variants of the social posts, and the chosen one becomes the current version', async () => {
    const session = 'variants-1';
    const provider = createControlledProvider();
    const env = await startServer(store, { launcher: createTeamRuntime({ team: createDefaultTeam(), provider, coalesceMs: 0 }) });
    try {
      const token = await env.token(session);
      await publishOnce(env.wsUrl, token, session, 'v-1', { type: 'brief.submitted', runId: 'run-1', brief });
      await until(async () => ofRun(await readAll(store, session), 'run-1').some((record) => record.event.type === 'run.completed'), 20_000, 'run-1 completed');
      const first = createdIn(await readAll(store, session), 'run-1');
      const posts = first.find((deliverable) => deliverable.kind === 'social-posts')!;
      const strategy = first.find((deliverable) => deliverable.kind === 'campaign-strategy')!;
      const asked = provider.calls.length;

      // Only social posts and ads have variants; 4 is too many; a variant needs the run it varies.
      expect(await publishOnce(env.wsUrl, token, session, 'v-bad-kind', { type: 'brief.submitted', runId: 'run-x', brief, continues: 'run-1', variants: { taskId: strategy.taskId, count: 2 } })).toMatchObject({
        type: 'error',
        field: 'event.variants.taskId',
      });
      expect(await publishOnce(env.wsUrl, token, session, 'v-bad-count', { type: 'brief.submitted', runId: 'run-x', brief, continues: 'run-1', variants: { taskId: posts.taskId, count: 4 } })).toMatchObject({
        type: 'error',
        field: 'event.variants.count',
      });
      expect(await publishOnce(env.wsUrl, token, session, 'v-bad-run', { type: 'brief.submitted', runId: 'run-x', brief, variants: { taskId: posts.taskId, count: 2 } })).toMatchObject({
        type: 'error',
        field: 'event.variants',
      });

      const answer = await publishOnce(env.wsUrl, token, session, 'v-2', {
        type: 'brief.submitted',
        runId: 'run-2',
        brief,
        continues: 'run-1',
        variants: { taskId: posts.taskId, count: 3, instruction: 'Mention the free trial' },
      });
      expect(answer.type).toBe('ack');
      await until(async () => ofRun(await readAll(store, session), 'run-2').some((record) => record.event.type === 'run.completed'), 20_000, 'run-2 completed');
      const variants = createdIn(await readAll(store, session), 'run-2');
      // Only the variants went to the model: three generations of the posts' skill, nothing taken over.
      expect(provider.calls.slice(asked).map((call) => call.skill)).toEqual([posts.skill, posts.skill, posts.skill]);
      expect(variants).toHaveLength(3);
      // Lettered A, B, C as asked, whichever generation finished first.
      expect(variants.map((variant) => variant.title.slice(-9)).sort()).toEqual(['variant A', 'variant B', 'variant C']);
      const prompt = JSON.stringify(provider.calls[asked]!.request.messages);
      expect(prompt).toContain('Mention the free trial');
      expect(prompt).toContain('The current version');
      // Each variant opens differently from the others and from the current version, on the same channels, within their limits.
      const all = [posts, ...variants].map((deliverable) => openings(deliverable).join(' | '));
      expect(new Set(all).size).toBe(4);
      for (const variant of variants) {
        if (variant.kind !== 'social-posts' || posts.kind !== 'social-posts') throw new Error('a variant of social posts is social posts');
        expect(variant.data.posts.map((post) => post.channel)).toEqual(posts.data.posts.map((post) => post.channel));
        for (const post of variant.data.posts) expect(post.characterCount).toBeLessThanOrEqual(post.characterLimit);
      }

      const { state } = await env.server.hub.snapshot(session);
      expect(state.runs['run-2']?.variantsOf).toEqual({ deliverableId: posts.id, count: 3 });
      const chosen = variants[1]!;
      // A choice on an older version, or of something that is not a variant, is refused.
      expect(await publishOnce(env.wsUrl, token, session, 'c-old', { type: 'variant.chosen', runId: posts.runId, taskId: posts.taskId, deliverableId: posts.id, variantId: chosen.id, baseVersion: 2 })).toMatchObject({
        type: 'error',
        code: 'conflict',
        field: 'event.baseVersion',
      });
      expect(await publishOnce(env.wsUrl, token, session, 'c-stranger', { type: 'variant.chosen', runId: posts.runId, taskId: posts.taskId, deliverableId: posts.id, variantId: strategy.id, baseVersion: 1 })).toMatchObject({
        type: 'error',
        field: 'event.variantId',
      });
      const chose = await publishOnce(env.wsUrl, token, session, 'c-1', { type: 'variant.chosen', runId: posts.runId, taskId: posts.taskId, deliverableId: posts.id, variantId: chosen.id, baseVersion: 1 });
      expect(chose.type).toBe('ack');
      const after = (await env.server.hub.snapshot(session)).state;
      expect(after.deliverables[posts.id]).toMatchObject({ id: posts.id, runId: 'run-1', markdown: chosen.markdown, data: chosen.data });
      expect(after.deliverableVersions[posts.id]?.history.at(-1)).toMatchObject({ version: 2, variantId: chosen.id, by: { kind: 'human' } });

      // A later run that continues the first one takes the chosen text over.
      const regenerate = await publishOnce(env.wsUrl, token, session, 'v-3', { type: 'brief.submitted', runId: 'run-3', brief, continues: 'run-1', regenerate: { taskId: strategy.taskId, instruction: 'Name the season' } });
      expect(regenerate.type).toBe('ack');
      await until(async () => ofRun(await readAll(store, session), 'run-3').some((record) => record.event.type === 'run.completed'), 20_000, 'run-3 completed');
      expect(createdIn(await readAll(store, session), 'run-3').find((deliverable) => deliverable.kind === 'social-posts')).toMatchObject({ markdown: chosen.markdown });
    } finally {
      await env.close();
    }
  });

  it('writes ad copy variants whose headlines differ and fit each platform', async () => {
    const session = 'variants-ads';
    const provider = createControlledProvider();
    const env = await startServer(store, { launcher: createTeamRuntime({ team: createDefaultTeam(), provider, coalesceMs: 0 }) });
    try {
      const token = await env.token(session);
      await publishOnce(env.wsUrl, token, session, 'a-1', { type: 'brief.submitted', runId: 'run-1', brief });
      await until(async () => ofRun(await readAll(store, session), 'run-1').some((record) => record.event.type === 'run.completed'), 20_000, 'run-1 completed');
      const ads = createdIn(await readAll(store, session), 'run-1').find((deliverable) => deliverable.kind === 'ad-copy')!;
      await publishOnce(env.wsUrl, token, session, 'a-2', { type: 'brief.submitted', runId: 'run-2', brief, continues: 'run-1', variants: { taskId: ads.taskId, count: 2 } });
      await until(async () => ofRun(await readAll(store, session), 'run-2').some((record) => record.event.type === 'run.completed'), 20_000, 'run-2 completed');
      const variants = createdIn(await readAll(store, session), 'run-2');
      expect(variants).toHaveLength(2);
      expect(new Set([ads, ...variants].map((deliverable) => openings(deliverable).join(' | '))).size).toBe(3);
      for (const variant of variants) {
        expect(variant.kind).toBe('ad-copy');
        expect(variant.issues.filter((issue) => !issue.repaired)).toEqual([]);
      }
    } finally {
      await env.close();
    }
  });
});
