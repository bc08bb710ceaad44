import type { SessionRecord } from '@marketing-team/core';
import type { AblyOutboundMessage } from './ably-client-types.js';
import { AblyMessageName, type AblyRecordPartData, type AblyRecordsData } from './ably-wire.js';
import { jsonBytes, splitByJsonBytes } from './_message-size.js';

/** One Ably message to publish and the last offset it completes (so progress is known once it is accepted). */
export interface PlannedMessage {
  message: AblyOutboundMessage;
  lastOffset: number;
  records: number;
}

/**
 * Packs consecutive records into as few Ably messages as fit under `maxBytes` each; a record that
 * alone exceeds the limit is sliced into `record-part` messages. Message ids derive from the epoch
 * and offsets, so a retried publish is deduplicated by Ably's idempotent publishing
 * (https://ably.com/docs/messages: a client-supplied message `id` is the idempotency key).
 */
export function planRecordMessages(
  session: string,
  epoch: string,
  records: readonly SessionRecord[],
  maxBytes: number,
): PlannedMessage[] {
  const planned: PlannedMessage[] = [];
  const envelope = jsonBytes({ session, epoch, batch: [] } satisfies AblyRecordsData);
  let batch: SessionRecord[] = [];
  let size = envelope;

  const flush = (): void => {
    const first = batch[0];
    const last = batch[batch.length - 1];
    if (!first || !last) return;
    const data: AblyRecordsData = { session, epoch, batch };
    planned.push({
      message: { id: `mt.${epoch}.${first.offset}.${last.offset}`, name: AblyMessageName.records, data },
      lastOffset: last.offset,
      records: batch.length,
    });
    batch = [];
    size = envelope;
  };

  for (const record of records) {
    const bytes = jsonBytes(record) + 1; // and a comma
    if (envelope + bytes > maxBytes) {
      flush();
      planned.push(...planRecordParts(session, epoch, record, maxBytes));
      continue;
    }
    if (size + bytes > maxBytes) flush();
    batch.push(record);
    size += bytes;
  }
  flush();
  return planned;
}

function planRecordParts(session: string, epoch: string, record: SessionRecord, maxBytes: number): PlannedMessage[] {
  const overhead = jsonBytes({
    session,
    epoch,
    offset: record.offset,
    index: 1024,
    count: 1024,
    chunk: '',
  } satisfies AblyRecordPartData);
  const slices = splitByJsonBytes(JSON.stringify(record), maxBytes - overhead);
  return slices.map((chunk, index) => {
    const data: AblyRecordPartData = { session, epoch, offset: record.offset, index, count: slices.length, chunk };
    return {
      message: { id: `mt.${epoch}.${record.offset}.p${index}`, name: AblyMessageName.recordPart, data },
      lastOffset: index === slices.length - 1 ? record.offset : record.offset - 1,
      records: index === slices.length - 1 ? 1 : 0,
    };
  });
}
