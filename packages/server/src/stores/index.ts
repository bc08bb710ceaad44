export type {
  AppendOptions,
  AppendResult,
  RecordListener,
  RetentionPolicy,
  SessionHead,
  SessionStore,
  StoredSnapshot,
  Subscription,
} from './session-store.js';
export { FencedError } from './session-store.js';
