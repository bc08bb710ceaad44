// Time for a new user to go from an empty workspace to a first completed campaign written for
// their own brand, with the offline model: the studio's browser test (packages/widget/test/
// studio.test.ts) drives it in Chromium against a real server (brand, a function, a skill built by
// the Reference-Based Method, an agent, a routing rule, save, a brief) and prints the figure. It is
// reported without a baseline: nothing else does the same work. The campaign run's own share,
// measured in the same test, is printed beside it.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchResult, type BenchResult } from './bench-result.js';

const widget = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'widget');

export async function runFirstCampaignBench(): Promise<BenchResult[]> {
  const run = spawnSync('npx', ['web-test-runner', '--config', 'web-test-runner.config.mjs', '--files', 'test/studio.test.ts'], {
    cwd: widget,
    encoding: 'utf8',
    timeout: 600_000,
  });
  const output = `${run.stdout}\n${run.stderr}`;
  const total = /empty workspace to first completed campaign \(offline model\): ([\d.]+) s/.exec(output);
  const campaign = /of which the campaign run: ([\d.]+) s/.exec(output);
  if (run.status !== 0 || !total || !campaign) throw new Error(`the studio test did not report its figures:\n${output.slice(-4000)}`);
  console.log(`empty workspace to first campaign: ${total[1]} s (campaign run alone ${campaign[1]} s)`);
  return [
    benchResult(
      `empty workspace to first completed campaign (studio in Chromium, offline model; no baseline; of which the campaign run ${campaign[1]} s)`,
      Number(total[1]),
      's',
      null,
      'reported, no threshold',
    ),
  ];
}
