import type { WidgetStrings } from '../strings.js';
import type { PartStringKey } from './_part-strings.js';

/** The default strings of what the element itself shows on its first paint. */
export const shellStrings: Omit<WidgetStrings, PartStringKey> = {
  title: 'Marketing team',
  dismiss: 'Dismiss',
  briefHeading: 'Campaign brief',
  goalLabel: 'Campaign goal',
  audienceLabel: 'Audience',
  productLabel: 'Product or offer',
  submitBrief: 'Start the team',
  briefRefused: (field) =>
    field ? `The brief could not be started: please check ${field} (too long or not filled in).` : 'The brief could not be started: please check its fields.',
  briefNotAllowed: 'Your access does not allow starting a run.',
  lanesHeading: 'Agents',
  waitingFor: (tasks) => `Starts after ${tasks}`,
  delivered: (title) => `✓ Delivered: ${title}`,
  continueRun: 'Continue',
  noRun: 'No run yet. Submit a brief to start.',
  progressLabel: 'Run progress',
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
  newDeliverables: (count) => `${count} new · show`,
  boardHeading: 'Task board',
  approve: 'Approve',
  requestChanges: 'Request changes',
  connection: { connecting: 'Connecting', live: 'Live', reconnecting: 'Reconnecting', unreachable: "Can't reach the server", offline: 'Offline' },
  reconnectingAttempt: (attempt) => `Reconnecting (attempt ${attempt})`,
  unreachableSince: (since) =>
    `Can't reach the server since ${since.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })} · retrying`,
  resumed: () => 'Back online',
  queued: (count) => `${count} ${count === 1 ? 'message' : 'messages'} queued`,
  messageCompleted: (agent, task) => `${agent} finished ${task}.`,
  deliverableReady: (title) => `Deliverable ready: ${title}.`,
  runEnded: (status) => `Run ${status.toLowerCase()}.`,
  agentNames: {},
  channels: { x: 'X', linkedin: 'LinkedIn', instagram: 'Instagram', facebook: 'Facebook', tiktok: 'TikTok', threads: 'Threads' },
};

/**
 * The element's own strings: replacements over {@link shellStrings}. The keys of its parts are
 * left as the host gave them (or absent); each part fills in their defaults when it loads, so the
 * first paint does not carry them. Typed as whole `WidgetStrings` because every part completes it.
 */
export function resolveShellStrings(overrides: Partial<WidgetStrings> | undefined): WidgetStrings {
  return {
    ...shellStrings,
    ...overrides,
    runStatus: { ...shellStrings.runStatus, ...overrides?.runStatus },
    connection: { ...shellStrings.connection, ...overrides?.connection },
    agentNames: { ...shellStrings.agentNames, ...overrides?.agentNames },
    channels: { ...shellStrings.channels, ...overrides?.channels },
  } as WidgetStrings;
}
