import type { WidgetStrings } from '../strings.js';

/** The keys of `WidgetStrings` only the element's lazily loaded parts show. */
export type PartStringKey =
  | 'goalPlaceholder'
  | 'channelsLabel'
  | 'deliverablesLabel'
  | 'deliverablesHint'
  | 'submitHint'
  | 'goalRequired'
  | 'fieldCount'
  | 'fieldTooLong'
  | 'idle'
  | 'waiting'
  | 'puttingTogether'
  | 'laneTextLabel'
  | 'offlineModel'
  | 'stop'
  | 'stopAgent'
  | 'stopRun'
  | 'steerLabel'
  | 'steerPlaceholder'
  | 'steerSend'
  | 'controlNotAllowed'
  | 'steersLabel'
  | 'steerSending'
  | 'steerReceived'
  | 'steerApplied'
  | 'steeredBadge'
  | 'steeredTitle'
  | 'runEndedReason'
  | 'continueRunHint'
  | 'startAgain'
  | 'progress'
  | 'elapsed'
  | 'jumpLabel'
  | 'newBadge'
  | 'characterCount'
  | 'overLimit'
  | 'scrollSideways'
  | 'landingPreviewTitle'
  | 'copyMarkdown'
  | 'copyHtml'
  | 'copied'
  | 'openPreview'
  | 'previewPhone'
  | 'previewDesktop'
  | 'closePreview'
  | 'bannerAlt'
  | 'disclaimersLabel'
  | 'landingPreviewLoading'
  | 'preparing'
  | 'kpiName'
  | 'kpiMetric'
  | 'kpiTarget'
  | 'kpiChannel'
  | 'kpiCadence'
  | 'measurementTools'
  | 'taskStatus'
  | 'assignedTo'
  | 'unassigned'
  | 'changesPlaceholder'
  | 'reviewGatesLabel'
  | 'reviewGatesHint'
  | 'edit'
  | 'save'
  | 'saving'
  | 'cancelEdit'
  | 'editFields'
  | 'editedBy'
  | 'editConflict'
  | 'awaitingReview'
  | 'reviewCommentLabel'
  | 'reviewComments'
  | 'download'
  | 'downloadBanner'
  | 'downloadPackage'
  | 'sendChanges'
  | 'reviewNotAllowed'
  | 'deliverableKinds';

/**
 * The default strings of the element's parts (brief form, lanes, run controls, deliverable cards,
 * board). They ride in the parts' chunks, not in the element's first paint: the element passes
 * its parts the strings it resolved for itself, and each part completes them (`completeStrings`).
 */
export const partStrings: Pick<WidgetStrings, PartStringKey> = {
  goalPlaceholder: 'What should this campaign achieve?',
  channelsLabel: 'Channels',
  deliverablesLabel: 'Deliverables wanted',
  deliverablesHint: 'None selected means the full package.',
  submitHint: 'Ctrl+Enter submits from the goal field; Enter submits from the other fields.',
  goalRequired: 'Campaign goal: please describe what the campaign should achieve.',
  fieldCount: (count, limit) => `${count.toLocaleString('en')} / ${limit.toLocaleString('en')} characters`,
  fieldTooLong: (field, count, limit) =>
    `${field} is ${count.toLocaleString('en')} characters; please keep it to ${limit.toLocaleString('en')} (${(count - limit).toLocaleString('en')} too many). Nothing was cut.`,
  idle: 'Idle',
  waiting: 'Waiting for work',
  laneTextLabel: (agent) => `What ${agent} wrote`,
  puttingTogether: 'Putting the deliverable together…',
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
  continueRunHint: 'Finished work is kept: continue runs only what is left.',
  startAgain: 'Start again',
  progress: (done, total) => `${done} of ${total} tasks done`,
  elapsed: (seconds) => `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')} elapsed`,
  jumpLabel: 'Go to a deliverable',
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
  changesPlaceholder: 'What should change?',
  reviewGatesLabel: 'Wait for my approval on',
  reviewGatesHint: 'The team builds on these only once you approve them.',
  edit: 'Edit',
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
  editConflict: 'Someone changed this while you were editing. Your text is still here: copy it, cancel, and edit the new version.',
  awaitingReview: 'Waiting for your approval',
  reviewCommentLabel: 'Comment (needed to request changes)',
  reviewComments: 'Review comments',
  download: 'Download',
  downloadBanner: 'Banner (.svg)',
  downloadPackage: 'Download package (.zip)',
  sendChanges: 'Send',
  reviewNotAllowed: 'Reviewing needs the control permission.',
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
};
