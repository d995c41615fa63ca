// Inventory: the network's hosts, services, ports, interfaces, links (cables),
// subnets, VLANs and containers as
// sortable, filterable, paginated tables with CSV export. Hosts are paged,
// filtered and sorted by the server (GET /api/v1/hosts); so are the other
// tabs where the server has their list route. Where it has not, services and
// ports are gathered from every host in the browser, and subnets and
// containers are not offered. Applications (pages/applications.jsx) are
// listed with their members and dependencies, which users edit there.
import { useMemo, useState } from 'preact/hooks';
import { api, hasRoute, q } from '../api.js';
import { ErrorBox, NeedNetwork, useAsync } from '../components.jsx';
import { Link } from '../router.jsx';
import { useApp } from '../state.js';
import { ServerTable } from '../table.jsx';
import { ApplicationsPanel } from './applications.jsx';
import { ago, compareIp, download, hostIps, hostName, toCsv, when } from '../util.js';

const PAGE = 1000;

export async function fetchAllHosts(net) {
  const all = [];
  for (let offset = 0; offset < 100000; offset += PAGE) {
    const page = await api.get('/api/v1/hosts' + q({ network_id: net, limit: PAGE, offset }));
    const items = Array.isArray(page) ? page : page.items || [];
    all.push(...items);
    if (items.length < PAGE) break;
  }
  return all;
}

const hostCols = [
  { key: 'name', label: 'Name', value: (h) => hostName(h), link: (h) => `/hosts/${h.id}` },
  { key: 'ip', label: 'Addresses', value: (h) => hostIps(h).join(' ') },
  { key: 'mac', label: 'MAC', value: (h) => [...new Set((h.interfaces || []).map((i) => i.mac).filter(Boolean))].join(' ') },
  { key: 'services', label: 'Services', value: (h) => [...new Set((h.services || []).map((s) => s.name).filter(Boolean))].join(', ') },
  { key: 'ports', label: 'Open ports', value: (h) => (h.ports || []).map((p) => `${p.port}/${p.protocol}`).join(' ') },
  { key: 'tags', label: 'Tags', value: (h) => (h.tags || []).join(', '), when: (rows) => rows.some((h) => (h.tags || []).length) },
  { key: 'stale', label: 'State', value: (h) => (h.stale ? 'stale' : 'current') },
  { key: 'last_seen', label: 'Last seen', value: (h) => h.last_seen || '', show: (h) => ago(h.last_seen) },
];
const serviceCols = [
  { key: 'host', label: 'Host', value: (s) => s.hostName, link: (s) => `/hosts/${s.hostId}` },
  { key: 'ip', label: 'Address', value: (s) => s.ip, sort: (a, b) => compareIp(a.ip, b.ip) },
  { key: 'port', label: 'Port', value: (s) => `${s.port}/${s.protocol}`, sort: (a, b) => a.port - b.port },
  { key: 'name', label: 'Service', value: (s) => s.name },
  { key: 'category', label: 'Category', value: (s) => s.category },
  { key: 'product', label: 'Product', value: (s) => [s.product, s.version].filter(Boolean).join(' ') },
  { key: 'confidence', label: 'Confidence', value: (s) => s.confidence ?? '', sort: (a, b) => (a.confidence || 0) - (b.confidence || 0) },
];
const portCols = [
  { key: 'host', label: 'Host', value: (p) => p.hostName, link: (p) => `/hosts/${p.hostId}` },
  { key: 'ip', label: 'Address', value: (p) => p.ip, sort: (a, b) => compareIp(a.ip, b.ip) },
  { key: 'port', label: 'Port', value: (p) => p.port, sort: (a, b) => a.port - b.port },
  { key: 'protocol', label: 'Protocol', value: (p) => p.protocol },
  { key: 'status', label: 'Status', value: (p) => p.status || '' },
];

export function DataTable({ id, columns, rows, pageSize = 50, filename }) {
  const [sort, setSort] = useState({ key: columns[0].key, dir: 1 });
  const [filter, setFilter] = useState('');
  const [page, setPage] = useState(0);
  const filtered = useMemo(() => {
    const f = filter.trim().toLowerCase();
    const words = f ? f.split(/\s+/) : [];
    const out = words.length
      ? rows.filter((r) => {
          const text = columns.map((c) => String(c.value(r) ?? '')).join(' ').toLowerCase();
          return words.every((w) => text.includes(w));
        })
      : rows.slice();
    const col = columns.find((c) => c.key === sort.key) || columns[0];
    const cmp = col.sort || ((a, b) => String(col.value(a) ?? '').localeCompare(String(col.value(b) ?? ''), undefined, { numeric: true }));
    out.sort((a, b) => sort.dir * cmp(a, b));
    return out;
  }, [rows, filter, sort, columns]);
  const pages = Math.max(1, Math.ceil(filtered.length / pageSize));
  const p = Math.min(page, pages - 1);
  const shown = filtered.slice(p * pageSize, (p + 1) * pageSize);
  const sortBy = (key) => setSort((s) => ({ key, dir: s.key === key ? -s.dir : 1 }));
  return (
    <div class="datatable">
      <div class="toolbar">
        <label>
          <span class="sr-only">Filter</span>
          <input type="search" placeholder="Filter…" value={filter} onInput={(e) => { setFilter(e.currentTarget.value); setPage(0); }} aria-controls={id} />
        </label>
        <span class="muted" aria-live="polite">
          {filtered.length} of {rows.length}
        </span>
        <button type="button" onClick={() => download(filename, toCsv(columns, filtered), 'text/csv')}>
          Export CSV
        </button>
      </div>
      <div class="table-wrap">
        <table class="table" id={id}>
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c.key} scope="col" aria-sort={sort.key === c.key ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none'}>
                  <button type="button" class="sort" onClick={() => sortBy(c.key)}>
                    {c.label}
                    <span aria-hidden="true">{sort.key === c.key ? (sort.dir > 0 ? ' ▲' : ' ▼') : ''}</span>
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((r, i) => (
              <tr key={r.id || i}>
                {columns.map((c) => (
                  <td key={c.key}>{c.link ? <Link href={c.link(r)}>{c.value(r) || '(unnamed)'}</Link> : c.show ? <span title={when(c.value(r))}>{c.show(r)}</span> : c.value(r)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={p === 0} onClick={() => setPage(p - 1)}>
          Previous
        </button>
        <span>
          Page {p + 1} of {pages}
        </span>
        <button type="button" disabled={p >= pages - 1} onClick={() => setPage(p + 1)}>
          Next
        </button>
      </nav>
    </div>
  );
}


// Rows of the list routes name their host in one of a few ways.
const hostIdOf = (r) => r.host_id || r.parent_host_id;
const str = (v) => (typeof v === 'string' ? v : '');
const hostLabelOf = (r) => r.host_name || r.hostname || str(r.host) || str(r.parent_host) || r.ip || (hostIdOf(r) || '').slice(0, 8);
const hostCol = { key: 'host', label: 'Host', value: hostLabelOf, link: (r) => hostIdOf(r) && `/hosts/${hostIdOf(r)}` };
const listText = (v) =>
  Array.isArray(v) ? v.map((x) => (x && typeof x === 'object' ? x.ip || x.name || x.private_port || JSON.stringify(x) : x)).join(' ') : v ?? '';

const serverServiceCols = [
  hostCol,
  { key: 'ip', label: 'Address', value: (s) => s.ip || '', when: (rows) => rows.some((s) => s.ip) },
  { key: 'port', label: 'Port', value: (s) => `${s.port}/${s.protocol}` },
  { key: 'name', label: 'Service', value: (s) => s.name },
  { key: 'category', label: 'Category', value: (s) => s.category || '' },
  { key: 'product', label: 'Product', value: (s) => [s.product, s.version].filter(Boolean).join(' ') },
  { key: 'confidence', label: 'Confidence', value: (s) => s.confidence ?? '' },
];
const serverPortCols = [
  hostCol,
  { key: 'ip', label: 'Address', value: (p) => p.ip || '' },
  { key: 'port', label: 'Port', value: (p) => p.port },
  { key: 'protocol', label: 'Protocol', value: (p) => p.protocol },
  { key: 'status', label: 'Status', value: (p) => p.status || '' },
  { key: 'last_seen', label: 'Last seen', value: (p) => p.last_seen || '', show: (p) => ago(p.last_seen) },
];
const subnetCols = [
  { key: 'cidr', label: 'Subnet', value: (s) => s.cidr },
  { key: 'type', label: 'Type', value: (s) => s.type || s.kind || '' },
  { key: 'vlan', label: 'VLAN', value: (s) => [s.vlan_id ?? s.vlan, s.vlan_name].filter((x) => x !== null && x !== undefined && x !== '').join(' ') },
  { key: 'gateway', label: 'Gateway', value: (s) => s.gateway || '' },
  { key: 'hosts', label: 'Hosts', value: (s) => s.hosts ?? s.host_count ?? s.addresses ?? '' },
  { key: 'source', label: 'Source', value: (s) => s.source || '' },
  { key: 'last_seen', label: 'Last seen', value: (s) => s.last_seen || '', show: (s) => ago(s.last_seen) },
];
const interfaceCols = [
  { key: 'host', label: 'Host', value: hostLabelOf, link: (r) => hostIdOf(r) && `/hosts/${hostIdOf(r)}` },
  { key: 'name', label: 'Interface', value: (f) => f.name || '' },
  { key: 'mac', label: 'MAC', value: (f) => f.mac || '' },
  { key: 'addresses', label: 'Addresses', value: (f) => listText(f.addresses) },
  { key: 'if_index', label: 'ifIndex', value: (f) => f.if_index ?? '', when: (rows) => rows.some((f) => f.if_index !== null && f.if_index !== undefined) },
  { key: 'if_type', label: 'Type', value: (f) => f.if_type ?? '', when: (rows) => rows.some((f) => f.if_type !== null && f.if_type !== undefined) },
  { key: 'pvid', label: 'Native VLAN', value: (f) => f.pvid ?? '', when: (rows) => rows.some((f) => f.vlans_source) },
  { key: 'tagged_vlans', label: 'Tagged VLANs', value: (f) => listText(f.tagged_vlans), when: (rows) => rows.some((f) => f.vlans_source) },
  { key: 'source', label: 'Source', value: (f) => f.source || '' },
  { key: 'last_seen', label: 'Last seen', value: (f) => f.last_seen || '', show: (f) => ago(f.last_seen) },
];
// The network's VLANs: a QinQ inner one under its outer one.
const vlanCols = [
  { key: 'vlan', label: 'VLAN', value: (v) => (v.outer_vlan_id ? `${v.outer_vlan_id}.${v.vlan_id}` : String(v.vlan_id)) },
  { key: 'outer_vlan_id', label: 'In S-VLAN', value: (v) => v.outer_vlan_id || '' },
  { key: 'name', label: 'Name', value: (v) => v.name || '' },
  { key: 'ports', label: 'Ports', value: (v) => v.ports ?? '' },
  { key: 'addresses', label: 'Addresses', value: (v) => v.addresses ?? '' },
  { key: 'last_seen', label: 'Last seen', value: (v) => v.last_seen || '', show: (v) => ago(v.last_seen) },
];
// A cable: the host and port at each end.
const linkCols = [
  { key: 'a_host', label: 'Host A', value: (l) => l.a_host || (l.a_host_id || '').slice(0, 8), link: (l) => l.a_host_id && `/hosts/${l.a_host_id}` },
  { key: 'a_port', label: 'Port A', value: (l) => l.a_port || '' },
  { key: 'b_host', label: 'Host B', value: (l) => l.b_host || (l.b_host_id || '').slice(0, 8), link: (l) => l.b_host_id && `/hosts/${l.b_host_id}` },
  { key: 'b_port', label: 'Port B', value: (l) => l.b_port || '' },
  { key: 'source', label: 'Evidence', value: (l) => l.source || '' },
  { key: 'last_seen', label: 'Last seen', value: (l) => l.last_seen || '', show: (l) => ago(l.last_seen) },
];
const containerCols = [
  { key: 'name', label: 'Workload', value: (w) => w.name || w.external_id || w.container_id || w.id },
  { key: 'image', label: 'Image', value: (w) => w.image || '' },
  { key: 'kind', label: 'Kind', value: (w) => w.kind || 'container' },
  { key: 'state', label: 'State', value: (w) => w.state || '' },
  { ...hostCol, label: 'Runs on' },
  { key: 'project', label: 'Project', value: (w) => w.project || '' },
  { key: 'ports', label: 'Ports', value: (w) => listText(w.ports) },
  { key: 'networks', label: 'Networks', value: (w) => listText(w.networks) },
  { key: 'last_seen', label: 'Last seen', value: (w) => w.last_seen || '', show: (w) => ago(w.last_seen) },
];

// Services and ports gathered from every host, for servers without their
// list routes.
function FromAllHosts({ net, tab }) {
  const hosts = useAsync(() => fetchAllHosts(net), [net]);
  const rows = useMemo(() => {
    const list = hosts.data || [];
    const key = tab === 'services' ? 'services' : 'ports';
    return list.flatMap((h) =>
      (h[key] || []).map((x, i) => ({ ...x, id: `${h.id}:${x.protocol}:${x.port}:${i}`, hostId: h.id, hostName: hostName(h), ip: hostIps(h)[0] })),
    );
  }, [hosts.data, tab]);
  if (hosts.loading) return <p role="status">Loading…</p>;
  if (hosts.error) return <ErrorBox error={hosts.error} />;
  return tab === 'services' ? (
    <DataTable id="services-table" columns={serviceCols} rows={rows} filename="services.csv" />
  ) : (
    <DataTable id="ports-table" columns={portCols} rows={rows} filename="ports.csv" />
  );
}

const TABS = [
  ['hosts', 'Hosts', '/api/v1/hosts'],
  ['services', 'Services', '/api/v1/services'],
  ['ports', 'Ports', '/api/v1/ports'],
  ['interfaces', 'Interfaces', '/api/v1/interfaces'],
  ['links', 'Links', '/api/v1/links'],
  ['subnets', 'Subnets', '/api/v1/subnets'],
  ['vlans', 'VLANs', '/api/v1/vlans'],
  ['containers', 'Containers & VMs', '/api/v1/workloads'],
  ['applications', 'Applications', '/api/v1/applications'],
];
const SERVER = {
  hosts: { columns: hostCols, sort: 'ip' },
  services: { columns: serverServiceCols, sort: 'port' },
  ports: { columns: serverPortCols, sort: 'port' },
  interfaces: { columns: interfaceCols, sort: 'host' },
  links: { columns: linkCols, sort: 'a_host' },
  subnets: { columns: subnetCols, sort: 'cidr' },
  vlans: { columns: vlanCols, sort: 'vlan' },
  containers: { columns: containerCols, sort: 'name' },
};

export function InventoryPage() {
  const app = useApp();
  const net = app.networkId;
  const initial = new URLSearchParams(location.search).get('tab');
  const tabs = TABS.filter(([k, , route]) => hasRoute(route) || k === 'services' || k === 'ports');
  const [tab, setTab] = useState(tabs.some(([k]) => k === initial) ? initial : 'hosts');
  if (!net) return <section class="page"><h1>Inventory</h1><NeedNetwork /></section>;
  const choose = (k) => {
    setTab(k);
    history.replaceState(null, '', location.pathname + (k === 'hosts' ? '' : `?tab=${k}`));
  };
  const onKey = (e) => {
    const i = tabs.findIndex(([k]) => k === tab);
    const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? tabs.length - 1 : null;
    if (next === null) return;
    e.preventDefault();
    const k = tabs[(next + tabs.length) % tabs.length][0];
    choose(k);
    document.getElementById('tab-' + k).focus();
  };
  const [, , route] = TABS.find(([k]) => k === tab);
  return (
    <section class="page">
      <h1>Inventory</h1>
      <div role="tablist" class="tabs" aria-label="Inventory" onKeyDown={onKey}>
        {tabs.map(([k, l]) => (
          <button key={k} role="tab" id={'tab-' + k} aria-selected={tab === k} tabIndex={tab === k ? 0 : -1} aria-controls={'panel-' + k} onClick={() => choose(k)}>
            {l}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={'panel-' + tab} aria-labelledby={'tab-' + tab}>
        {tab === 'applications' ? (
          <ApplicationsPanel key={net} net={net} />
        ) : hasRoute(route) ? (
          <ServerTable
            key={tab + net}
            id={tab + '-table'}
            route={route}
            params={{ network_id: net }}
            columns={SERVER[tab].columns}
            defaultSort={SERVER[tab].sort}
            filename={`${tab}.csv`}
          />
        ) : (
          <FromAllHosts net={net} tab={tab} />
        )}
      </div>
    </section>
  );
}
