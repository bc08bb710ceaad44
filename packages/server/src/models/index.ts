export { ModelError } from './model-error.js';
export type { ModelErrorCode, ModelErrorReason } from './model-error.js';
export { ANTHROPIC_PRICES, costOfUsage, findModelPrice } from './model-prices.js';
export type { ModelPrice } from './model-prices.js';
export { createOfflineProvider, offlineAnswer, wordChunks } from './offline-provider.js';
export type { OfflineProviderOptions } from './offline-provider.js';
