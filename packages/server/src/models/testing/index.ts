export { startMessagesApiDouble } from './messages-api-double.js';
export type { MessagesApiDouble, RecordedRequest, ScriptedResponse, ScriptedUsage } from './messages-api-double.js';
