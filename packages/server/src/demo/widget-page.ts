/**
 * The demo's page when the widget bundle is available: the real `<marketing-team>` element,
 * loaded with one module script tag. The session id lives in the URL hash, so the same URL opened
 * in another tab or on a phone joins the same session.
 */
export function renderWidgetPage(nonce: string): string {
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
</style>
<script nonce="${nonce}" type="module" src="/marketing-team.js"></script>
</head>
<body>
<header><h1>marketing-team</h1><small id="session"></small><a id="share" href="#">Open this session in a new tab</a></header>
<main><marketing-team id="team"></marketing-team></main>
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
team.setAttribute('session', session);
</script>
</body>
</html>`;
}
