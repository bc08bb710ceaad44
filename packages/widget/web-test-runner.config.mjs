// Browser tests of the widget: Debian's Chromium through @web/test-runner-chrome, TypeScript
// through esbuild, workspace packages resolved to their sources. Test commands (viewport,
// keys, screenshots, the test server's API) run in Node beside the browser.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { fileURLToPath } from 'node:url';
import { widgetTestPlugin } from './test/widget-test-plugin.mjs';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const packageRoot = fileURLToPath(new URL('.', import.meta.url));

export default {
  rootDir: repositoryRoot,
  files: [`${packageRoot}test/**/*.test.ts`],
  nodeResolve: { exportConditions: ['@marketing-team/source', 'browser', 'development'] },
  concurrency: 1,
  concurrentBrowsers: 1,
  browserStartTimeout: 60_000,
  testsStartTimeout: 60_000,
  testsFinishTimeout: 180_000,
  testFramework: { config: { timeout: 30_000 } },
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: `${repositoryRoot}tsconfig.base.json` }), widgetTestPlugin({ repositoryRoot })],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
        args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      },
    }),
  ],
};
