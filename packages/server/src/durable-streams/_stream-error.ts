/** A protocol failure with the HTTP status and headers the Durable Streams spec gives it. */
export class StreamHttpError extends Error {
  override readonly name = 'StreamHttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}
