import { MemoryWorkspaceStore } from './memory-workspace-store.js';
import { describeWorkspaceStoreConformance } from './workspace-store-conformance.js';

describeWorkspaceStoreConformance('MemoryWorkspaceStore', () => {
  const store = new MemoryWorkspaceStore();
  return { store, operations: () => store.metrics.operations };
});
