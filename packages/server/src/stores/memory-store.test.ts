import { describeSessionStoreConformance } from './store-conformance.js';
import { MemoryStore } from './memory-store.js';

describeSessionStoreConformance('MemoryStore', () => ({ store: new MemoryStore() }));
