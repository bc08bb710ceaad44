export { startMessagesApiDouble } from './messages-api-double.js';
export type { MessagesApiDouble, RecordedRequest, ScriptedResponse, ScriptedUsage } from './messages-api-double.js';
export { startChatCompletionsDouble } from './chat-completions-double.js';
export type { ChatCompletionsDouble, RecordedChatRequest, ScriptedChatResponse, ScriptedChatUsage } from './chat-completions-double.js';
