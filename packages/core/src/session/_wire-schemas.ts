// The frame and event schemas a client validates with: loaded in a chunk of their own (see
// `_wire.ts`), so a page's first load carries the client and not the protocol's definitions.
export { ClientFrameSchema, ServerFrameSchema } from '../protocol/frames.js';
export { parseClientEvent } from '../protocol/client-event.js';
export { parseEventsLeniently } from './_lenient-events.js';
