/**
 * The demo's page when the widget bundle is available: the real `<marketing-team>` element,
 * loaded with one module script tag. The session id lives in the URL hash, so the same URL opened
 * in another tab or on a phone joins the same session. With `workspace` (and the studio's file
 * served at `/marketing-team-studio.js`) it also holds `<marketing-team-studio>` for that
 * workspace, and opens on it while the workspace has no brand of its own.
 */
export function renderWidgetPage(nonce: string, options: { workspace?: string } = {}): string {
  const workspace = options.workspace;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>marketing-team demo</title>
<style nonce="${nonce}">
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0; background: Canvas; color: CanvasText; color-scheme: light dark; }
  header { padding: 10px 16px; display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: baseline; border-bottom: 1px solid color-mix(in srgb, CanvasText 15%, transparent); }
  header h1 { font-size: 17px; margin: 0; }
  header a, header small { font-size: 13px; }
  main { max-width: 1280px; margin: 0 auto; padding: 12px; }
  nav.views { display: flex; gap: 4px; margin-left: auto; }
  nav.views button { font: inherit; font-size: 13px; padding: 4px 10px; border-radius: 6px; border: 1px solid color-mix(in srgb, CanvasText 25%, transparent); background: transparent; color: inherit; cursor: pointer; }
  nav.views button[aria-pressed='true'] { background: CanvasText; color: Canvas; }
</style>
<script nonce="${nonce}" type="module" src="/marketing-team.js"></script>${workspace === undefined ? '' : `
<script nonce="${nonce}" type="module" src="/marketing-team-studio.js"></script>`}
</head>
<body>
<header><h1>marketing-team</h1><small id="session"></small><a id="share" href="#">Open this session in a new tab</a>${
    workspace === undefined
      ? ''
      : `<nav class="views" aria-label="View"><button id="show-studio" aria-pressed="false">Team studio</button><button id="show-team" aria-pressed="true">Run a brief</button></nav>`
  }</header>
<main>${workspace === undefined ? '' : `<marketing-team-studio id="studio" hidden></marketing-team-studio>`}<marketing-team id="team"></marketing-team></main>
<script nonce="${nonce}" type="module">
const session = location.hash.slice(1) || localStorage.getItem('mt-demo-session') || 'demo-' + crypto.randomUUID().slice(0, 8);
localStorage.setItem('mt-demo-session', session);
history.replaceState(null, '', '#' + session);
document.getElementById('session').textContent = 'session ' + session;
const share = document.getElementById('share');
share.href = location.href;
share.target = '_blank';
const team = document.getElementById('team');
// The demo's backend mints tokens (POST /tokens); a real host does this in its own backend.
team.getToken = async (id) => {
  const response = await fetch('/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ session: id }) });
  if (!response.ok) throw new Error('token refused');
  return (await response.json()).token;
};
team.setAttribute('endpoint', location.origin);
team.setAttribute('session', session);${
    workspace === undefined
      ? ''
      : `
const studio = document.getElementById('studio');
const workspace = ${JSON.stringify(workspace)};
// The demo's backend hands out an admin token for its own workspace; a real host decides who may edit.
const adminToken = async () => {
  const response = await fetch('/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ workspace }) });
  if (!response.ok) throw new Error('token refused');
  return (await response.json()).token;
};
const show = (view) => {
  studio.hidden = view !== 'studio';
  team.hidden = view !== 'team';
  document.getElementById('show-studio').setAttribute('aria-pressed', String(view === 'studio'));
  document.getElementById('show-team').setAttribute('aria-pressed', String(view === 'team'));
};
// Once the person has picked a view, the opening choice below (which waits for the server) keeps out of the way.
let chosen = false;
const choose = (view) => {
  chosen = true;
  show(view);
};
document.getElementById('show-studio').addEventListener('click', () => choose('studio'));
document.getElementById('show-team').addEventListener('click', () => choose('team'));
studio.addEventListener('mt-try-brief', () => choose('team'));
studio.getToken = adminToken;
studio.setAttribute('endpoint', location.origin);
studio.setAttribute('workspace', workspace);
// Open on the studio while the workspace has no brand of its own (runs would use the sample one),
// unless the session already has a run: its link opened on a phone, or a reload mid-run, is
// there to follow that run. The workspace and the session may answer in either order.
let hasRun = false;
team.addEventListener('mt-session-loaded', (event) => {
  hasRun = event.detail.state.runOrder.length > 0;
  if (hasRun && !chosen) show('team');
});
try {
  const response = await fetch('/workspaces/' + workspace, { headers: { authorization: 'Bearer ' + (await adminToken()) } });
  const saved = response.ok ? await response.json() : undefined;
  if (!chosen) show(hasRun || (saved && saved.document.brand) ? 'team' : 'studio');
} catch {
  if (!chosen) show('team');
}`
  }
</script>
</body>
</html>`;
}
