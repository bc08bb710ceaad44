/**
 * The request as the `authorize` hook of `createDurableStreamsHandler` sees it: no body, headers
 * by name. The Web handler passes its own `Request` (which has all of this); `handler.node` passes
 * a light view of Node's `IncomingMessage`, so an append is decided without building a Web
 * `Request` for it.
 */
export interface DurableStreamsRequest {
  readonly method: string;
  /** The full URL, as a string (`new URL(request.url)` to take it apart). */
  readonly url: string;
  /** Header names are case-insensitive; a repeated header comes back as its values joined by `, `. */
  readonly headers: {
    get(name: string): string | null;
    has(name: string): boolean;
  };
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
}
