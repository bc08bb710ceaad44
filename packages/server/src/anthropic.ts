// `@marketing-team/server/anthropic`: Claude through the Messages API. Needs `@anthropic-ai/sdk`.
export { acceptsTemperature, createAnthropicProvider, DEFAULT_ANTHROPIC_MODEL, toMessagesParams } from './models/anthropic-provider.js';
export type { AnthropicProviderOptions } from './models/anthropic-provider.js';
