// WebSocket clients for the delivery benches, in a process of their own so that parsing on the
// client side never runs on the server's event loop. Every client parses every frame in full
// (durable and raw alike), counts records and, when records carry a send time in `event.text`
// (milliseconds since the epoch, sub-millisecond), keeps its delay.
//
// stdin: JSON { url, subscribes: (frame | null)[], expect, timed } — one client per entry; a frame is
// sent after `hello` (durable), null means a raw socket that sends nothing. When every client has
// `expect` records it prints one JSON line { frames, records, batchSizes, delays } and exits;
// before that, { ready } once every client is connected (and subscribed).
import WebSocket from 'ws';

// On stdin, not argv: a thousand tokens are more than a command line holds.
let input = '';
for await (const chunk of process.stdin) input += chunk;
const { url, subscribes, expect, timed } = JSON.parse(input);
const now = () => performance.timeOrigin + performance.now();
const delays = [];
/** Records per `events` frame, as the first client saw them (what a same-batch baseline sends). */
const batchSizes = [];
let frames = 0;
let records = 0;
let complete = 0;

function report() {
  process.stdout.write(`${JSON.stringify({ frames, records, batchSizes, delays })}\n`, () => process.exit(0));
}

const sockets = await Promise.all(
  subscribes.map(async (subscribe, index) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    let count = 0;
    const ready = subscribe === null
      ? Promise.resolve()
      : new Promise((resolve) => {
          socket.on('message', function wait(data) {
            if (JSON.parse(data.toString()).type === 'subscribed') {
              socket.off('message', wait);
              resolve();
            }
          });
        });
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.type !== 'events') return;
      frames += 1;
      if (index === 0) batchSizes.push(frame.batch.length);
      const at = timed ? now() : 0;
      for (const record of frame.batch) {
        count += 1;
        records += 1;
        if (timed) delays.push(at - Number(record.event.text));
      }
      if (count === expect) {
        complete += 1;
        if (complete === subscribes.length) report();
      }
    });
    if (subscribe !== null) {
      socket.send(JSON.stringify({ type: 'hello', protocol: 1, clientId: `bench-${index}` }));
      socket.send(JSON.stringify(subscribe));
    }
    await ready;
    return socket;
  }),
);
process.stdout.write(`${JSON.stringify({ ready: sockets.length })}\n`);
