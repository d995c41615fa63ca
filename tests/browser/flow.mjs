// The UI end to end against a real system: first-run setup -> a network ->
// the Create Daemon wizard (its command's key enrols a real daemon) -> a
// discovery started from the UI -> each of the four views shows the hosts
// and links the API gives -> a host's evidence panel -> an edit that
// survives a rescan -> applications users make (members, dependencies,
// a rename; they survive the rescan) -> schedules (create, pause, run now: a
// session with what it changed) -> tags set in a view's side panel, filtering
// the inventory and a view on the server -> the inventory sorted, filtered
// and paged by the server, and its CSV, its interfaces and links tabs ->
// organisations and the switcher (where the server has them).
// Screenshots go to
// $ARTEFACTS; any console error fails the run.
//   G=... BIN=... T_DIR=... TARGETS=cidr,cidr EXPECT_HOSTS=n node flow.mjs
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ART, G, check, finish, launch, shot, unlabelled } from './lib.mjs';

const EMAIL = process.env.EMAIL || 'owner@ui-test.example';
const PASSWORD = process.env.PASSWORD || 'correct horse battery staple';
const TARGETS = process.env.TARGETS || '127.0.0.1/32';
const EXPECT_HOSTS = Number(process.env.EXPECT_HOSTS || 1);
const T_DIR = process.env.T_DIR || '/tmp';
const BIN = process.env.BIN;
const VIEWS = ['l2', 'l3', 'workloads', 'applications'];

const { browser, page, consoleErrors } = await launch();
page.setDefaultTimeout(20000);
const apiGet = (p) => page.evaluate(async (u) => (await fetch(u)).json(), p);

await check('a fresh installation sends the browser to sign in', async () => {
  await page.goto(G + '/');
  await page.waitForURL(/\/login/);
});
await check('first-run setup creates the organisation and owner, and signs in', async () => {
  await page.click('text=Set up this installation');
  await page.fill('#setup-org', 'UI Test');
  await page.fill('#setup-email', EMAIL);
  await page.fill('#setup-password', PASSWORD);
  await page.fill('#setup-confirm', PASSWORD);
  await page.click('form button[type=submit]');
  await page.waitForURL(/\/networks/);
});
await check('a network is created', async () => {
  await page.fill('#net-name', 'lab');
  await page.click('text=Create network');
  await page.waitForSelector('td:has-text("lab")');
  await page.waitForSelector('.netpick select');
});

let key = null;
await check('the Create Daemon wizard shows install commands with a daemon key', async () => {
  await page.click('nav#mainnav >> text=Daemons');
  await page.click('button:has-text("Create Daemon")');
  await page.fill('#wiz-name', 'scanner');
  await page.click('text=Create key and show install commands');
  const systemd = await page.textContent('#cmd-systemd');
  const compose = await page.textContent('#cmd-compose');
  const oneShot = await page.textContent('#cmd-oneshot');
  key = /SCANOPY_API_KEY=(scp_d_[A-Za-z0-9_-]+)/.exec(oneShot)[1];
  for (const [what, text] of [['systemd', systemd], ['compose', compose]]) {
    if (!text.includes(key)) throw new Error(`${what}: no key`);
    if (!text.includes(G)) throw new Error(`${what}: no server URL`);
    if (!text.includes('scanner')) throw new Error(`${what}: no name`);
  }
  if (!systemd.includes('systemctl enable --now scanopy-daemon')) throw new Error('no systemd step');
  if (!compose.includes('SCANOPY_MODE: daemon_poll')) throw new Error('compose: no mode');
  await shot(page, 'daemon-wizard');
});

await check("the wizard's key enrols a real daemon, shown as a card live (a daemon event, no reload)", async () => {
  if (!key || !BIN) throw new Error('no key or no BIN');
  const log = fs.openSync(path.join(T_DIR, 'scanopy-daemon.log'), 'a');
  const d = spawn(
    path.join(BIN, 'scanopy-daemon'),
    ['run', '--server-url', G, '--name', 'scanner', '--poll-interval', '1', '--state-dir', path.join(T_DIR, 'daemon'), '--control-socket', `ipc://${T_DIR}/daemon.ipc`,
     // the lab's Docker host, reached as through a socket proxy
     ...(process.env.DOCKER_PROXY ? ['--docker-proxy', process.env.DOCKER_PROXY] : [])],
    { env: { ...process.env, SCANOPY_API_KEY: key }, stdio: ['ignore', log, log], detached: true },
  );
  fs.writeFileSync(path.join(T_DIR, 'scanopy-daemon.pid'), String(d.pid)); // stopped by the harness
  d.unref();
  // No reload: the page holds the network's event stream, and the daemon's
  // registration (a "daemon" event) brings its card, online.
  await page.waitForSelector('.cards[data-live="true"]');
  await page.click('button:has-text("Done")');
  await page.waitForSelector('article.daemon h2:has-text("scanner")', { timeout: 30000 });
  await page.waitForSelector('article.daemon dd:has-text("online")');
  await page.waitForSelector('.cards:not([data-events="0"])', { timeout: 10000 });
  await shot(page, 'daemons');
});

// The lab's SNMP credentials, entered through the API as an administrator
// would (the UI has no credentials page yet), so that a unified discovery
// sees the switches' cables and the Docker host's containers.
const LAB_SNMP = (process.env.LAB_SNMP || '').split(';').filter(Boolean);
const LAB = LAB_SNMP.length > 0;
async function addSnmpCredentials() {
  const net = await page.evaluate(() => localStorage.getItem('scanopy.network'));
  for (const c of LAB_SNMP) {
    const status = await page.evaluate(
      async ([u, body]) =>
        (await fetch(u, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': localStorage.getItem('scanopy.csrf') || '' },
          body,
        })).status,
      [`/api/v1/networks/${net}/snmp-credentials`, c],
    );
    if (status !== 201) throw new Error(`SNMP credential refused: HTTP ${status}`);
  }
}

// A discovery from the Discovery page. Its progress must come by server-sent
// events: the page holds an EventSource on /api/v1/events, the session's
// row changes (state, progress) with no reload, and the sessions are not
// polled meanwhile (a few reads at most, not one a second).
// With polling: the stream is refused, and the page must poll instead.
async function scan(label, { polling = false } = {}) {
  const streams = [];
  const onStream = (r) => r.url().includes('/api/v1/events?network_id=') && streams.push(r.resourceType());
  page.on('request', onStream);
  if (polling) await page.goto(`${G}/discover/discovery`);
  else await page.click('nav#mainnav >> text=Discovery');
  await page.waitForSelector(`ul.sessions[data-updates="${polling ? 'polling' : 'events'}"]`, { timeout: 15000 });
  page.off('request', onStream);
  if (!streams.includes('eventsource')) throw new Error(`no EventSource on /api/v1/events (requests: ${streams.join(',') || 'none'})`);
  const before = await page.$$eval('li.session', (l) => l.length);
  const eventsBefore = Number(await page.getAttribute('ul.sessions', 'data-events'));
  await page.selectOption('#scan-type', LAB_SNMP.length ? 'unified' : 'network');
  await page.fill('#scan-targets', TARGETS);
  let reads = 0;
  const onRead = (r) => /\/api\/v1\/sessions(\?|\/[0-9a-f-]{36}$)/.test(r.url()) && r.method() === 'GET' && reads++;
  page.on('request', onRead);
  const t0 = Date.now();
  await page.click('button:has-text("Start discovery")');
  await page.waitForFunction((n) => document.querySelectorAll('li.session').length > n, before);
  // Every state and progress value the new session's row shows, as it changes.
  await page.evaluate(() => {
    const li = document.querySelector('li.session:first-child');
    window.__seen = [`${li.dataset.state}:${li.querySelector('progress').value}`];
    new MutationObserver(() => {
      const s = `${li.dataset.state}:${li.querySelector('progress').value}`;
      if (window.__seen[window.__seen.length - 1] !== s) window.__seen.push(s);
    }).observe(li, { attributes: true, subtree: true, childList: true, characterData: true });
  });
  await page.waitForSelector('li.session:first-child[data-state="completed"], li.session:first-child[data-state="failed"]', { timeout: 240000 });
  page.off('request', onRead);
  const secs = (Date.now() - t0) / 1000;
  const state = await page.getAttribute('li.session:first-child', 'data-state');
  await shot(page, `discovery-${label}`);
  if (state !== 'completed') throw new Error(`the session ${state}: ${await page.textContent('li.session:first-child')}`);
  const seen = await page.evaluate(() => window.__seen);
  const events = Number(await page.getAttribute('ul.sessions', 'data-events')) - eventsBefore;
  console.log(`       scan ${label}: ${secs.toFixed(1)} s, ${events} session events applied, ${reads} session reads, row went ${seen.join(' > ')}`);
  const bad = await unlabelled(page);
  if (bad.length) throw new Error(`discovery page: controls without a label: ${bad.join(' | ')}`);
  if (polling) {
    if (events !== 0) throw new Error(`${events} events with the stream refused`);
    if (reads < 3) throw new Error(`${reads} session reads in ${secs.toFixed(0)} s: not polled`);
  } else {
    if (events < 1) throw new Error('no session event reached the page');
    if (!seen.some((x) => x.startsWith('running'))) throw new Error(`the row never showed the session running: ${seen.join(' > ')}`);
    if (reads > 6) throw new Error(`${reads} session reads in ${secs.toFixed(0)} s: polled, not pushed`);
  }
  await page.waitForTimeout(3000); // topology applies the last batches
}
if (LAB_SNMP.length) await check("the lab's SNMP credentials are stored", addSnmpCredentials);
await check('a discovery started from the UI runs to completion with live progress (server-sent events)', () => scan('1'));

const net = await page.evaluate(() => localStorage.getItem('scanopy.network'));
const spec = await apiGet('/api/openapi.json');
const hasViews = VIEWS.every((v) => !!spec.paths[`/api/v1/networks/{id}/views/${v}`]);
for (const v of VIEWS) {
  await check(`the ${v} view draws the hosts and links the API gives`, async () => {
    if (!hasViews) throw new Error('the server has no views route');
    const api = await apiGet(`/api/v1/networks/${net}/views/${v}`);
    const hosts = api.nodes.filter((n) => n.kind === 'host' || n.host_id).length;
    await page.goto(`${G}/views/${v}`);
    await page.waitForSelector('#graph[data-rendered="true"]', { timeout: 30000 });
    await page.waitForTimeout(500);
    await shot(page, `view-${v}`);
    const drawn = await page.getAttribute('#graph', 'data-nodes');
    if (Number(drawn) !== api.nodes.length) throw new Error(`${drawn} nodes drawn, the API gives ${api.nodes.length}`);
    // Cables, services and containers exist in the lab; scanning 127.0.0.1
    // alone (no lab) gives only the L3 view something to show.
    if ((LAB || v === 'l3') && v !== 'applications' && hosts < EXPECT_HOSTS)
      throw new Error(`${hosts} hosts in the view, want ${EXPECT_HOSTS}`);
    if (LAB && v === 'applications' && api.nodes.length === 0) throw new Error('empty');
    if (api.nodes.length === 0) return; // an empty view has no legend
    const legend = await page.textContent('fieldset.legend');
    for (const kind of new Set(api.edges.map((e) => e.kind))) {
      const n = api.edges.filter((e) => e.kind === kind).length;
      if (!legend.includes(`(${n})`)) throw new Error(`legend lacks the ${n} ${kind} edges`);
    }
    console.log(`       ${v}: ${api.nodes.length} nodes (${hosts} hosts), ${api.edges.length} edges`);
  });
}

// A host with identified services, for the evidence panel and the edit.
const hosts = await apiGet(`/api/v1/hosts?network_id=${net}&limit=1000`);
const target = (Array.isArray(hosts) ? hosts : hosts.items || []).find((h) => (h.services || []).some((s) => s.name)) || (hosts[0] || null);
const targetIp = target && target.interfaces && target.interfaces[0] && target.interfaces[0].ip;
await check("a host's side panel shows its services and the evidence behind them", async () => {
  if (!target) throw new Error('no host found');
  if (!LAB && !(target.services || []).length) return; // nothing identified on a lone 127.0.0.1
  if (!hasViews) throw new Error('the server has no views route');
  await page.goto(`${G}/views/l3`);
  await page.waitForSelector('#graph[data-rendered="true"]');
  await page.fill('input[type=search]', targetIp);
  await page.keyboard.press('Enter');
  await page.waitForSelector('.host-panel details.evidence', { timeout: 15000 });
  await shot(page, 'evidence-panel');
});

const NAME = 'ui-edited-name';
await check('a host edit (name, description, tags) is saved', async () => {
  if (!target) throw new Error('no host found');
  await page.goto(`${G}/hosts/${target.id}`);
  await page.waitForSelector('#host-name', { timeout: 10000 });
  await page.fill('#host-name', NAME);
  await page.fill('#host-desc', 'set by the browser test');
  await page.fill('#host-tags', 'ui-test, keep');
  await page.click('form:has(#host-name) button[type=submit]');
  await page.waitForSelector('text=Saved.');
  await page.waitForSelector(`h1:has-text("${NAME}")`);
});

// Applications users make: two, a host as a member of one, a dependency of
// one on the other, a rename; the API and the applications view show them
// as the user's. They must survive the rescan below.
const APPS = !!(spec.paths['/api/v1/applications'] && spec.paths['/api/v1/applications'].post);
const userApps = async () => {
  const list = await apiGet(`/api/v1/applications?network_id=${net}&tag=ui-test`);
  return { bill: list.find((a) => a.name === 'UI Billing'), arch: list.find((a) => a.name === 'UI Archive') };
};
const userAppsHold = async () => {
  const { bill, arch } = await userApps();
  if (!bill || !arch) throw new Error('the applications are not listed by their names');
  if (!bill.members.some((m) => m.source === 'user' && m.kind === 'host' && m.role === 'db')) throw new Error('the host is not a member');
  if (!bill.dependencies.some((d) => !d.inferred && d.target_application_id === arch.id && d.description === 'stores invoices'))
    throw new Error('the dependency is not there');
  const view = await apiGet(`/api/v1/networks/${net}/views/applications`);
  if (!view.edges.some((e) => e.kind === 'depends' && e.data.source === 'user' && e.source === `a:${bill.id}` && e.target === `a:${arch.id}`))
    throw new Error("the applications view does not draw the user's dependency");
  if (!view.nodes.some((n) => n.parent === `a:${bill.id}` && n.kind === 'host' && n.data.source === 'user')) throw new Error('the view does not show the member');
  return { bill, arch };
};
if (APPS) {
  await check('the Applications tab creates applications, adds a member and a dependency, and renames one', async () => {
    await page.goto(`${G}/inventory?tab=applications`);
    await page.waitForSelector('#applications-table[aria-busy="false"]');
    for (const n of ['UI Billing', 'UI Storage']) {
      await page.fill('#app-new-name', n);
      await page.fill('#app-new-desc', `${n}, made by the browser test`);
      await page.fill('#app-new-tags', 'ui-test, keep');
      await page.click('#app-new button[type=submit]');
      await page.waitForSelector(`#app-detail h2:has-text("${n}")`);
    }
    await page.click('#applications-table button:has-text("UI Billing")');
    await page.waitForSelector('#app-detail h2:has-text("UI Billing")');
    await page.selectOption('#member-kind', 'host');
    await page.waitForFunction(() => document.querySelectorAll('#member-pick option').length > 0);
    await page.fill('#member-role', 'db');
    await page.click('#app-members button:has-text("Add member")');
    await page.waitForSelector('#app-members tbody tr:has-text("db")');
    await page.selectOption('#dep-target', { label: 'UI Storage' });
    await page.fill('#dep-desc', 'stores invoices');
    await page.click('#app-dependencies button:has-text("Add dependency")');
    await page.waitForSelector('#app-dependencies td:has-text("stores invoices")');
    const bad = await unlabelled(page);
    if (bad.length) throw new Error(`applications tab: controls without a label: ${bad.join(' | ')}`);
    await shot(page, 'applications');
    await page.click('#applications-table button:has-text("UI Storage")');
    await page.waitForSelector('#app-detail h2:has-text("UI Storage")');
    await page.fill('#app-edit-name', 'UI Archive');
    await page.click('#app-edit button[type=submit]');
    await page.waitForSelector('#app-detail h2:has-text("UI Archive")');
    await userAppsHold();
    if (hasViews) {
      await page.goto(`${G}/views/applications`);
      await page.waitForSelector('#graph[data-rendered="true"]');
      await shot(page, 'view-applications-users');
    }
  });
}
await check('a second discovery runs', () => scan('2'));
await check('the edit survives the rescan', async () => {
  await page.goto(`${G}/hosts/${target.id}`);
  await page.waitForSelector(`h1:has-text("${NAME}")`);
  const tags = await page.inputValue('#host-tags');
  if (!tags.includes('ui-test')) throw new Error(`tags now ${tags}`);
  if ((await page.inputValue('#host-desc')) !== 'set by the browser test') throw new Error('description lost');
  await shot(page, 'host-after-rescan');
});
if (APPS) {
  await check("users' applications survive the rescan, and one is deleted from the tab", async () => {
    const { arch } = await userAppsHold();
    await page.goto(`${G}/inventory?tab=applications`);
    await page.waitForSelector('#applications-table[aria-busy="false"]');
    await page.click('#applications-table button:has-text("UI Archive")');
    await page.waitForSelector('#app-detail h2:has-text("UI Archive")');
    page.once('dialog', (d) => d.accept());
    await page.click('#app-edit button:has-text("Delete application")');
    await page.waitForSelector('#applications-table tr[data-app="UI Archive"]', { state: 'detached' });
    const after = await userApps();
    if (after.arch) throw new Error(`the deleted application ${arch.id} is still listed`);
    if (!after.bill || after.bill.dependencies.length) throw new Error('the dependency on the deleted application is still there');
  });
}

await check('with the event stream refused (503), the Discovery page polls and still follows a scan to completion', async () => {
  const errs = consoleErrors.length;
  await page.route('**/api/v1/events?*', (r) => r.fulfill({ status: 503, contentType: 'application/json', body: '{"error":{"code":"unavailable","message":"refused by the test"}}' }));
  try {
    await scan('polling', { polling: true });
    const note = await page.textContent('.live-state');
    if (!note.includes('unavailable')) throw new Error(`the page says "${note}"`);
  } finally {
    await page.goto(`${G}/inventory`); // closes the page's stream and its retry
    await page.unroute('**/api/v1/events?*');
    // The refused stream is logged by the browser; those lines are this step's doing.
    const mine = consoleErrors.splice(errs).filter((e) => !/503|api\/v1\/events|EventSource/i.test(e));
    consoleErrors.push(...mine);
  }
});

const TAG = 'ui-panel-tag';
await check("a tag is set on a host from the view's side panel", async () => {
  if (!target) throw new Error('no host found');
  await page.goto(`${G}/views/l3`);
  await page.waitForSelector('#graph[data-rendered="true"]');
  await page.fill('input[type=search]', targetIp);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#panel-tags', { timeout: 15000 });
  await page.waitForFunction(() => document.querySelector('#panel-tags').value.includes('ui-test'));
  await page.fill('#panel-tags', `ui-test, keep, ${TAG}`);
  await page.click('button:has-text("Save tags")');
  await page.waitForSelector('text=Tags saved.');
  const h = await apiGet(`/api/v1/hosts/${target.id}`);
  if (!h.tags.includes(TAG) || !h.tags.includes('ui-test')) throw new Error(`the API has tags ${JSON.stringify(h.tags)}`);
  const bad = await unlabelled(page);
  if (bad.length) throw new Error(`views page: controls without a label: ${bad.join(' | ')}`);
  await shot(page, 'side-panel-tags');
});
await check('a view filters by tag on the server', async () => {
  const all = await apiGet(`/api/v1/networks/${net}/views/l3`);
  const want = await apiGet(`/api/v1/networks/${net}/views/l3?tag=${TAG}`);
  const hostsIn = (v) => v.nodes.filter((n) => n.id.startsWith('h:')).map((n) => n.host_id);
  if (JSON.stringify(hostsIn(want)) !== JSON.stringify([target.id])) throw new Error(`the API's tagged view has hosts ${hostsIn(want)}`);
  await page.fill('#view-tag', TAG);
  const [req] = await Promise.all([
    page.waitForRequest((r) => r.url().includes('/views/l3?') && new URL(r.url()).searchParams.getAll('tag').includes(TAG)),
    page.click('button:has-text("Apply filters")'),
  ]);
  if (!req) throw new Error('no request');
  await page.waitForFunction((n) => document.querySelector('#graph[data-rendered="true"]') && Number(document.querySelector('#graph').dataset.nodes) === n, want.nodes.length, { timeout: 20000 });
  if (want.nodes.length >= all.nodes.length) throw new Error(`the filter kept ${want.nodes.length} of ${all.nodes.length} nodes`);
  if (!page.url().includes(`tag=${TAG}`)) throw new Error('the filter is not in the address');
  await shot(page, 'view-l3-tag');
});
await check("the organisation's views: every network a group holding its own view", async () => {
  if (!spec.paths['/api/v1/views/l3']) throw new Error('the server has no organisation views route');
  const org = await apiGet('/api/v1/views/l3');
  const own = await apiGet(`/api/v1/networks/${net}/views/l3`);
  if (!org.nodes.some((n) => n.id === `n:${net}` && n.kind === 'network')) throw new Error(`no node for network ${net}`);
  const under = org.nodes.filter((n) => n.parent === `n:${net}`).length;
  if (under !== own.nodes.filter((n) => !n.parent).length) throw new Error(`${under} nodes under the network, its view has ${own.nodes.filter((n) => !n.parent).length} at the top`);
  await page.goto(`${G}/views/l3`);
  await page.waitForSelector('#graph[data-rendered="true"]');
  await page.check('#view-all-networks');
  const [req] = await Promise.all([
    page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/views/l3'),
    page.click('button:has-text("Apply filters")'),
  ]);
  if (!req) throw new Error('no request');
  await page.waitForFunction((n) => document.querySelector('#graph[data-rendered="true"]') && Number(document.querySelector('#graph').dataset.nodes) === n, org.nodes.length, { timeout: 20000 });
  if (!page.url().includes('all=1')) throw new Error('the choice is not in the address');
  await shot(page, 'view-l3-all-networks');
});

const noUnlabelled = async (what) => {
  const bad = await unlabelled(page);
  if (bad.length) throw new Error(`${what}: controls without a label: ${bad.join(' | ')}`);
};
const SCHED = 'ui-test schedule';
const schedRow = `#schedules tr:has(th:has-text("${SCHED}"))`;
await check('the schedules page creates a schedule (interval, deep every 3rd run) from the keyboard', async () => {
  await page.goto(`${G}/discover/schedules`);
  await page.waitForSelector('#schedules tbody tr, p:has-text("No schedules")');
  await page.focus('button:has-text("New schedule")');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#sch-name');
  await noUnlabelled('schedule form');
  await page.fill('#sch-name', SCHED);
  await page.selectOption('#sch-type', 'network');
  await page.fill('#sch-interval', '90');
  await page.fill('#sch-deep-every', '3');
  await page.fill('#sch-targets', TARGETS);
  await page.click('button:has-text("Create schedule")');
  await page.waitForSelector(schedRow);
  const text = await page.textContent(schedRow);
  if (!text.includes('every 90 min') || !text.includes('every 3rd run') || !text.includes('active')) throw new Error(`row: ${text}`);
});
await check('a schedule is edited to a cron expression in an IANA time zone', async () => {
  await page.click(`${schedRow} button:has-text("Edit")`);
  await page.check('input[name=sch-timing][value=cron]');
  await page.fill('#sch-cron', '30 2 * * 1-5');
  await page.fill('#sch-zone', 'Europe/Berlin');
  await page.click('button:has-text("Save schedule")');
  await page.waitForSelector(`${schedRow} >> text=cron 30 2 * * 1-5 (Europe/Berlin)`);
  const api = (await apiGet(`/api/v1/schedules?network_id=${net}`)).find((x) => x.name === SCHED);
  if (!api || api.cron !== '30 2 * * 1-5' || api.time_zone !== 'Europe/Berlin' || api.interval_seconds !== null)
    throw new Error(`the API has ${JSON.stringify(api)}`);
});
await check('a schedule is paused, and the API says so', async () => {
  await page.click(`${schedRow} button:has-text("Pause")`);
  await page.waitForSelector(`${schedRow}[data-paused="true"]`);
  const api = (await apiGet(`/api/v1/schedules?network_id=${net}`)).find((x) => x.name === SCHED);
  if (!api.paused) throw new Error('not paused in the API');
});
await check("run now (paused schedule): a session of the schedule appears in the history and completes", async () => {
  await page.click(`${schedRow} button:has-text("Run now")`);
  const row = `#session-history tr[data-schedule]:has-text("${SCHED}")`;
  await page.waitForSelector(row, { timeout: 15000 });
  await page.waitForSelector(`${row}[data-state="completed"], ${row}[data-state="failed"]`, { timeout: 240000 });
  const state = await page.getAttribute(row, 'data-state');
  if (state !== 'completed') throw new Error(`the session ${state}: ${await page.textContent(row)}`);
  await page.click(`${row} button:has-text("Show")`);
  await page.waitForSelector('.session-changes, p:has-text("changed nothing")');
  await noUnlabelled('schedules page');
  await shot(page, 'schedules');
});
await check("the history shows what the first discovery changed (the hosts it found appeared)", async () => {
  const first = page.locator(`#session-history tr[data-session]:has-text("by hand"):has-text("${LAB ? 'unified' : 'network'}")`).last();
  await first.locator('button:has-text("Show")').click();
  const changes = page.locator('.session-changes').last();
  await changes.waitFor({ timeout: 15000 });
  const text = await changes.textContent();
  if (!/host(s)? appeared/.test(text)) throw new Error(`changes: ${text.slice(0, 200)}`);
  await shot(page, 'schedules-history');
});
await check('a schedule is resumed and deleted', async () => {
  await page.click(`${schedRow} button:has-text("Resume")`);
  await page.waitForSelector(`${schedRow}[data-paused="false"]`);
  await page.click(`${schedRow} button:has-text("Delete")`);
  await page.click(`${schedRow} button.danger:has-text("Delete")`);
  await page.waitForSelector(schedRow, { state: 'detached' });
  if ((await apiGet(`/api/v1/schedules?network_id=${net}`)).some((x) => x.name === SCHED)) throw new Error('still in the API');
});

// The hosts' order as the server gives it, by ?sort=.
const serverOrder = async (sort, limit) =>
  (await apiGet(`/api/v1/hosts?network_id=${net}&sort=${sort}&limit=${limit}`)).map((h) => h.id);
const shownOrder = () => page.$$eval('#hosts-table tbody tr td:first-child a', (l) => l.map((a) => a.getAttribute('href').split('/').pop()));
// Waits until the table shows exactly these hosts in this order.
const showsRows = (want, what) =>
  page
    .waitForFunction(
      (w) => JSON.stringify([...document.querySelectorAll('#hosts-table tbody tr td:first-child a')].map((a) => a.getAttribute('href').split('/').pop())) === w,
      JSON.stringify(want),
      { timeout: 15000 },
    )
    .catch(async () => {
      throw new Error(`${what}: the table shows ${(await shownOrder()).length} rows, not the server's ${want.length} in its order`);
    });
const sortedBy = async (label, sort) => {
  const [req] = await Promise.all([
    page.waitForRequest((r) => r.url().includes('/api/v1/hosts?') && new URL(r.url()).searchParams.get('sort') === sort),
    page.click(`#hosts-table th button:has-text("${label}")`),
  ]);
  await showsRows(await serverOrder(sort, new URL(req.url()).searchParams.get('limit')), sort);
  const dir = await page.getAttribute(`#hosts-table th:has(button:has-text("${label}"))`, 'aria-sort');
  if (dir !== (sort.startsWith('-') ? 'descending' : 'ascending')) throw new Error(`${sort}: aria-sort ${dir}`);
};
await check('the inventory sorts on the server (name, -name, last seen) in the order the API gives', async () => {
  await page.goto(`${G}/inventory`);
  await page.waitForSelector('#hosts-table tbody tr');
  const rows = await page.$$eval('#hosts-table tbody tr', (r) => r.length);
  if (rows < Math.min(EXPECT_HOSTS, 50)) throw new Error(`${rows} rows`);
  await sortedBy('Name', 'name');
  await sortedBy('Name', '-name');
  await sortedBy('Last seen', 'last_seen');
  await sortedBy('Addresses', 'ip');
});
await check('the inventory pages on the server (limit, offset, X-Total-Count)', async () => {
  const total = Number(await page.getAttribute('[data-total]', 'data-total'));
  const api = await page.evaluate(async (u) => (await fetch(u)).headers.get('X-Total-Count'), `/api/v1/hosts?network_id=${net}&limit=1`);
  if (total !== Number(api)) throw new Error(`the page says ${total}, the API ${api}`);
  await page.selectOption('#hosts-table-pagesize', '10');
  await showsRows(await serverOrder('ip', 10), 'page 1 of 10 rows');
  if (total <= 10) return;
  await Promise.all([page.waitForRequest((r) => r.url().includes('offset=10')), page.click('nav.pager button:has-text("Next")')]);
  await showsRows((await apiGet(`/api/v1/hosts?network_id=${net}&sort=ip&limit=10&offset=10`)).map((h) => h.id), 'page 2 (offset 10)');
  await page.selectOption('#hosts-table-pagesize', '50');
});
await check('the inventory filters on the server and exports CSV', async () => {
  await Promise.all([
    page.waitForRequest((r) => r.url().includes('/api/v1/hosts?') && new URL(r.url()).searchParams.get('q') === (targetIp || '')),
    page.fill('input[type=search][aria-controls=hosts-table]', targetIp || ''),
  ]);
  const want = (await apiGet(`/api/v1/hosts?network_id=${net}&q=${encodeURIComponent(targetIp || '')}&limit=50`)).map((h) => h.id);
  if (!want.length) throw new Error(`the API finds no host for ${targetIp}`);
  await showsRows(want, `q=${targetIp}`);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('button:has-text("Export CSV")')]);
  const file = path.join(ART, 'hosts.csv');
  await dl.saveAs(file);
  const csv = fs.readFileSync(file, 'utf8');
  if (!csv.startsWith('Name,Addresses')) throw new Error('not the CSV');
  if (!csv.includes(targetIp)) throw new Error('the filtered host is not in the CSV');
  await noUnlabelled('inventory');
  await shot(page, 'inventory');
});
await check('the inventory filters by tag on the server', async () => {
  await page.goto(`${G}/inventory`);
  await page.waitForSelector('#hosts-table tbody tr');
  await Promise.all([
    page.waitForRequest((r) => r.url().includes('/api/v1/hosts?') && new URL(r.url()).searchParams.get('tag') === TAG),
    page.fill('label:has-text("Tag") input', TAG),
  ]);
  await showsRows([target.id], `tag=${TAG}`);
  const cell = await page.textContent('#hosts-table tbody tr');
  if (!cell.includes(TAG)) throw new Error('the row does not show its tags');
  await shot(page, 'inventory-tag');
  await page.fill('label:has-text("Tag") input', '');
});
await check('the inventory tabs move with the arrow keys', async () => {
  await page.focus('#tab-hosts');
  await page.keyboard.press('ArrowRight');
  await page.waitForSelector('#tab-services[aria-selected="true"]');
  if ((await page.evaluate(() => document.activeElement.id)) !== 'tab-services') throw new Error('focus did not follow');
  await page.waitForSelector('#services-table');
  for (const [tab, route] of [['interfaces', '/api/v1/interfaces'], ['links', '/api/v1/links'], ['subnets', '/api/v1/subnets'], ['containers', '/api/v1/workloads']]) {
    const offered = !!(await page.$(`#tab-${tab}`));
    if (offered !== !!spec.paths[route]) throw new Error(`the ${tab} tab is ${offered ? '' : 'not '}offered, the server ${spec.paths[route] ? 'has' : 'lacks'} ${route}`);
    if (!offered) continue;
    await page.click(`#tab-${tab}`);
    await page.waitForSelector(`#${tab}-table[aria-busy="false"]`);
    await shot(page, `inventory-${tab}`);
    if (tab === 'interfaces' || (tab === 'links' && LAB)) {
      // The lab's rows: as many as the server counts (up to a page).
      const total = Number(await page.evaluate(async (u) => (await fetch(u)).headers.get('X-Total-Count'), `${route}?network_id=${net}&limit=1`));
      const rows = await page.$$eval(`#${tab}-table tbody tr`, (r) => r.length);
      if (total < 1 || rows !== Math.min(total, 50)) throw new Error(`${tab}: ${rows} rows shown, the server counts ${total}`);
      console.log(`       ${tab}: ${total} rows`);
    }
  }
});
await check('the network page lists its SNMP credentials, adds one, and never shows a secret', async () => {
  await page.goto(`${G}/networks`);
  await page.waitForSelector('#snmp-credentials');
  const before = await page.$$eval('#snmp-credentials tbody tr', (r) => r.length);
  if (before !== LAB_SNMP.length) throw new Error(`${before} credentials listed, ${LAB_SNMP.length} stored`);
  await page.selectOption('#snmp-version', 'v2c');
  await page.fill('#snmp-community', 'ui-typed-community-XYZZY');
  await page.fill('#snmp-scope', '10.99.0.0/24');
  await page.click('#snmp-credentials button:has-text("Add credential")');
  await page.waitForFunction((n) => document.querySelectorAll('#snmp-credentials tbody tr').length === n + 1, before);
  const text = await page.textContent('#snmp-credentials');
  if (text.includes('XYZZY') || LAB_SNMP.some((c) => text.includes(JSON.parse(c).community || '\u0000')))
    throw new Error('a secret is on the page');
  await shot(page, 'snmp-credentials');
});
await check('the account page lists the users with their roles and the API keys', async () => {
  await page.goto(`${G}/account`);
  await page.waitForSelector('#users tbody tr');
  const users = await page.textContent('#users');
  if (!users.includes(EMAIL) || !users.includes('owner')) throw new Error('the owner is not listed');
  await page.waitForSelector('#my-keys');
  await shot(page, 'account');
});
const ORGS = !!(spec.paths['/api/v1/organizations'] && spec.paths['/api/v1/auth/switch']);
const meOrg = async () => {
  const me = await apiGet('/api/v1/auth/me');
  return me.organization && typeof me.organization === 'object' ? me.organization.id : me.organization;
};
if (!ORGS) {
  await check('without the organisations routes the page and the switcher are not offered', async () => {
    await page.goto(`${G}/inventory`);
    await page.waitForSelector('nav#mainnav');
    if (await page.$('nav#mainnav >> text=Organisations')) throw new Error('the nav offers Organisations');
    if (await page.$('#org-switch')) throw new Error('a switcher is shown');
  });
} else {
  const CLIENT = 'UI Test Client';
  await check('the organisations page lists the current one and creates another', async () => {
    await page.click('nav#mainnav >> text=Organisations');
    await page.waitForSelector('#organizations tbody tr');
    if (!(await page.textContent('#organizations')).includes('UI Test')) throw new Error('the current organisation is not listed');
    await page.fill('#org-name', CLIENT);
    await page.click('button:has-text("Create organisation")');
    await page.waitForSelector(`#organizations th:has-text("${CLIENT}")`);
    await noUnlabelled('organisations page');
    await shot(page, 'organizations');
  });
  let home = null;
  await check("the header's switcher moves to the new organisation, which has none of the first one's networks", async () => {
    home = await meOrg();
    await page.waitForSelector('#org-switch');
    const client = await page.$eval('#org-switch', (s, name) => [...s.options].find((o) => o.textContent.trim() === name).value, CLIENT);
    await page.selectOption('#org-switch', client);
    await page.waitForFunction((id) => document.querySelector('#org-switch') && document.querySelector('#org-switch').value === id, client);
    if ((await meOrg()) !== client) throw new Error('the session is not in the new organisation');
    const nets = await apiGet('/api/v1/networks');
    if (nets.length) throw new Error(`the new organisation sees ${nets.length} networks`);
    const hosts = await apiGet('/api/v1/hosts?limit=10');
    if (hosts.length) throw new Error(`the new organisation sees ${hosts.length} hosts`);
    await shot(page, 'organization-switched');
  });
  await check('switching back shows the first organisation and its network again', async () => {
    await page.selectOption('#org-switch', home);
    await page.waitForFunction((id) => document.querySelector('#org-switch').value === id, home);
    await page.waitForSelector('.netpick select option:has-text("lab")', { state: 'attached' });
    if ((await meOrg()) !== home) throw new Error('the session did not switch back');
  });
}
// A split: one identity key of a lab host taken into a host of its own from
// the host page; the API shows the key moved and the new host named.
if (spec.paths['/api/v1/hosts/{id}/split']) {
  await check("a host's key is split into a new host from the host page", async () => {
    let from = null;
    for (const h of (Array.isArray(hosts) ? hosts : hosts.items || []).slice(0, 40)) {
      const d = await apiGet(`/api/v1/hosts/${h.id}`);
      if ((d.identity || []).some((k) => k.kind === 'ip') && d.identity.length >= 2) {
        from = d;
        break;
      }
    }
    if (!from) throw new Error('no host with an address key and another key');
    const key = from.identity.find((k) => k.kind === 'ip');
    await page.goto(`${G}/hosts/${from.id}`);
    await page.waitForSelector('#split-title');
    await page.check(`input[id="${`split-${key.kind}-${key.value}`.replace(/[^A-Za-z0-9_-]/g, '_')}"]`);
    await page.fill('#split-name', 'ui-split-off');
    page.once('dialog', (d) => d.accept());
    await page.click('form:has(#split-title) button[type=submit]');
    await page.waitForSelector('h1:has-text("ui-split-off")', { timeout: 15000 });
    const after = await apiGet(`/api/v1/hosts/${from.id}`);
    if (after.identity.some((k) => k.kind === 'ip' && k.value === key.value)) throw new Error('the key is still on the first host');
    await shot(page, 'host-split');
  });
}
await check('sign out goes back to the sign-in page', async () => {
  await page.click('button:has-text("Sign out")');
  await page.waitForURL(/\/login/);
});
await browser.close();
process.exit(finish(consoleErrors) ? 0 : 1);
