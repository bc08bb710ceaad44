/**
 * The demo's page: subscribes to one session over WebSocket, shows its events live, submits a
 * brief and stops a run. It stands in for the widget; model output is shown as text only.
 */
export function renderDemoPage(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>marketing-team demo</title>
<style nonce="${nonce}">
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1d1d1f; background: #f6f6f8; }
  header { padding: 12px 20px; background: #1d1d1f; color: #fff; display: flex; gap: 16px; align-items: baseline; }
  header h1 { font-size: 17px; margin: 0; }
  #status { font-size: 13px; opacity: .8; }
  main { display: grid; grid-template-columns: minmax(280px, 1fr) 2fr; gap: 16px; padding: 16px 20px; }
  section { background: #fff; border-radius: 8px; padding: 12px 14px; box-shadow: 0 1px 2px #0001; }
  textarea { width: 100%; box-sizing: border-box; min-height: 90px; font: inherit; }
  button { font: inherit; padding: 6px 14px; margin: 8px 8px 0 0; }
  #messages article { border-top: 1px solid #eee; padding: 8px 0; white-space: pre-wrap; }
  #messages h3 { margin: 0 0 4px; font-size: 13px; color: #555; }
  #log { font: 12px/1.4 ui-monospace, monospace; max-height: 50vh; overflow: auto; white-space: pre; }
</style>
</head>
<body>
<header><h1>marketing-team</h1><span id="status" role="status" aria-live="polite">connecting…</span><span id="session"></span></header>
<main>
  <section>
    <label for="goal"><strong>Campaign brief</strong></label>
    <textarea id="goal">Launch our spring collection to young professionals</textarea>
    <div><button id="submit">Submit brief</button><button id="stop" disabled>Stop</button></div>
    <p id="run"></p>
    <h2>Events</h2>
    <div id="log" aria-label="Session events"></div>
  </section>
  <section><h2>Agents at work</h2><div id="messages" aria-live="polite"></div></section>
</main>
<script nonce="${nonce}" type="module">
const $ = (id) => document.getElementById(id);
const session = location.hash.slice(1) || localStorage.getItem('mt-demo-session') || 'demo-' + crypto.randomUUID().slice(0, 8);
localStorage.setItem('mt-demo-session', session);
history.replaceState(null, '', '#' + session);
$('session').textContent = 'session ' + session;
const clientId = 'tab-' + crypto.randomUUID().slice(0, 8);
let offset = 0, epoch, socket, token, attempt = 0, currentRun;
const messages = new Map();
let viewers = [];
const viewerKey = (viewer) => viewer.userId + '\\n' + viewer.clientId;

function showViewers(keys) {
  viewers = keys;
  $('status').textContent = 'live · ' + viewers.length + ' watching';
}

async function getToken() {
  const response = await fetch('/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ session }) });
  if (!response.ok) throw new Error('token refused');
  return (await response.json()).token;
}

function logLine(text) {
  const log = $('log');
  log.append(text + '\\n');
  while (log.childNodes.length > 400) log.firstChild.remove();
  log.scrollTop = log.scrollHeight;
}

function messageView(event) {
  let view = messages.get(event.messageId);
  if (!view) {
    const article = document.createElement('article');
    const title = document.createElement('h3');
    title.textContent = event.agent + ' · ' + event.taskId;
    const body = document.createElement('div');
    article.append(title, body);
    $('messages').append(article);
    view = { body };
    messages.set(event.messageId, view);
  }
  return view;
}

function apply(record) {
  if (record.offset !== offset + 1) return;
  offset = record.offset;
  const event = record.event;
  if (event.type !== 'text.delta') logLine(record.offset + ' ' + event.type + (event.runId ? ' ' + event.runId : ''));
  if (event.type === 'brief.submitted') currentRun = event.runId;
  if (event.type === 'message.started') messageView(event);
  if (event.type === 'text.delta') messageView(event).body.textContent += event.text;
  if (event.type === 'message.completed') messageView(event).body.textContent = event.text;
  if (event.type === 'run.started' || event.type === 'brief.submitted') $('stop').disabled = false;
  if (/^run\\.(completed|cancelled|failed|interrupted)$/.test(event.type)) $('stop').disabled = true;
  $('run').textContent = currentRun ? 'run ' + currentRun : '';
}

function applySnapshot(frame) {
  offset = frame.offset;
  $('messages').replaceChildren();
  messages.clear();
  for (const message of frame.state.messageBuckets.flatMap((bucket) => Object.values(bucket))) messageView({ messageId: message.id, agent: message.agent, taskId: message.taskId }).body.textContent = message.text;
  const runs = frame.state.runOrder;
  currentRun = runs[runs.length - 1];
  const run = currentRun && frame.state.runs[currentRun];
  $('stop').disabled = !run || !['planned', 'running'].includes(run.status);
  logLine('snapshot at ' + frame.offset);
}

async function connect() {
  try {
    token = token || (await getToken());
  } catch {
    return retry();
  }
  socket = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
  socket.onopen = () => socket.send(JSON.stringify({ type: 'hello', protocol: 1, clientId }));
  socket.onmessage = (message) => {
    const frame = JSON.parse(message.data);
    if (frame.type === 'welcome') {
      socket.send(JSON.stringify({ type: 'subscribe', session, token, ...(epoch ? { from: offset, epoch } : {}) }));
    } else if (frame.type === 'subscribed') {
      epoch = frame.epoch;
      attempt = 0;
      $('status').textContent = 'live';
    } else if (frame.type === 'snapshot') applySnapshot(frame);
    else if (frame.type === 'events') frame.batch.forEach(apply);
    else if (frame.type === 'presence') showViewers(frame.viewers.map(viewerKey));
    else if (frame.type === 'presence.changed') {
      // Only joins and leaves arrive after the first list.
      const gone = new Set(frame.left.concat(frame.joined).map(viewerKey));
      showViewers(viewers.filter((key) => !gone.has(key)).concat(frame.joined.map(viewerKey)));
    }
    else if (frame.type === 'error') {
      logLine('error ' + frame.code + ': ' + frame.message);
      if (frame.code === 'unauthorized') token = undefined;
    }
  };
  socket.onclose = () => retry();
}

function retry() {
  $('status').textContent = 'reconnecting…';
  attempt += 1;
  setTimeout(connect, Math.min(5000, 250 * 2 ** attempt));
}

function send(frame) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
}

$('submit').onclick = () => {
  const goal = $('goal').value.trim();
  if (!goal) return;
  const runId = 'run-' + crypto.randomUUID().slice(0, 8);
  send({ type: 'publish', session, clientMsgId: 'brief-' + runId, event: { type: 'brief.submitted', runId, brief: { goal } } });
};
$('stop').onclick = () => {
  if (currentRun) send({ type: 'cancel', session, clientMsgId: 'cancel-' + crypto.randomUUID().slice(0, 8), runId: currentRun });
};
setInterval(() => send({ type: 'ping' }), 15000);
connect();
</script>
</body>
</html>`;
}
