import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { startApiDouble, type ApiDouble, type ApiExchange, type RecordedApiRequest } from './_api-double.js';

/** Token counts a scripted stream reports, as the Messages API names them. */
export interface ScriptedUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

/**
 * One scripted answer of the double. Each request takes the next answer from the script; when the
 * script is empty it answers with `fallback` (a short successful stream by default).
 */
export type ScriptedResponse =
  | {
      kind: 'stream';
      /** Text chunks sent as `text_delta` events, in order. */
      chunks: string[];
      /** Pause before each chunk, in milliseconds (default 0). */
      delayMs?: number;
      usage?: Partial<ScriptedUsage>;
      /** After this many chunks, send an `error` event of this type and end the stream. */
      errorAfter?: { chunks: number; type: 'overloaded_error' | 'api_error' | 'rate_limit_error'; message?: string };
      /** After this many chunks, stop sending and keep the connection open (a stalled stream). */
      stallAfter?: number;
      stopReason?: 'end_turn' | 'max_tokens' | 'stop_sequence';
    }
  | {
      kind: 'error';
      status: number;
      type?: string;
      message?: string;
      /** Sent as the `retry-after` header, in seconds. */
      retryAfterSeconds?: number;
    };

/** A request the double received (its `requestId` is the `request-id` header it answered with). */
export type RecordedRequest = RecordedApiRequest;

/** A running double of the Messages API. */
export type MessagesApiDouble = ApiDouble<ScriptedResponse, RecordedRequest>;

const errorTypeByStatus: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('base64url')}`;

function sendError(response: ServerResponse, requestId: string, status: number, type: string, message: string, retryAfter?: number) {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'request-id': requestId };
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  // x-should-retry mirrors the real API; the provider under test decides for itself anyway.
  headers['x-should-retry'] = status === 429 || status >= 500 ? 'true' : 'false';
  response.writeHead(status, headers);
  response.end(JSON.stringify({ type: 'error', error: { type, message }, request_id: requestId }));
}

/**
 * Starts a local HTTP server (port 0) that speaks the Anthropic Messages API's streaming format:
 * `POST /v1/messages` with `stream: true` answers `text/event-stream` with `message_start`,
 * `content_block_start`, `ping`, `content_block_delta` (`text_delta`), `content_block_stop`,
 * `message_delta` (stop reason and usage), `message_stop`, or `error` events, and HTTP errors with
 * the API's JSON error body, `request-id` and `retry-after` headers. Answers are scripted per test.
 * Test support only: it is not exported from the package index.
 */
export async function startMessagesApiDouble(options: { fallback?: ScriptedResponse } = {}): Promise<MessagesApiDouble> {
  const fallback: ScriptedResponse = options.fallback ?? { kind: 'stream', chunks: ['Hello', ' from', ' the double.'] };
  return startApiDouble<ScriptedResponse>(
    {
      path: '/v1/messages',
      baseURL: (port) => `http://127.0.0.1:${port}`,
      requestId: () => id('req'),
      fail: (response, requestId, status, message) => sendError(response, requestId, status, errorTypeByStatus[status] ?? 'api_error', message),
      answer: answerMessages,
    },
    fallback,
  );
}

/** Answers one request as the Messages API does. */
async function answerMessages(exchange: ApiExchange<ScriptedResponse>): Promise<void> {
  const { request, response, requestId, body, nextAnswer, wait } = exchange;
  if (!request.headers['x-api-key'] && !request.headers.authorization) {
    sendError(response, requestId, 401, 'authentication_error', 'x-api-key header is required');
    return;
  }
  if (!request.headers['anthropic-version']) {
    sendError(response, requestId, 400, 'invalid_request_error', 'anthropic-version header is required');
    return;
  }
  for (const field of ['model', 'max_tokens', 'messages'] as const) {
    if (body[field] === undefined) {
      sendError(response, requestId, 400, 'invalid_request_error', `${field}: Field required`);
      return;
    }
  }
  if (body.stream !== true) {
    sendError(response, requestId, 400, 'invalid_request_error', 'this double only answers streaming requests');
    return;
  }

  const answer = nextAnswer();
  if (answer.kind === 'error') {
    const type = answer.type ?? errorTypeByStatus[answer.status] ?? 'api_error';
    sendError(response, requestId, answer.status, type, answer.message ?? type, answer.retryAfterSeconds);
    return;
  }

  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'request-id': requestId,
  });
  const send = (event: string, data: unknown) => {
    if (!response.destroyed) response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const usage: ScriptedUsage = {
    input_tokens: answer.usage?.input_tokens ?? 25,
    output_tokens: answer.usage?.output_tokens ?? answer.chunks.length,
    cache_creation_input_tokens: answer.usage?.cache_creation_input_tokens ?? 0,
    cache_read_input_tokens: answer.usage?.cache_read_input_tokens ?? 0,
  };
  send('message_start', {
    type: 'message_start',
    message: {
      id: id('msg'),
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: usage.input_tokens,
        cache_creation_input_tokens: usage.cache_creation_input_tokens,
        cache_read_input_tokens: usage.cache_read_input_tokens,
        output_tokens: 1,
      },
    },
  });
  send('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
  send('ping', { type: 'ping' });
  for (let index = 0; index < answer.chunks.length; index++) {
    if (answer.errorAfter && index === answer.errorAfter.chunks) break;
    if (answer.stallAfter !== undefined && index === answer.stallAfter) return; // keep the connection open
    if (answer.delayMs) await wait(answer.delayMs);
    if (response.destroyed) return;
    send('content_block_delta', {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: answer.chunks[index] },
    });
  }
  if (answer.stallAfter !== undefined && answer.stallAfter >= answer.chunks.length) return;
  if (answer.errorAfter) {
    const message = answer.errorAfter.message ?? (answer.errorAfter.type === 'overloaded_error' ? 'Overloaded' : 'Internal server error');
    send('error', { type: 'error', error: { type: answer.errorAfter.type, message } });
    response.end();
    return;
  }
  send('content_block_stop', { type: 'content_block_stop', index: 0 });
  send('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: answer.stopReason ?? 'end_turn', stop_sequence: null },
    usage: { output_tokens: usage.output_tokens },
  });
  send('message_stop', { type: 'message_stop' });
  response.end();
}
