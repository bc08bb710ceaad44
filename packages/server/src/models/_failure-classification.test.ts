import { describe, expect, it } from 'vitest';
import { classifyFailure, type FailureFacts } from './_failure-classification.js';

// Failures worded the way OpenAI, vLLM, llama.cpp and Anthropic word them, and a few edge cases.
describe('classifyFailure', () => {
  it.each<[string, FailureFacts, ReturnType<typeof classifyFailure>]>([
    ['OpenAI context length', { status: 400, type: 'invalid_request_error', code: 'context_length_exceeded', message: 'x' }, { code: 'model_error', reason: 'context_too_long', retryable: false }],
    [
      'vLLM context length',
      { status: 400, type: 'BadRequestError', code: 400, message: "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens. Please reduce the length of the messages or completion." },
      { code: 'model_error', reason: 'context_too_long', retryable: false },
    ],
    ['llama.cpp context size', { status: 400, type: 'exceed_context_size_error', message: 'the request exceeds the available context size, try increasing it' }, { code: 'model_error', reason: 'context_too_long', retryable: false }],
    ['Anthropic prompt too long', { status: 400, type: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' }, { code: 'model_error', reason: 'context_too_long', retryable: false }],
    ['a spent quota', { status: 429, type: 'insufficient_quota', code: 'insufficient_quota' }, { code: 'rate_limited', reason: 'quota_exceeded', retryable: false }],
    ['a rate limit', { status: 429, type: 'requests', code: 'rate_limit_exceeded' }, { code: 'rate_limited', reason: 'rate_limited', retryable: true }],
    ['an Anthropic overload', { status: 529, type: 'overloaded_error' }, { code: 'overloaded', reason: 'overloaded', retryable: true }],
    ['a 503', { status: 503 }, { code: 'overloaded', reason: 'overloaded', retryable: true }],
    ['a 500 that mentions the context', { status: 500, message: 'worker failed while allocating the context window' }, { code: 'model_error', reason: 'server_error', retryable: true }],
    ['a wrong key', { status: 401, code: 'invalid_api_key' }, { code: 'model_error', reason: 'authentication', retryable: false }],
    ['a refused region', { status: 403 }, { code: 'model_error', reason: 'permission', retryable: false }],
    ['an unknown model', { status: 404, code: 'model_not_found' }, { code: 'model_error', reason: 'not_found', retryable: false }],
    ['a request timeout', { status: 408 }, { code: 'timeout', reason: 'timeout', retryable: true }],
    ['a bad parameter', { status: 422, message: 'temperature: must be <= 2' }, { code: 'model_error', reason: 'invalid_request', retryable: false }],
    ['a mid-stream server error', { type: 'server_error', message: 'boom' }, { code: 'model_error', reason: 'server_error', retryable: true }],
    ['a mid-stream error with the status as its code (vLLM)', { type: 'BadRequestError', code: 400, message: 'bad' }, { code: 'model_error', reason: 'invalid_request', retryable: false }],
    ['a mid-stream rate limit', { type: 'rate_limit_error' }, { code: 'rate_limited', reason: 'rate_limited', retryable: true }],
  ])('%s', (_name, facts, expected) => {
    expect(classifyFailure(facts)).toEqual(expected);
  });
});
