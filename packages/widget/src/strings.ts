import type { DeliverableKind, SocialChannel, TaskStatus } from '@marketing-team/core';
import type { ConnectionStatus } from './types.js';
import { partStrings } from './internal/_part-strings.js';
import { shellStrings } from './internal/_shell-strings.js';

/**
 * Every piece of text the widget shows. Replace any of them through the `strings` property
 * (a partial object is merged over the defaults).
 */
export interface WidgetStrings {
  title: string;
  dismiss: string;
  briefHeading: string;
  goalLabel: string;
  goalPlaceholder: string;
  audienceLabel: string;
  productLabel: string;
  channelsLabel: string;
  deliverablesLabel: string;
  deliverablesHint: string;
  submitBrief: string;
  submitHint: string;
  goalRequired: string;
  /** A field's count once it nears its limit. */
  fieldCount: (count: number, limit: number) => string;
  /** A field over its limit, in words the person can act on. */
  fieldTooLong: (field: string, count: number, limit: number) => string;
  /** A brief the server refused as invalid, with the field it named when it did. */
  briefRefused: (field: string | undefined) => string;
  briefNotAllowed: string;
  lanesHeading: string;
  idle: string;
  waiting: string;
  /** What a waiting agent waits for: the titles of the tasks its next one depends on, joined. */
  waitingFor: (tasks: string) => string;
  /** Shown in a lane while the agent writes the structured part of its deliverable. */
  puttingTogether: string;
  /** Accessible name of the scrolling text of a lane. */
  laneTextLabel: (agent: string) => string;
  /** Shown in a lane once its task became a deliverable. */
  delivered: (title: string) => string;
  offlineModel: string;
  stop: string;
  stopAgent: (agent: string) => string;
  stopRun: string;
  steerLabel: string;
  steerPlaceholder: string;
  steerSend: string;
  controlNotAllowed: string;
  /** Accessible name of the list of steering instructions. */
  steersLabel: string;
  steerSending: string;
  /** The server stored the instruction; no agent has used it yet. */
  steerReceived: string;
  /** Which agents applied the instruction (names joined). */
  steerApplied: (agents: string) => string;
  /** The badge on an output that reflects a steering instruction. */
  steeredBadge: string;
  steeredTitle: (instruction: string) => string;
  /** Why a run ended badly, in plain words, from its error (`code` and the server's `message`). */
  runEndedReason: (error: { code: string; message: string } | undefined, status: 'failed' | 'interrupted') => string;
  continueRun: string;
  continueRunHint: string;
  startAgain: string;
  noRun: string;
  progressLabel: string;
  progress: (done: number, total: number) => string;
  elapsed: (seconds: number) => string;
  runStatus: Record<'planned' | 'running' | 'completed' | 'cancelled' | 'failed' | 'interrupted', string>;
  deliverablesHeading: string;
  /** The label of a run in the session, counted from the first. */
  runLabel: (number: number) => string;
  noDeliverables: string;
  /** Accessible name of the row of buttons that bring each deliverable of a run into view. */
  jumpLabel: string;
  /** The chip offering deliverables that arrived since the person last looked. */
  newDeliverables: (count: number) => string;
  /** The badge on such a deliverable. */
  newBadge: string;
  characterCount: (count: number, limit: number) => string;
  overLimit: string;
  /** Above a table wider than a phone's screen. */
  scrollSideways: string;
  landingPreviewTitle: (headline: string) => string;
  copyMarkdown: string;
  copyHtml: string;
  copied: string;
  openPreview: string;
  previewPhone: string;
  previewDesktop: string;
  closePreview: string;
  bannerAlt: (title: string) => string;
  /** Accessible name of the required disclaimers under a deliverable. */
  disclaimersLabel: string;
  /** Shown where the landing page preview appears once the sanitizer has loaded. */
  landingPreviewLoading: string;
  /** Shown in a card for the moment its renderer loads. */
  preparing: string;
  kpiName: string;
  kpiMetric: string;
  kpiTarget: string;
  kpiChannel: string;
  kpiCadence: string;
  measurementTools: string;
  boardHeading: string;
  taskStatus: Record<TaskStatus, string>;
  assignedTo: (name: string) => string;
  unassigned: string;
  approve: string;
  requestChanges: string;
  changesPlaceholder: string;
  /** Legend of the brief form's choice of deliverables that wait for an approval. */
  reviewGatesLabel: string;
  reviewGatesHint: string;
  /** Edit, save and cancel of a deliverable's inline editor. */
  edit: string;
  save: string;
  saving: string;
  cancelEdit: string;
  /** Labels of the editor's fields (`title`, `markdown`, and the data fields by name). */
  editFields: Record<string, string>;
  /** Who made the current version of an edited deliverable. */
  editedBy: (name: string, version: number) => string;
  /** An edit the server refused because someone changed the deliverable first. */
  editConflict: string;
  /** On a card waiting at its review gate. */
  awaitingReview: string;
  reviewCommentLabel: string;
  reviewComments: string;
  download: string;
  downloadBanner: string;
  downloadPackage: string;
  sendChanges: string;
  reviewNotAllowed: string;
  connection: Record<ConnectionStatus, string>;
  reconnectingAttempt: (attempt: number) => string;
  /** Shown while the server has not answered several attempts; `since` is when the connection was lost. */
  unreachableSince: (since: Date) => string;
  /** Shown for a few seconds once a reconnect has caught up (`caughtUp`: how many updates it brought). */
  resumed: (caughtUp: number) => string;
  queued: (count: number) => string;
  messageCompleted: (agent: string, task: string) => string;
  deliverableReady: (title: string) => string;
  runEnded: (status: string) => string;
  agentNames: Record<string, string>;
  deliverableKinds: Record<DeliverableKind, string>;
  channels: Record<SocialChannel, string>;
}

/** The default (English) strings. */
/**
 * The default strings: those the element's first paint shows, and those of its parts (loaded with
 * them, see `_part-strings.ts`). The element resolves only the former itself; each part completes
 * the strings it is given with {@link resolveStrings}.
 */
export const defaultStrings: WidgetStrings = /* @__PURE__ */ Object.assign({}, shellStrings, partStrings);

/** Merges replacement strings over the defaults (one level deep for the grouped ones). */
export function resolveStrings(overrides: Partial<WidgetStrings> | undefined): WidgetStrings {
  if (!overrides) return defaultStrings;
  return {
    ...defaultStrings,
    ...overrides,
    runStatus: { ...defaultStrings.runStatus, ...overrides.runStatus },
    taskStatus: { ...defaultStrings.taskStatus, ...overrides.taskStatus },
    connection: { ...defaultStrings.connection, ...overrides.connection },
    agentNames: { ...defaultStrings.agentNames, ...overrides.agentNames },
    deliverableKinds: { ...defaultStrings.deliverableKinds, ...overrides.deliverableKinds },
    channels: { ...defaultStrings.channels, ...overrides.channels },
    editFields: { ...defaultStrings.editFields, ...overrides.editFields },
  };
}

/** The display name of an agent: a replacement string, or its slug in words. */
export function agentDisplayName(strings: WidgetStrings, agent: string): string {
  const named = strings.agentNames[agent];
  if (named) return named;
  const words = agent.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
