export type {
  ModelMessage,
  ModelProvider,
  ModelPurpose,
  ModelRequest,
  ModelStreamEvent,
  ModelUsage,
  SystemBlock,
} from './model-provider.js';
