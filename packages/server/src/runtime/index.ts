export type { RunContext, RunControl, RunLauncher } from './run-launcher.js';
