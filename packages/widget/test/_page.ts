import { executeServerCommand } from '@web/test-runner-commands';

/** Resizes the real browser viewport. */
export function setViewport(width: number, height: number): Promise<unknown> {
  return executeServerCommand('mt-viewport', { width, height });
}

/** Presses keys on the real keyboard (puppeteer key names; `Control+Enter` holds Control). */
export function press(...keys: string[]): Promise<unknown> {
  return executeServerCommand('mt-press', { keys });
}

/** Types text on the real keyboard into the focused element. */
export function type(text: string): Promise<unknown> {
  return executeServerCommand('mt-type', { text });
}

/** Saves a full-page screenshot under `test-output/`. */
export function screenshot(path: string): Promise<unknown> {
  return executeServerCommand('mt-screenshot', { path });
}

/** Waits for two animation frames, so batched updates have rendered. */
export function frames(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));
}
