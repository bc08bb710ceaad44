import type { Deliverable, SessionEventInput } from '@marketing-team/core';

/** Model output that tries every trick we know; `window.__pwned` is set if any of it runs. */
export function hostileEvents(runId: string): SessionEventInput[] {
  const messageId = `${runId}-m-evil`;
  const deliverables = [
    {
      id: `${runId}-d-evil-research`,
      runId,
      taskId: 'research',
      agent: 'market-researcher',
      skill: 'market-research',
      offline: true,
      issues: [],
      disclaimers: [],
      kind: 'research-brief',
      title: 'Evil <img src=x onerror="window.__pwned=\'title\'">',
      markdown: [
        '# Findings',
        '[fine](https://example.com/ok) and [mail](mailto:team@example.com)',
        '<script>window.__pwned = "script"</script>',
        '<img src="x" onerror="window.__pwned = \'img\'">',
        '[click me](javascript:window.__pwned=\'link\')',
        '<a href="JaVaScRiPt:window.__pwned=\'mixed\'">mixed case</a>',
        '<a href=" javascript:window.__pwned=1">spaced</a>',
        '<svg onload="window.__pwned=\'svg\'"><circle r="4"/></svg>',
        '<iframe src="javascript:parent.__pwned=\'iframe\'"></iframe>',
        '<form action="javascript:alert(1)"><button>go</button></form>',
        '<div style="background:url(javascript:alert(1))" onclick="window.__pwned=\'click\'">styled</div>',
        '![pixel](data:image/svg+xml,%3Csvg%20onload%3Dalert(1)%3E)',
        '<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned=\'mxss\'">',
      ].join('\n\n'),
      data: { summary: '', audienceInsights: [], marketTrends: [], opportunities: [] },
    },
    {
      id: `${runId}-d-evil-landing`,
      runId,
      taskId: 'creative',
      agent: 'creative-designer',
      skill: 'landing-page',
      offline: true,
      issues: [],
      disclaimers: [],
      kind: 'landing-page',
      title: 'Evil landing page',
      markdown: '',
      data: {
        headline: 'Win',
        html: '<!doctype html><html><body><h1>Win</h1><script>parent.__pwned = "landing"; parent.document.body.dataset.pwned = "landing"; top.location = "https://example.com";</script><img src=x onerror="parent.__pwned=\'landing-img\'"></body></html>',
      },
    },
    {
      id: `${runId}-d-evil-creative`,
      runId,
      taskId: 'creative',
      agent: 'creative-designer',
      skill: 'creative-concepts',
      offline: true,
      issues: [],
      disclaimers: [],
      kind: 'creative-concepts',
      title: 'Evil banner',
      markdown: '',
      data: {
        concepts: [{ name: '<img src=x onerror="window.__pwned=\'concept\'">', description: '<script>window.__pwned=1</script>', palette: ['red;background:url(//x)'] }],
        bannerSvg: '<svg xmlns="http://www.w3.org/2000/svg" onload="parent.__pwned=\'banner\'"><script>parent.__pwned="banner-script"</script><rect width="10" height="10"/></svg>',
      },
    },
  ] as Deliverable[];
  return [
    { type: 'task.started', runId, taskId: 'research', agent: 'market-researcher' },
    { type: 'message.started', runId, taskId: 'research', agent: 'market-researcher', messageId },
    // Tags split across deltas must never assemble into markup.
    { type: 'text.delta', runId, taskId: 'research', agent: 'market-researcher', messageId, text: 'Hello <scr' },
    { type: 'text.delta', runId, taskId: 'research', agent: 'market-researcher', messageId, text: 'ipt>window.__pwned="delta"</scr' },
    { type: 'text.delta', runId, taskId: 'research', agent: 'market-researcher', messageId, text: 'ipt><img src=x one' },
    { type: 'text.delta', runId, taskId: 'research', agent: 'market-researcher', messageId, text: 'rror="window.__pwned=\'delta-img\'">' },
    ...deliverables.map((deliverable) => ({ type: 'deliverable.created' as const, runId, taskId: deliverable.taskId, deliverable })),
  ];
}
