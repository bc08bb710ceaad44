// Test-runner plugin: browser-side tests call these commands (executeServerCommand) to drive
// the real browser page (viewport, keyboard, screenshots) from Node.
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** @param {{ repositoryRoot: string }} options */
export function widgetTestPlugin({ repositoryRoot }) {
  return {
    name: 'marketing-team-widget-test',
    /** @param {{ command: string, payload: any, session: any }} context */
    async executeCommand({ command, payload, session }) {
      if (!command.startsWith('mt-')) return undefined;
      const page = session.browser.getPage(session.id);
      switch (command) {
        case 'mt-viewport':
          await page.setViewport({ width: payload.width, height: payload.height });
          return true;
        case 'mt-press':
          // "Control+Enter" holds the modifiers while pressing the last key.
          for (const combo of payload.keys) {
            const keys = combo.split('+');
            const main = keys.pop();
            for (const modifier of keys) await page.keyboard.down(modifier);
            await page.keyboard.press(main);
            for (const modifier of keys.reverse()) await page.keyboard.up(modifier);
          }
          return true;
        case 'mt-type':
          await page.keyboard.type(payload.text);
          return true;
        case 'mt-screenshot': {
          const path = join(repositoryRoot, payload.path);
          if (!path.startsWith(join(repositoryRoot, 'test-output'))) throw new Error('screenshots go under test-output/');
          await mkdir(dirname(path), { recursive: true });
          await page.screenshot({ path, fullPage: true });
          return path;
        }
        default:
          return undefined;
      }
    },
  };
}
