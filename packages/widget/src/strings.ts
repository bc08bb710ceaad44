import type { DeliverableKind, RunState, SocialChannel, TaskStatus } from '@marketing-team/core';
import type { ConnectionStatus } from './types.js';
import { hasGaps } from './internal/_run-gaps.js';

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
  /** A run that completed with tasks that did not finish (stopped, failed, or waiting on those). */
  runGaps: (undone: { cancelled: number; failed: number; blocked: number }) => string;
  /** The status of such a run, instead of `runStatus.completed`. */
  runPartlyDone: string;
  /** Opens an earlier campaign's folded package. */
  showPackage: (count: number) => string;
  hidePackage: string;
  /** The session could not be opened or followed (the host's backend refused a token, say). */
  sessionRefused: (reason: string) => string;
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
  /** Accessible name of the strip of tabs, one per kind of deliverable in a run's package. */
  kindTabsLabel: string;
  /** What a kind's tab counts (posts, ads or concepts, else deliverables), read by screen readers. */
  kindTabCount: (count: number) => string;
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
  /** Writing one deliverable again with an instruction, in a new run that keeps everything else. */
  regenerate: string;
  regenerateLabel: string;
  regeneratePlaceholder: string;
  regenerateSubmit: string;
  regenerateHint: string;
  save: string;
  saving: string;
  cancelEdit: string;
  /** Labels of the editor's fields (`title`, `markdown`, and the data fields by name). */
  editFields: Record<string, string>;
  /** Who made the current version of an edited deliverable. */
  editedBy: (name: string, version: number) => string;
  /** The first version is a person's own (they took the task over and marked it done). */
  writtenBy: (name: string) => string;
  /** An edit the server refused because someone changed the deliverable first. */
  editConflict: string;
  /** The button that asks for A/B variants of a social post or ad deliverable. */
  variants: string;
  variantsCountLabel: string;
  variantsInstructionLabel: string;
  variantsPlaceholder: string;
  variantsSubmit: string;
  variantsHint: string;
  variantsHeading: string;
  /** Variants a run is still writing. */
  variantsWriting: (count: number) => string;
  variantLabel: (letter: string) => string;
  /** Beside the letter of the variant in use. */
  variantInUse: string;
  /** Under the variant in use. */
  variantInUseLong: string;
  useVariant: (letter: string) => string;
  variantChosenBy: (name: string, letter: string, version: number) => string;
  variantConflict: string;
  /** On a card waiting at its review gate. */
  awaitingReview: string;
  /** On the device the person is using: how many deliverables wait for their review. */
  reviewAlert: (count: number) => string;
  /** On their other devices: the same, said quietly, naming the device in use. */
  reviewAlertElsewhere: (count: number, device: string) => string;
  /** The device in use, when it has not said its name. */
  answeredOnUnknownDevice: string;
  /** The button that brings the first deliverable waiting for review into view. */
  reviewNow: string;
  /** On a card decided on another device: where, and how. */
  answeredOn: (device: string, decision: 'approved' | 'changes_requested') => string;
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
  /** A lane or card whose model call has made no progress (no output) for a while: not thinking, stuck. */
  stalledFor: (seconds: number) => string;
  /** A paused run; `unwatched` when it paused because nobody was watching the session. */
  runPaused: (unwatched: boolean) => string;
  /** Taking a task over from its agent, on the task board. */
  takeOver: string;
  takenOverBy: (name: string) => string;
  handBack: string;
  markDone: string;
  doneBy: (name: string) => string;
  handedBackBy: (name: string) => string;
  takeoverTitle: string;
  takeoverText: string;
  takeoverHint: string;
  agentNames: Record<string, string>;
  deliverableKinds: Record<DeliverableKind, string>;
  channels: Record<SocialChannel, string>;
  /** Ad platforms as people write them (an unknown one shows as the agent wrote it). */
  platforms: Record<string, string>;
}

/** The default (English) strings. */
export const defaultStrings: WidgetStrings = {
  title: 'Marketing team',
  dismiss: 'Dismiss',
  briefHeading: 'Campaign brief',
  goalLabel: 'Campaign goal',
  goalPlaceholder: 'What should this campaign achieve?',
  audienceLabel: 'Audience',
  productLabel: 'Product or offer',
  channelsLabel: 'Channels',
  deliverablesLabel: 'Deliverables wanted',
  deliverablesHint: 'None selected means the full package.',
  submitBrief: 'Start the team',
  submitHint: 'Ctrl+Enter submits from the goal field; Enter submits from the other fields.',
  goalRequired: 'Campaign goal: please describe what the campaign should achieve.',
  fieldCount: (count, limit) => `${count.toLocaleString('en')} / ${limit.toLocaleString('en')} characters`,
  fieldTooLong: (field, count, limit) =>
    `${field} is ${count.toLocaleString('en')} characters; please keep it to ${limit.toLocaleString('en')} (${(count - limit).toLocaleString('en')} too many). Nothing was cut.`,
  briefRefused: (field) =>
    field ? `The brief could not be started: please check ${field} (too long or not filled in).` : 'The brief could not be started: please check its fields.',
  briefNotAllowed: 'Your access does not allow starting a run.',
  lanesHeading: 'Agents',
  idle: 'Idle',
  waiting: 'Waiting for work',
  waitingFor: (tasks) => `Starts after ${tasks}`,
  laneTextLabel: (agent) => `What ${agent} wrote`,
  puttingTogether: 'Putting the deliverable together…',
  delivered: (title) => `✓ Delivered: ${title}`,
  offlineModel: 'Offline model',
  stop: 'Stop',
  stopAgent: (agent) => `Stop ${agent}`,
  stopRun: 'Stop the run',
  steerLabel: 'Steer the team',
  steerPlaceholder: 'A short instruction, e.g. "more playful"',
  steerSend: 'Steer',
  steersLabel: 'Your instructions to the team',
  steerSending: 'Sending…',
  steerReceived: 'Received · the next agent to write will use it',
  steerApplied: (agents) => `Applied by ${agents}`,
  steeredBadge: 'Reflects your steer',
  steeredTitle: (instruction) => `Reflects your instruction “${instruction}”`,
  controlNotAllowed: 'Stopping and steering need the control permission, which this access does not have.',
  runEndedReason: (error, status) => {
    const reasons: Record<string, string> = {
      model_error: 'The AI model returned an error.',
      rate_limited: 'The AI model is busy right now (rate limited).',
      overloaded: 'The AI model is overloaded right now.',
      timeout: 'The AI model took too long to answer.',
      invalid_output: "The AI model's answer could not be used.",
      internal: 'Something went wrong on the server.',
    };
    if (status === 'interrupted') {
      const why = error?.message ?? '';
      if (/restart/i.test(why)) return 'The run stopped because the server restarted.';
      if (/shutting down/i.test(why)) return 'The run stopped because the server was shut down.';
      if (/lease|node/i.test(why)) return 'The run stopped because the server running it went away.';
      if (/reset/i.test(why)) return 'The run stopped because its session was reset.';
      return 'The run was interrupted before it finished.';
    }
    return reasons[error?.code ?? ''] ?? 'The run failed before it finished.';
  },
  runGaps: ({ cancelled, failed, blocked }) => {
    const parts = [
      cancelled ? `${cancelled} stopped` : '',
      failed ? `${failed} failed` : '',
      blocked ? `${blocked} ${blocked === 1 ? 'was' : 'were'} waiting on ${cancelled + failed === 1 ? 'it' : 'them'}` : '',
    ].filter(Boolean);
    const total = cancelled + failed + blocked;
    return `The campaign ended with ${total} ${total === 1 ? 'task' : 'tasks'} not done: ${parts.join(', ')}.`;
  },
  runPartlyDone: 'Partly done',
  showPackage: (count) => `Show its ${count} ${count === 1 ? 'deliverable' : 'deliverables'}`,
  hidePackage: 'Hide',
  sessionRefused: (reason) => `This session could not be opened: ${reason.replace(/^getToken failed: /, '')}. Nothing you send here reaches the team until it can.`,
  continueRun: 'Continue',
  continueRunHint: 'Finished work is kept: continue runs only what is left.',
  startAgain: 'Start again',
  noRun: 'No run yet. Submit a brief to start.',
  progressLabel: 'Run progress',
  progress: (done, total) => `${done} of ${total} tasks done`,
  elapsed: (seconds) => `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')} elapsed`,
  runStatus: {
    planned: 'Planned',
    running: 'Running',
    completed: 'Done',
    cancelled: 'Stopped',
    failed: 'Failed',
    interrupted: 'Interrupted',
  },
  deliverablesHeading: 'Deliverables',
  runLabel: (number) => `Campaign ${number}`,
  noDeliverables: 'Deliverables appear here as agents finish them.',
  kindTabsLabel: 'Deliverables by kind',
  kindTabCount: (count) => `(${count})`,
  newDeliverables: (count) => `${count} new · show`,
  newBadge: 'New',
  characterCount: (count, limit) => `${count} / ${limit} characters`,
  overLimit: 'over the limit',
  scrollSideways: 'Scroll sideways to see every column →',
  landingPreviewTitle: (headline) => `Landing page preview: ${headline}`,
  copyMarkdown: 'Copy',
  copyHtml: 'Copy HTML',
  copied: 'Copied ✓',
  openPreview: 'Full screen',
  previewPhone: 'Phone',
  previewDesktop: 'Desktop',
  closePreview: 'Close',
  bannerAlt: (title) => `Banner for ${title}`,
  disclaimersLabel: 'Required disclaimers',
  landingPreviewLoading: 'Preparing the preview…',
  preparing: 'Preparing…',
  kpiName: 'KPI',
  kpiMetric: 'Metric',
  kpiTarget: 'Target',
  kpiChannel: 'Channel',
  kpiCadence: 'Cadence',
  measurementTools: 'Tools',
  boardHeading: 'Task board',
  taskStatus: {
    todo: 'To do',
    in_progress: 'In progress',
    review: 'Review',
    done: 'Done',
    blocked: 'Blocked',
    failed: 'Failed',
    cancelled: 'Cancelled',
  },
  assignedTo: (name) => `Assigned to ${name}`,
  unassigned: 'Unassigned',
  approve: 'Approve',
  requestChanges: 'Request changes',
  changesPlaceholder: 'What should change?',
  reviewGatesLabel: 'Wait for my approval on',
  reviewGatesHint: 'The team builds on these only once you approve them.',
  edit: 'Edit',
  regenerate: 'Write again',
  regenerateLabel: 'What should change?',
  regeneratePlaceholder: 'e.g. Shorter, and name the price',
  regenerateSubmit: 'Write it again',
  regenerateHint: 'A new run writes only this deliverable again; everything else in the package is kept.',
  save: 'Save',
  saving: 'Saving…',
  cancelEdit: 'Cancel',
  editFields: {
    title: 'Title',
    markdown: 'Text',
    text: 'Post',
    headline: 'Headline',
    description: 'Description',
    callToAction: 'Call to action',
    html: 'Page HTML',
    name: 'Name',
    metric: 'Metric',
    target: 'Target',
  },
  editedBy: (name, version) => `Edited by ${name} · version ${version}`,
  writtenBy: (name) => `Written by ${name}`,
  editConflict: 'Someone changed this while you were editing. Your text is still here: copy it, cancel, and edit the new version.',
  variants: 'Variants',
  variantsCountLabel: 'How many variants?',
  variantsInstructionLabel: 'What should every variant do? (optional)',
  variantsPlaceholder: 'e.g. Mention the free trial',
  variantsSubmit: 'Write variants',
  variantsHint: 'A new run writes only the variants, each from a different angle; this version stays in use until you pick one.',
  variantsHeading: 'Variants',
  variantsWriting: (count) => `Writing ${count} ${count === 1 ? 'variant' : 'variants'}…`,
  variantLabel: (letter) => `Variant ${letter}`,
  variantInUse: 'in use',
  variantInUseLong: 'In use: this is the current version',
  useVariant: (letter) => `Use variant ${letter}`,
  variantChosenBy: (name, letter, version) => `Variant ${letter} chosen by ${name} · version ${version}`,
  variantConflict: 'Someone changed this deliverable meanwhile. Look at the new version, then choose again.',
  awaitingReview: 'Waiting for your approval',
  reviewAlert: (count) => (count === 1 ? 'A deliverable is waiting for your review' : `${count} deliverables are waiting for your review`),
  reviewAlertElsewhere: (count, device) => `${count === 1 ? 'A review is' : `${count} reviews are`} waiting on your ${device}`,
  reviewNow: 'Review now',
  answeredOnUnknownDevice: 'other device',
  answeredOn: (device, decision) => `${decision === 'approved' ? 'Approved' : 'Changes requested'} on ${device}`,
  reviewCommentLabel: 'Comment (needed to request changes)',
  reviewComments: 'Review comments',
  download: 'Download',
  downloadBanner: 'Banner (.svg)',
  downloadPackage: 'Download package (.zip)',
  sendChanges: 'Send',
  reviewNotAllowed: 'Reviewing needs the control permission.',
  connection: { connecting: 'Connecting', live: 'Live', reconnecting: 'Reconnecting', unreachable: "Can't reach the server", offline: 'Offline' },
  reconnectingAttempt: (attempt) => `Reconnecting (attempt ${attempt})`,
  unreachableSince: (since) =>
    `Can't reach the server since ${since.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })} · retrying`,
  resumed: () => 'Back online',
  queued: (count) => `${count} ${count === 1 ? 'message' : 'messages'} queued`,
  messageCompleted: (agent, task) => `${agent} finished ${task}.`,
  deliverableReady: (title) => `Deliverable ready: ${title}.`,
  runEnded: (status) => `Run ${status.toLowerCase()}.`,
  stalledFor: (seconds) => `No progress for ${seconds} s`,
  runPaused: (unwatched) => (unwatched ? 'Paused: nobody is watching; resumes when you return' : 'Paused'),
  takeOver: 'Take over',
  takenOverBy: (name) => `Taken over by ${name}`,
  handBack: 'Hand back to the agent',
  markDone: 'Mark done',
  doneBy: (name) => `Done by ${name}`,
  handedBackBy: (name) => `Handed back by ${name}`,
  takeoverTitle: 'Title',
  takeoverText: 'Your version',
  takeoverHint: 'The agent has stopped. Write it yourself and mark it done, or hand it back: the agent starts from your draft.',
  agentNames: {},
  deliverableKinds: {
    'research-brief': 'Research brief',
    'competitor-snapshot': 'Competitor snapshot',
    'campaign-strategy': 'Campaign strategy',
    'social-posts': 'Social posts',
    'ad-copy': 'Ad copy',
    'landing-page': 'Landing page',
    'creative-concepts': 'Creative concepts',
    'measurement-plan': 'Measurement plan',
  },
  channels: { x: 'X', linkedin: 'LinkedIn', instagram: 'Instagram', facebook: 'Facebook', tiktok: 'TikTok', threads: 'Threads' },
  platforms: { google: 'Google Ads', microsoft: 'Microsoft Ads', meta: 'Meta', linkedin: 'LinkedIn', x: 'X' },
};

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
    platforms: { ...defaultStrings.platforms, ...overrides.platforms },
  };
}

/** The display name of an agent: a replacement string, or its slug in words. */
export function agentDisplayName(strings: WidgetStrings, agent: string): string {
  const named = strings.agentNames[agent];
  if (named) return named;
  const words = agent.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A run's status in words: a completed run with tasks that did not finish is "partly done", not "done". */
export function runStatusLabel(strings: WidgetStrings, run: Pick<RunState, 'status' | 'taskOrder' | 'tasks'>): string {
  return hasGaps(run) ? strings.runPartlyDone : strings.runStatus[run.status];
}
