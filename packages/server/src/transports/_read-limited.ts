import { ProtocolError } from '@marketing-team/core';

/** Reads a body's bytes up to `limit`; throws `frame_too_large` beyond it. */
export async function readLimitedBytes(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > limit) throw new ProtocolError('frame_too_large', `body: limited to ${limit} bytes`);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new ProtocolError('frame_too_large', `body: limited to ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** Reads a body up to `limit` bytes as UTF-8 text; throws `frame_too_large` beyond it. */
export async function readLimited(request: Request, limit: number): Promise<string> {
  return Buffer.from(await readLimitedBytes(request, limit)).toString('utf8');
}
