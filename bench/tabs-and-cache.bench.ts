// One socket per browser and the local cache, in Chromium against a real server: the tabs test
// (packages/widget/test/tabs.test.ts) prints its figures. First render of a reloaded session
// from the cache, against the same page rendering it from the network (baseline); the server's
// open sockets, its open subscriptions (from its own metrics) and the heap the open tabs hold (after a full collection: with them open, less
// just after they closed) for one browser with 1, 5 and 20 tabs sharing one connection, against
// as many tabs with a socket each (baseline); the gap between
// the leader tab closing mid-run and the next event shown in a follower.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchResult, type BenchResult } from './bench-result.js';

const widget = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'widget');

export async function runTabsAndCacheBench(): Promise<BenchResult[]> {
  const run = spawnSync('npx', ['web-test-runner', '--config', 'web-test-runner.config.mjs', '--files', 'test/tabs.test.ts'], {
    cwd: widget,
    encoding: 'utf8',
    timeout: 600_000,
  });
  const output = `${run.stdout}\n${run.stderr}`;
  const render = /from page load cached ([\d.]+) ms vs network ([\d.]+) ms; from client creation cached ([\d.]+) ms vs network ([\d.]+) ms/.exec(output);
  const tabs = /hand-over gap: (\d+) ms; sockets for 3 tabs: shared 1, unshared (\d+)/.exec(output);
  const footprint = /server footprint \(heap after gc: true\): (.*)/.exec(output);
  if (run.status !== 0 || !render || !tabs || !footprint) throw new Error(`the tabs test did not report its figures:\n${output.slice(-4000)}`);
  console.log(render[0]);
  console.log(tabs[0]);
  console.log(footprint[0]);
  const measured = new Map<string, { sockets: number; subscriptions: number; kib: number }>();
  for (const match of footprint[1]!.matchAll(/(shared|unshared) (\d+) tabs (\d+) sockets (\d+) subscriptions (-?\d+) KiB/g)) {
    measured.set(`${match[1]} ${match[2]}`, { sockets: Number(match[3]), subscriptions: Number(match[4]), kib: Number(match[5]) });
  }
  const footprintRows = [1, 5, 20].flatMap((count) => {
    const shared = measured.get(`shared ${count}`);
    const unshared = measured.get(`unshared ${count}`);
    if (!shared || !unshared) throw new Error(`the tabs test did not report ${count} tabs:\n${footprint[0]}`);
    return [
      benchResult(`server sockets for ${count} tabs of one browser (shared; baseline: a socket per tab)`, shared.sockets, 'sockets', unshared.sockets, 'constant in the number of tabs'),
      benchResult(
        `server subscriptions for ${count} tabs of one browser on one session (shared; baseline: a socket per tab)`,
        shared.subscriptions,
        'subscriptions',
        unshared.subscriptions,
        'constant in the number of tabs',
      ),
      benchResult(`server heap held by ${count} tabs of one browser (shared; baseline: a socket per tab)`, shared.kib, 'KiB', unshared.kib, 'constant in the number of tabs'),
    ];
  });
  return [
    ...footprintRows,
    benchResult('first render of a reloaded session, from page load (cached; baseline: from the network, same page)', Number(render[1]), 'ms', Number(render[2]), 'ratio below 1'),
    benchResult('first render of a reloaded session, from client creation (cached; baseline: from the network, same page)', Number(render[3]), 'ms', Number(render[4]), 'ratio below 1'),
    benchResult('leader tab closed mid-run to the next event shown in a follower', Number(tabs[1]), 'ms', null, 'reported, no threshold'),
  ];
}
