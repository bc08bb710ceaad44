export { createAblySessionSocket, AblySessionSocket } from './ably-session-socket.js';
export type { AblyClientFactory, AblySessionSocketOptions } from './ably-session-socket.js';
export { fetchAblyRecovery } from './ably-recovery.js';
export type { AblyRecover, AblyRecoveryRequest, FetchAblyRecoveryOptions } from './ably-recovery.js';
export { ablyAuthCallback } from './ably-auth-callback.js';
export type { AblyAuthCallbackOptions } from './ably-auth-callback.js';
export { postAblyTelemetry } from './ably-telemetry.js';
export type { AblyTelemetryReport, AblyTelemetrySender, PostAblyTelemetryOptions } from './ably-telemetry.js';
