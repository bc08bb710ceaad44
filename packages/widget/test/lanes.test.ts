// Lanes read like a person's work: rendered, sanitized Markdown while it streams, never a JSON
// fence or raw JSON; the structured part shows as the deliverable it became; an agent waiting
// for other tasks says which.
import '../src/index.js';
import { laneText } from '../src/internal/_lane-text.js';
import { deepQuery, deepQueryAll, deepText, equal, ok, waitFor } from './_assert.js';
import { afterEach, describe, it } from './_mocha.js';
import { FixtureClient } from './_fixtures.js';
import { frames, mountElement, uniqueSession } from './_page.js';
import type { MarketingTeamElement } from '../src/index.js';

const LONG = 60_000;

afterEach(() => {
  for (const element of Array.from(document.body.querySelectorAll('marketing-team'))) element.remove();
});

describe('agent lanes', () => {
  it('splits an answer cut anywhere into prose and hidden structured data', () => {
    const answer = 'Here is the plan.\n\n- one\n- two\n\n```json\n{"headline": "Go"}\n```\n';
    for (let cut = 0; cut <= answer.length; cut += 1) {
      const { prose } = laneText(answer.slice(0, cut));
      ok(!prose.includes('`'), `no backtick at cut ${cut}: ${JSON.stringify(prose)}`);
      ok(!prose.includes('{'), `no JSON at cut ${cut}`);
    }
    equal(laneText(answer).prose, 'Here is the plan.\n\n- one\n- two');
    ok(laneText(answer).structured);
    equal(laneText('{"a": 1}').prose, '');
    equal(laneText('Code:\n```ts\nconst a = 1;\n```').prose, 'Code:\n```ts\nconst a = 1;\n```', 'other code blocks stay');
  });

  it('streams rendered Markdown without any JSON, shows deliverables and what waiting agents wait for', async () => {
    const session = uniqueSession('widget-lanes');
    const element = await mountElement(session);
    await waitFor(() => deepQuery(element, 'mt-connection-status >>> [data-status="live"]'), 'live', LONG);
    const seen = { json: [] as string[], waiting: false, rendered: false, frames: 0 };
    let watching = true;
    const check = () => {
      if (!watching) return;
      seen.frames += 1;
      for (const lane of deepQueryAll(element, 'mt-agent-lane')) {
        const text = deepText(lane);
        if (text.includes('```') || /"\w+"\s*:/.test(text)) seen.json.push(text.slice(0, 300));
        if (/Starts after \S/.test(text)) seen.waiting = true;
      }
      if (deepQuery(element, 'mt-agent-lane >>> mt-markdown >>> [part="content"] :is(p, li, h4, h5)')) seen.rendered = true;
      requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
    await element.submitBrief({ goal: 'Launch our reusable bottle to commuters', channels: ['x', 'instagram'] });
    await waitFor(() => {
      const id = element.state?.runOrder[0];
      return id && element.state?.runs[id]?.status === 'completed';
    }, 'the run to complete', LONG);
    await waitFor(() => deepQueryAll(element, 'mt-agent-lane').some((lane) => deepText(lane).includes('Delivered:')), 'a lane naming its deliverable');
    watching = false;
    ok(seen.frames > 10, `lanes checked on every frame (${seen.frames})`);
    equal(seen.json.length, 0, `lanes showed JSON: ${seen.json[0] ?? ''}`);
    ok(seen.rendered, 'lane text rendered as Markdown');
    ok(seen.waiting, 'a waiting agent said what it waits for');
  });

  it('says when a person has its task: taken over, then done by them', async () => {
    const ada = { kind: 'human', id: 'u1', name: 'Ada' } as const;
    const runId = 'r-held';
    const client = new FixtureClient();
    client.push([
      { type: 'brief.submitted', runId, brief: { goal: 'Launch our reusable bottle to commuters' }, by: ada },
      {
        type: 'run.started',
        runId,
        tasks: [
          { id: 'research', title: 'Research the market', skill: 'market-research', agent: 'market-researcher', dependsOn: [] },
          { id: 'strategy', title: 'Write the strategy', skill: 'campaign-strategy', agent: 'campaign-strategist', dependsOn: ['research'] },
        ],
        model: { provider: 'offline', name: 'offline-1', offline: true },
      },
      { type: 'task.started', runId, taskId: 'research', agent: 'market-researcher' },
      { type: 'message.started', runId, taskId: 'research', agent: 'market-researcher', messageId: 'm-research', offline: true },
      { type: 'text.delta', runId, taskId: 'research', agent: 'market-researcher', messageId: 'm-research', text: 'Commuters want' },
      { type: 'task.taken_over', runId, taskId: 'research', by: ada },
    ]);
    const element = document.createElement('marketing-team') as MarketingTeamElement;
    element.session = 's-held';
    element.token = 'fixture';
    element.client = client;
    document.body.append(element);
    const researcher = () => deepQueryAll(element, 'mt-agent-lane').find((lane) => deepText(lane).includes('Market researcher'));
    await waitFor(() => researcher() && /Research the market.*Taken over by Ada/s.test(deepText(researcher()!)), 'the lane names the person who has its task');
    ok(!/Waiting for work/.test(deepText(researcher()!)), 'not shown as waiting for work');
    client.push([
      { type: 'task.marked_done', runId, taskId: 'research', title: 'Research brief', markdown: 'Commuters want lighter bottles.', by: ada },
      { type: 'task.completed', runId, taskId: 'research', agent: 'market-researcher' },
    ]);
    await waitFor(() => /Research the market.*Done by Ada/s.test(deepText(researcher()!)), 'the lane says the person did its task');
    await frames();
  });
});
