/**
 * The fleet page at `/ui`: one static HTML document with its script inline, no framework and
 * no build step. It reads the admin API every 2 s and renders nodes (load, accelerators),
 * queues and models; cordon / uncordon / drain buttons call the same API the CLI uses.
 * When the gateway has an admin key, the page asks for it once and keeps it for the tab.
 */
export const FLEET_PAGE = /* html */ `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchyard fleet</title>
<style>
  :root { color-scheme: light dark; --ok: #2e7d32; --warn: #b26a00; --bad: #c62828; --dim: #888; }
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; }
  h1 { font-size: 1.3rem; margin: 0 0 .2rem; }
  h2 { font-size: 1.05rem; margin: 1.6rem 0 .4rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #8884; white-space: nowrap; }
  th { font-weight: 600; font-size: .85rem; color: var(--dim); }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .state-ready { color: var(--ok); font-weight: 600; }
  .state-cordoned, .state-draining { color: var(--warn); font-weight: 600; }
  .state-warming, .state-joining { color: var(--dim); }
  .bar { display: inline-block; width: 70px; height: .6rem; background: #8883; vertical-align: middle; margin-right: .4rem; }
  .bar > i { display: block; height: 100%; background: var(--ok); }
  .dim { color: var(--dim); }
  #status { font-size: .85rem; color: var(--dim); }
  #status.error { color: var(--bad); }
  button { font-size: .8rem; }
</style>
</head>
<body>
<h1>Switchyard fleet</h1>
<div id="status">loading…</div>
<h2>Nodes</h2>
<table id="nodes"><thead><tr>
  <th>node</th><th>state</th><th>engine</th><th>models</th><th>slots used</th><th>waiting</th>
  <th>KV</th><th>tok/s</th><th>TTFT p50</th><th>accelerators</th><th>heartbeat</th><th></th>
</tr></thead><tbody></tbody></table>
<h2>Queues</h2>
<table id="queues"><thead><tr>
  <th>model</th><th>shared queue</th><th>by priority class</th><th>oldest wait</th><th>waiting on nodes</th>
</tr></thead><tbody></tbody></table>
<h2>Models</h2>
<table id="models"><thead><tr>
  <th>model</th><th>ready nodes</th><th>served by</th><th>slots</th><th>capacity tok/s</th>
  <th>generating tok/s</th><th>utilisation</th><th>running</th><th>waiting</th>
</tr></thead><tbody></tbody></table>
<script>
'use strict';
const REFRESH_MS = 2000;
const esc = (v) => String(v).replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
const num = (v, digits = 0) => (v === null || v === undefined ? '–' : Number(v).toFixed(digits));
const pct = (v) => (v === null || v === undefined ? '–' : Math.round(v * 100) + '%');
const ms = (v) => (v === null || v === undefined ? '–' : v < 1000 ? Math.round(v) + ' ms' : (v / 1000).toFixed(1) + ' s');
const bar = (used, total) =>
  '<span class="bar"><i style="width:' + (total ? Math.round((100 * used) / total) : 0) + '%"></i></span>' + used + '/' + total;

function headers() {
  const key = sessionStorage.getItem('switchyard-admin-key');
  return key ? { authorization: 'Bearer ' + key } : {};
}

async function api(path, init = {}) {
  const res = await fetch('/admin/v1/' + path, { ...init, headers: { ...headers(), ...(init.headers || {}) } });
  if (res.status === 401) {
    const key = prompt('Admin key for this gateway');
    if (key) sessionStorage.setItem('switchyard-admin-key', key);
    throw new Error('the admin API needs the admin key');
  }
  const body = await res.json();
  if (!res.ok) throw new Error(body && body.error ? body.error.message : 'HTTP ' + res.status);
  return body;
}

function accelerators(devices) {
  if (!devices.length) return '<span class="dim">none</span>';
  const names = {};
  for (const d of devices) names[d.kind + ' ' + d.name] = (names[d.kind + ' ' + d.name] || 0) + 1;
  const util = devices.map((d) => d.utilization).filter((u) => u !== null);
  const temps = devices.map((d) => d.temperatureCelsius).filter((t) => t !== null);
  const label = Object.entries(names).map(([n, c]) => c + '× ' + n).join(', ');
  const avg = util.length ? ' · ' + Math.round((100 * util.reduce((a, b) => a + b, 0)) / util.length) + '% util' : '';
  const hot = temps.length ? ' · ' + Math.max(...temps) + ' °C' : '';
  const sick = devices.some((d) => d.health === 'warning' || d.health === 'critical') ? ' · <b>unhealthy</b>' : '';
  return esc(label) + avg + hot + sick;
}

function action(node) {
  const cmd = node.state === 'cordoned' || node.state === 'draining' ? 'uncordon' : node.state === 'ready' ? 'cordon' : '';
  return cmd ? '<button data-node="' + esc(node.id) + '" data-command="' + cmd + '">' + cmd + '</button>' : '';
}

function renderNodes(nodes) {
  document.querySelector('#nodes tbody').innerHTML = nodes.length
    ? nodes.map((n) =>
        '<tr data-node="' + esc(n.id) + '" data-state="' + esc(n.state) + '">' +
        '<td>' + esc(n.id) + '</td>' +
        '<td class="state state-' + esc(n.state) + '" title="' + esc(n.stateReason || '') + '">' + esc(n.state) + '</td>' +
        '<td>' + esc(n.engine) + '</td>' +
        '<td>' + esc(n.models.join(', ')) + '</td>' +
        '<td>' + bar(n.slots.used, n.slots.total) + '</td>' +
        '<td class="num">' + n.waiting + '</td>' +
        '<td class="num">' + pct(n.kvCacheUsage) + '</td>' +
        '<td class="num">' + num(n.generationTokensPerSecond, 1) + '</td>' +
        '<td class="num" title="mean ' + ms(n.ttftMs) + '">' + ms(n.ttftP50Ms) + '</td>' +
        '<td>' + accelerators(n.accelerators) + '</td>' +
        '<td class="num">' + ms(n.heartbeatAgeMs) + '</td>' +
        '<td>' + action(n) + '</td></tr>').join('')
    : '<tr><td colspan="12" class="dim">no nodes registered</td></tr>';
}

function renderQueues(queues) {
  document.querySelector('#queues tbody').innerHTML = queues.length
    ? queues.map((q) =>
        '<tr data-model="' + esc(q.model) + '"><td>' + esc(q.model) + '</td>' +
        '<td class="num">' + q.shared + '</td>' +
        '<td>' + (Object.entries(q.byPriorityClass).sort((a, b) => b[0] - a[0]).map(([c, n]) => 'class ' + esc(c) + ': ' + n).join(', ') || '<span class="dim">–</span>') + '</td>' +
        '<td class="num">' + ms(q.oldestWaitMs) + '</td>' +
        '<td class="num">' + q.onNodes + '</td></tr>').join('')
    : '<tr><td colspan="5" class="dim">no models</td></tr>';
}

function renderModels(models) {
  document.querySelector('#models tbody').innerHTML = models.length
    ? models.map((m) =>
        '<tr data-model="' + esc(m.model) + '"><td>' + esc(m.model) + '</td>' +
        '<td class="num">' + m.readyNodes + '</td>' +
        '<td>' + esc(m.servedBy.map((s) => s.node + (s.state === 'ready' ? '' : ' (' + s.state + ')')).join(', ')) + '</td>' +
        '<td class="num">' + m.capacity.slots + '</td>' +
        '<td class="num">' + num(m.capacity.generationTokensPerSecond, 0) + '</td>' +
        '<td class="num">' + num(m.demand.generationTokensPerSecond, 1) + '</td>' +
        '<td class="num">' + pct(m.utilization) + '</td>' +
        '<td class="num">' + m.demand.running + '</td>' +
        '<td class="num">' + m.demand.waiting + '</td></tr>').join('')
    : '<tr><td colspan="9" class="dim">no models</td></tr>';
}

async function refresh() {
  const status = document.getElementById('status');
  try {
    const [nodes, queues, models] = await Promise.all([api('nodes'), api('queues'), api('models')]);
    renderNodes(nodes.nodes);
    renderQueues(queues.queues);
    renderModels(models.models);
    const ready = nodes.nodes.filter((n) => n.state === 'ready').length;
    status.className = '';
    status.textContent = ready + ' of ' + nodes.nodes.length + ' nodes ready · updated ' + new Date().toLocaleTimeString();
  } catch (err) {
    status.className = 'error';
    status.textContent = 'cannot read the fleet: ' + err.message;
  }
}

document.addEventListener('click', async (event) => {
  const button = event.target.closest('button[data-command]');
  if (!button) return;
  button.disabled = true;
  try {
    await api('nodes/' + encodeURIComponent(button.dataset.node) + '/' + button.dataset.command, { method: 'POST' });
  } catch (err) {
    alert(err.message);
  }
  await refresh();
});

refresh();
setInterval(refresh, REFRESH_MS);
</script>
</body>
</html>
`;
