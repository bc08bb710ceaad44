// Reads a zip in the browser (the run export): its entries, stored or deflated, as bytes.

const u16 = (view: DataView, at: number) => view.getUint16(at, true);
const u32 = (view: DataView, at: number) => view.getUint32(at, true);

async function inflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The entries of a zip, by name, in the order of its central directory. */
export async function readZip(buffer: ArrayBuffer): Promise<Map<string, Uint8Array>> {
  const view = new DataView(buffer);
  let end = buffer.byteLength - 22;
  while (end >= 0 && u32(view, end) !== 0x06054b50) end -= 1;
  if (end < 0) throw new Error('not a zip: no end of central directory');
  const count = u16(view, end + 10);
  let at = u32(view, end + 16);
  const entries = new Map<string, Uint8Array>();
  for (let index = 0; index < count; index++) {
    if (u32(view, at) !== 0x02014b50) throw new Error('bad central directory entry');
    const method = u16(view, at + 10);
    const size = u32(view, at + 20);
    const nameLength = u16(view, at + 28);
    const local = u32(view, at + 42);
    const name = new TextDecoder().decode(new Uint8Array(buffer, at + 46, nameLength));
    const dataAt = local + 30 + u16(view, local + 26) + u16(view, local + 28);
    const data = new Uint8Array(buffer, dataAt, size);
    entries.set(name, method === 8 ? await inflate(data) : data.slice());
    at += 46 + nameLength + u16(view, at + 30) + u16(view, at + 32);
  }
  return entries;
}
