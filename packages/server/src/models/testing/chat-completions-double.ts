import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { startApiDouble, type ApiDouble, type ApiExchange, type RecordedApiRequest } from './_api-double.js';

/** Token counts a scripted stream reports in its usage chunk, as Chat Completions names them. */
export interface ScriptedChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  /** Part of `prompt_tokens` read from the provider's prompt cache (`prompt_tokens_details.cached_tokens`). */
  cached_tokens?: number;
}

/**
 * One scripted answer of the double. Each request takes the next answer from the script; when the
 * script is empty it answers with `fallback` (a short successful stream by default).
 */
export type ScriptedChatResponse =
  | {
      kind: 'stream';
      /** Text chunks sent as `delta.content`, in order. */
      chunks: string[];
      /** Pause before each chunk, in milliseconds (default 0). */
      delayMs?: number;
      /** Sent in a final chunk with empty `choices`, only when the request asked for it (`stream_options.include_usage`). */
      usage?: Partial<ScriptedChatUsage>;
      /** After this many chunks, send an `{"error": …}` data line and end the stream (how OpenAI, vLLM and Ollama fail mid-stream). */
      errorAfter?: { chunks: number; type?: string; code?: string | null; message?: string };
      /** After this many chunks, stop sending and keep the connection open (a stalled stream). */
      stallAfter?: number;
      finishReason?: 'stop' | 'length' | 'content_filter';
    }
  | {
      kind: 'error';
      status: number;
      /** `error.type` of the body; defaults by status, as the OpenAI API sends it. */
      type?: string;
      /** `error.code` of the body (`context_length_exceeded`, `insufficient_quota`, …); defaults by status. */
      code?: string | null;
      message?: string;
      /** Sent as the `retry-after` header, in seconds. */
      retryAfterSeconds?: number;
      /** Sent as the `retry-after-ms` header. */
      retryAfterMs?: number;
    };

/** A request the double received (its `requestId` is the `x-request-id` header it answered with). */
export type RecordedChatRequest = RecordedApiRequest;

/** A running double of the Chat Completions API; its `baseURL` includes `/v1`. */
export type ChatCompletionsDouble = ApiDouble<ScriptedChatResponse, RecordedChatRequest>;

/** Bodies the OpenAI API sends for each status, so that a test scripts only what differs. */
const errorDefaults: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: 'Invalid request.' },
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory', message: 'Country, region, or territory not supported.' },
  404: { type: 'invalid_request_error', code: 'model_not_found', message: 'The model does not exist or you do not have access to it.' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests. Please try again later.' },
  500: { type: 'server_error', code: null, message: 'The server had an error while processing your request. Sorry about that!' },
  503: { type: 'server_error', code: null, message: 'The engine is currently overloaded, please try again later.' },
};

const contextLengthMessage =
  "This model's maximum context length is 8192 tokens. However, your messages resulted in 9300 tokens. Please reduce the length of the messages.";

const id = (prefix: string) => `${prefix}${randomBytes(12).toString('hex')}`;

function sendError(
  response: ServerResponse,
  requestId: string,
  status: number,
  error: { type: string; code: string | null; message: string; param?: string | null },
  retryAfter: { seconds?: number; ms?: number } = {},
) {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': requestId };
  if (retryAfter.seconds !== undefined) headers['retry-after'] = String(retryAfter.seconds);
  if (retryAfter.ms !== undefined) headers['retry-after-ms'] = String(retryAfter.ms);
  response.writeHead(status, headers);
  response.end(JSON.stringify({ error: { message: error.message, type: error.type, param: error.param ?? null, code: error.code } }));
}

/**
 * Starts a local HTTP server (port 0) that speaks the OpenAI Chat Completions streaming format,
 * which OpenAI, gateways, Ollama, vLLM and LM Studio share: `POST /v1/chat/completions` with
 * `stream: true` answers `text/event-stream` with `data: {chat.completion.chunk}` lines (a role
 * chunk, one `delta.content` chunk per scripted text, a `finish_reason` chunk, a usage chunk with
 * empty `choices` when `stream_options.include_usage` is set) and `data: [DONE]`; failures are the
 * API's JSON error bodies with `x-request-id`, `retry-after` and `retry-after-ms` headers, or an
 * `{"error": …}` data line mid-stream. With `apiKey` set, any other bearer token gets a 401.
 * Answers are scripted per test. Test support only: it is not exported from the package index.
 */
export async function startChatCompletionsDouble(
  options: { fallback?: ScriptedChatResponse; apiKey?: string } = {},
): Promise<ChatCompletionsDouble> {
  const fallback: ScriptedChatResponse = options.fallback ?? { kind: 'stream', chunks: ['Hello', ' from', ' the double.'] };
  return startApiDouble<ScriptedChatResponse>(
    {
      path: '/v1/chat/completions',
      baseURL: (port) => `http://127.0.0.1:${port}/v1`,
      requestId: () => id('req_'),
      fail: (response, requestId, status, message) =>
        sendError(response, requestId, status, { type: status >= 500 ? 'server_error' : 'invalid_request_error', code: null, message }),
      answer: (exchange) => answerChat(exchange, options.apiKey),
    },
    fallback,
  );
}

/** Answers one request as Chat Completions does. */
async function answerChat(exchange: ApiExchange<ScriptedChatResponse>, apiKey: string | undefined): Promise<void> {
  const { request, response, requestId, body, nextAnswer, wait } = exchange;
  const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
  if (!bearer || (apiKey !== undefined && bearer !== apiKey)) {
    sendError(response, requestId, 401, errorDefaults[401]!);
    return;
  }
  for (const field of ['model', 'messages'] as const) {
    if (body[field] === undefined) {
      sendError(response, requestId, 400, { type: 'invalid_request_error', code: 'missing_required_parameter', message: `Missing required parameter: '${field}'.`, param: field });
      return;
    }
  }
  if (body.stream !== true) {
    sendError(response, requestId, 400, { type: 'invalid_request_error', code: null, message: 'this double only answers streaming requests' });
    return;
  }

  const answer = nextAnswer();
  if (answer.kind === 'error') {
    const defaults = errorDefaults[answer.status] ?? (answer.status >= 500 ? errorDefaults[500]! : errorDefaults[400]!);
    const code = answer.code === undefined ? defaults.code : answer.code;
    const message = answer.message ?? (code === 'context_length_exceeded' ? contextLengthMessage : code === 'insufficient_quota' ? 'You exceeded your current quota.' : defaults.message);
    sendError(
      response,
      requestId,
      answer.status,
      { type: answer.type ?? (code === 'insufficient_quota' ? 'insufficient_quota' : defaults.type), code, message, param: code === 'context_length_exceeded' ? 'messages' : null },
      { ...(answer.retryAfterSeconds === undefined ? {} : { seconds: answer.retryAfterSeconds }), ...(answer.retryAfterMs === undefined ? {} : { ms: answer.retryAfterMs }) },
    );
    return;
  }

  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-request-id': requestId,
  });
  const completionId = id('chatcmpl-');
  const created = Math.floor(Date.now() / 1000);
  const send = (data: unknown) => {
    if (!response.destroyed) response.write(`data: ${JSON.stringify(data)}\n\n`);
  };
  const chunk = (choices: unknown[], usage: unknown = null) => ({
    id: completionId,
    object: 'chat.completion.chunk',
    created,
    model: body.model,
    system_fingerprint: 'fp_double',
    choices,
    usage,
  });
  send(chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]));
  for (let index = 0; index < answer.chunks.length; index++) {
    if (answer.errorAfter && index === answer.errorAfter.chunks) break;
    if (answer.stallAfter !== undefined && index === answer.stallAfter) return; // keep the connection open
    if (answer.delayMs) await wait(answer.delayMs);
    if (response.destroyed) return;
    send(chunk([{ index: 0, delta: { content: answer.chunks[index] }, logprobs: null, finish_reason: null }]));
  }
  if (answer.stallAfter !== undefined && answer.stallAfter >= answer.chunks.length) return;
  if (answer.errorAfter) {
    send({
      error: {
        message: answer.errorAfter.message ?? 'The server had an error while processing your request.',
        type: answer.errorAfter.type ?? 'server_error',
        param: null,
        code: answer.errorAfter.code ?? null,
      },
    });
    response.end();
    return;
  }
  send(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: answer.finishReason ?? 'stop' }]));
  const streamOptions = body.stream_options as { include_usage?: unknown } | null | undefined;
  if (streamOptions?.include_usage === true) {
    const promptTokens = answer.usage?.prompt_tokens ?? 25;
    const completionTokens = answer.usage?.completion_tokens ?? answer.chunks.length;
    send(
      chunk([], {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
        prompt_tokens_details: { cached_tokens: answer.usage?.cached_tokens ?? 0, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      }),
    );
  }
  if (!response.destroyed) response.write('data: [DONE]\n\n');
  response.end();
}
