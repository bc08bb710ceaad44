import {
  applyRecords,
  createSessionState,
  type Actor,
  type CampaignBriefInput,
  type SessionEvent,
  type SessionEventInput,
  type SessionRecord,
  type SessionState,
  SessionEventSchema,
  CampaignBriefSchema,
} from '@marketing-team/core';
import type { SessionStore } from '../../stores/session-store.js';
import { RUN_CONTROL_TYPES, type RunContext, type RunControl } from '../run-launcher.js';

/** A `RunContext` over a real `SessionStore`, plus the controls a test (or a bench) needs. */
export interface StoreRunHarness {
  context: RunContext;
  /** Appends an input event (steer, cancel, review) to the log, as a client would; returns its offset. */
  submit(event: SessionEventInput): Promise<number>;
  /** Cancels the whole run as the session layer does: aborts the signal and appends `run.cancelled`. */
  cancelRun(by?: Actor): Promise<void>;
  /** Every record of the session, oldest first. */
  records(): Promise<SessionRecord[]>;
  /** The session state reduced from every record. */
  state(): Promise<SessionState>;
  /** Resolves with the first record matching `predicate`, now or later. */
  waitFor(predicate: (record: SessionRecord) => boolean): Promise<SessionRecord>;
  close(): void;
}


/**
 * Stores a `brief.submitted` in `store` and builds the `RunContext` the session hub would hand
 * a launcher: appends go straight into the store; control events of the run that reach the log
 * are delivered to `onControl` in log order. Test and bench support: not exported from the package.
 */
export async function createStoreRunHarness(options: {
  store: SessionStore;
  session: string;
  runId: string;
  brief: CampaignBriefInput;
  by?: Actor;
  /** Wraps every append, e.g. to time it. */
  onAppend?: (events: SessionEvent[], durationMs: number) => void;
}): Promise<StoreRunHarness> {
  const { store, session, runId } = options;
  const by: Actor = options.by ?? { kind: 'human', id: 'tester' };
  const brief = CampaignBriefSchema.parse(options.brief);
  const { records: briefRecords } = await store.append(session, [{ type: 'brief.submitted', runId, brief, by }]);
  const briefOffset = briefRecords[0]!.offset;
  const controller = new AbortController();
  const listeners = new Set<(control: RunControl) => void>();
  const watchers = new Set<{ predicate: (record: SessionRecord) => boolean; resolve: (record: SessionRecord) => void }>();
  const seen: SessionRecord[] = [];
  // Live before the run starts, as the session hub's channel is: controls then reach the run as they are stored.
  let becameLive!: () => void;
  const live = new Promise<void>((resolve) => (becameLive = resolve));
  const subscription = store.subscribe(session, 0, (batch) => {
    for (const record of batch) {
      seen.push(record);
      const event = record.event;
      if (RUN_CONTROL_TYPES.has(event.type) && 'runId' in event && event.runId === runId) {
        for (const listener of listeners) listener({ event, offset: record.offset } as RunControl);
      }
      for (const watcher of [...watchers]) {
        if (watcher.predicate(record)) {
          watchers.delete(watcher);
          watcher.resolve(record);
        }
      }
    }
  }, { onLive: () => becameLive() });
  await live;

  const context: RunContext = {
    session,
    runId,
    brief,
    submittedBy: by,
    briefOffset,
    signal: controller.signal,
    append: async (events) => {
      const started = performance.now();
      const result = await store.append(session, events);
      options.onAppend?.(events, performance.now() - started);
      return result.records;
    },
    onControl: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  const records = () => store.read(session, 0);
  return {
    context,
    submit: async (event) => {
      const parsed = SessionEventSchema.parse(event);
      const result = await store.append(session, [parsed]);
      return result.records[0]!.offset;
    },
    cancelRun: async (cancelledBy = by) => {
      controller.abort(new Error('run cancelled'));
      await store.append(session, [{ type: 'run.cancelled', runId, by: cancelledBy }]);
    },
    records,
    state: async () => applyRecords(createSessionState(), await records()),
    waitFor: (predicate) => {
      const found = seen.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => watchers.add({ predicate, resolve }));
    },
    close: () => subscription.close(),
  };
}
