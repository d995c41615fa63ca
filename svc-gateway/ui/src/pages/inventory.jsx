// Inventory: the network's hosts, services and ports as sortable, filterable,
// paginated tables with CSV export. Hosts come from GET /api/v1/hosts, read
// page by page (the server's limit/offset) into the browser.
import { useMemo, useState } from 'preact/hooks';
import { api, q } from '../api.js';
import { ErrorBox, NeedNetwork, useAsync } from '../components.jsx';
import { Link } from '../router.jsx';
import { useApp } from '../state.js';
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
  { key: 'ip', label: 'Addresses', value: (h) => hostIps(h).join(' '), sort: (a, b) => compareIp(hostIps(a)[0], hostIps(b)[0]) },
  { key: 'mac', label: 'MAC', value: (h) => (h.interfaces || []).map((i) => i.mac).filter(Boolean).join(' ') },
  { key: 'services', label: 'Services', value: (h) => [...new Set((h.services || []).map((s) => s.name).filter(Boolean))].join(', ') },
  { key: 'ports', label: 'Open ports', value: (h) => (h.ports || []).map((p) => `${p.port}/${p.protocol}`).join(' '), sort: (a, b) => (a.ports || []).length - (b.ports || []).length },
  { key: 'tags', label: 'Tags', value: (h) => (h.tags || []).join(', ') },
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

export function InventoryPage() {
  const app = useApp();
  const net = app.networkId;
  const [tab, setTab] = useState('hosts');
  const hosts = useAsync(() => (net ? fetchAllHosts(net) : []), [net]);
  const services = useMemo(
    () =>
      (hosts.data || []).flatMap((h) =>
        (h.services || []).map((s, i) => ({ ...s, id: `${h.id}:${s.protocol}:${s.port}:${i}`, hostId: h.id, hostName: hostName(h), ip: hostIps(h)[0] })),
      ),
    [hosts.data],
  );
  const ports = useMemo(
    () =>
      (hosts.data || []).flatMap((h) =>
        (h.ports || []).map((p) => ({ ...p, id: `${h.id}:${p.protocol}:${p.port}`, hostId: h.id, hostName: hostName(h), ip: hostIps(h)[0] })),
      ),
    [hosts.data],
  );
  if (!net) return <section class="page"><h1>Inventory</h1><NeedNetwork /></section>;
  const tabs = [
    ['hosts', `Hosts (${(hosts.data || []).length})`],
    ['services', `Services (${services.length})`],
    ['ports', `Ports (${ports.length})`],
  ];
  return (
    <section class="page">
      <h1>Inventory</h1>
      <div role="tablist" class="tabs" aria-label="Inventory">
        {tabs.map(([k, l]) => (
          <button key={k} role="tab" id={'tab-' + k} aria-selected={tab === k} aria-controls={'panel-' + k} onClick={() => setTab(k)}>
            {l}
          </button>
        ))}
      </div>
      <ErrorBox error={hosts.error} />
      {hosts.loading && <p role="status">Loading…</p>}
      {hosts.data && (
        <div role="tabpanel" id={'panel-' + tab} aria-labelledby={'tab-' + tab}>
          {tab === 'hosts' && <DataTable id="hosts-table" columns={hostCols} rows={hosts.data} filename="hosts.csv" />}
          {tab === 'services' && <DataTable id="services-table" columns={serviceCols} rows={services} filename="services.csv" />}
          {tab === 'ports' && <DataTable id="ports-table" columns={portCols} rows={ports} filename="ports.csv" />}
        </div>
      )}
    </section>
  );
}
