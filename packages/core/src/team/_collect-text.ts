import type { ModelProvider, ModelRequest } from './model-provider.js';

/** Streams a request and returns the concatenated text; rejects when `signal` aborts. */
export async function collectText(provider: ModelProvider, request: ModelRequest, signal: AbortSignal): Promise<string> {
  let text = '';
  for await (const event of provider.stream(request, signal)) {
    signal.throwIfAborted();
    if (event.type === 'text') text += event.text;
  }
  signal.throwIfAborted();
  return text;
}
