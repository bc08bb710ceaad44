export { createControlledProvider } from './controlled-provider.js';
export type { ControlledCall, ControlledProvider } from './controlled-provider.js';
export { createStoreRunHarness } from './store-run-context.js';
export type { StoreRunHarness } from './store-run-context.js';
