// Load test: the L3 view of a synthetic 5,000-host network (the view API's
// shape: 20 subnets of 250 hosts, a router, 20 switches, a cable from each
// host to its switch) fed to the real UI through an intercepted route, on a
// real gateway with a real sign-in. Prints the time to first render and fails
// above LOAD_BUDGET_MS (default 2000, the budget).
//   G=http://127.0.0.1:60072 EMAIL=... PASSWORD=... node load.mjs
import { G, check, finish, launch, shot, signIn } from './lib.mjs';

const HOSTS = Number(process.env.LOAD_HOSTS || 5000);
const BUDGET = Number(process.env.LOAD_BUDGET_MS || 2000);

function synthetic(networkId) {
  const nodes = [], edges = [];
  const subnets = 20, per = Math.ceil(HOSTS / subnets);
  nodes.push({ id: 'r:core', kind: 'router', label: 'core-rtr', parent: null, host_id: null, category: 'network', ip: '10.0.0.1', stale: false, data: {} });
  let n = 0;
  for (let s = 0; s < subnets; s++) {
    const sid = `s:10.${s}.0.0/16`;
    nodes.push({ id: sid, kind: 'subnet', label: `10.${s}.0.0/16`, parent: null, host_id: null, category: '', ip: null, stale: false, data: { cidr: `10.${s}.0.0/16` } });
    const sw = `w:sw${s}`;
    nodes.push({ id: sw, kind: 'switch', label: `sw-${s}`, parent: sid, host_id: null, category: 'network', ip: `10.${s}.0.2`, stale: false, data: {} });
    edges.push({ id: `g:${s}`, source: 'r:core', target: sid, kind: 'gateway', label: `10.${s}.0.1`, data: {} });
    for (let h = 0; h < per && n < HOSTS; h++, n++) {
      const id = `h:00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
      const ip = `10.${s}.${Math.floor(h / 250) + 1}.${(h % 250) + 3}`;
      nodes.push({ id, kind: 'host', label: `host-${n}`, parent: sid, host_id: null, category: n % 7 ? 'server' : 'workstation', ip, stale: n % 50 === 0, data: {} });
      edges.push({ id: `l:${n}`, source: id, target: sw, kind: 'link', label: `eth0 — swp${h + 1}`, data: { a_port: 'eth0', b_port: `swp${h + 1}` } });
    }
  }
  return { view: 'l3', network_id: networkId, generated_at: new Date().toISOString(), nodes, edges };
}

const { browser, page, consoleErrors } = await launch();
await signIn(page, process.env.EMAIL, process.env.PASSWORD);
let body = null;
await page.route(/\/api\/v1\/networks\/[0-9a-f-]+\/views\/l3(\?.*)?$/, async (route) => {
  const id = /networks\/([0-9a-f-]+)\//.exec(route.request().url())[1];
  body = body || JSON.stringify(synthetic(id));
  await route.fulfill({ status: 200, contentType: 'application/json', body });
});
// On a server without the views route yet, its OpenAPI document gets it, so
// the UI shows the view instead of "not offered".
await page.route('**/api/openapi.json', async (route) => {
  const res = await route.fetch();
  const spec = await res.json();
  spec.paths['/api/v1/networks/{id}/views/{view}'] ||= { get: {} };
  await route.fulfill({ response: res, json: spec });
});

const marks = () =>
  page.evaluate(() => {
    const m = (n) => performance.getEntriesByName(n).at(-1);
    const nav = performance.getEntriesByType('navigation')[0];
    const g = document.querySelector('#graph');
    return {
      dataToRender: m('scanopy-view-rendered').startTime - m('scanopy-view-data').startTime,
      requestToRender: m('scanopy-view-rendered').startTime - m('scanopy-view-request').startTime,
      navToRender: m('scanopy-view-rendered').startTime - (nav ? nav.startTime : 0),
      nodes: Number(g.dataset.nodes),
      shown: Number(g.dataset.shown),
    };
  });

const t0 = Date.now();
await page.goto(G + '/views/l3');
let first = null;
await check(`the ${HOSTS}-host view renders`, async () => {
  await page.waitForSelector('#graph[data-rendered="true"]', { timeout: 60000 });
  first = await marks();
});
const wall = Date.now() - t0;
if (first) {
  console.log(
    `load: ${first.nodes} nodes (${HOSTS} hosts), ${first.shown} drawn at first (groups collapsed): first render ${Math.round(first.requestToRender)} ms after the view was requested ` +
      `(${Math.round(first.dataToRender)} ms after its data arrived, ${Math.round(first.navToRender)} ms after navigation; ${wall} ms wall clock incl. sign-in page load)`,
  );
  await check(`first render within ${BUDGET} ms of the request`, () => first.requestToRender <= BUDGET || Promise.reject(new Error(`${Math.round(first.requestToRender)} ms`)));
  await check('every host is in the view', () => first.nodes >= HOSTS);
}
await shot(page, 'load-5000-l3-collapsed');
await check('search-to-focus finds one host among them (opening its group)', async () => {
  await page.fill('input[type=search]', 'host-4321');
  await page.keyboard.press('Enter');
  await page.waitForSelector('aside.side h2:has-text("host-4321")', { timeout: 20000 });
});
await check('"Expand groups" draws all of them', async () => {
  await page.click('button:has-text("Expand groups")');
  await page.waitForSelector('#graph[data-rendered="false"]', { timeout: 10000 }).catch(() => {});
  await page.waitForSelector('#graph[data-rendered="true"]', { timeout: 120000 });
  const full = await marks();
  console.log(`load: all ${full.shown} nodes drawn in ${Math.round(full.dataToRender)} ms`);
  if (full.shown < HOSTS) throw new Error(`${full.shown} drawn`);
});
await shot(page, 'load-5000-l3-expanded');
await browser.close();
process.exit(finish(consoleErrors) ? 0 : 1);
