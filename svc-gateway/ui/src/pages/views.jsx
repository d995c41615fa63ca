// The four views as interactive diagrams: filters (server-side: subnet,
// category, text, tags, stale; in the browser: kinds, through the legend,
// VLAN where subnets, hosts or cables carry one (graph/narrow.js), and gone
// hosts; gone hosts are drawn faint with a dotted ring and say why when
// hovered),
// search-to-focus, collapsing groups, neighbour highlighting, a side panel
// with everything known about the selection, saved positions per user and
// view, and exports (PNG, SVG here; Mermaid and DOT from the API).
import { Fragment } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, hasRoute, q } from '../api.js';
import { ErrorBox, NeedNetwork, NotDeployed } from '../components.jsx';
import { Link, navigate } from '../router.jsx';
import { useApp } from '../state.js';
import { download, splitTags, when } from '../util.js';
import { EDGE_KINDS, NODE_KINDS } from '../graph/style.js';
import { choices, isGone, narrow } from '../graph/narrow.js';
import { goneOf, goneText } from '../graph/layout.js';
import { HostDetails, TagEditor, fetchHost } from './host.jsx';

const VIEWS = [
  ['l2', 'L2 physical'],
  ['l3', 'L3 logical'],
  ['workloads', 'Workloads'],
  ['applications', 'Applications'],
];
// One documented path per view (the router's {} takes UUIDs only).
const viewRoute = (view) => `/api/v1/networks/{id}/views/${view}`;
// The network's view, or the organisation's: every network the user may
// see, each a group holding its own view.
const viewPath = (net, view, all) => (all ? `/api/v1/views/${view}` : `/api/v1/networks/${net}/views/${view}`);
// The graph library, fetched while the view's data is.
const loadGraph = () => import('../graph/cy.js');

function posKey(user, net, view) {
  return `scanopy.pos.${user}.${net}.${view}`;
}
function loadPositions(key) {
  try {
    return JSON.parse(localStorage.getItem(key) || '{}');
  } catch {
    return {};
  }
}

function readFilters() {
  const s = new URLSearchParams(location.search);
  return { subnet: s.get('subnet') || '', category: s.get('category') || '', q: s.get('q') || '', tag: s.getAll('tag').join(', '), include_stale: s.get('include_stale') !== 'false', all: s.get('all') === '1' };
}

// The view's server-side filters as query parameters (tags: one ?tag= each).
function viewQuery(filters, extra = {}) {
  const s = new URLSearchParams(q({ subnet: filters.subnet, category: filters.category, q: filters.q, ...extra }).slice(1));
  for (const t of splitTags(filters.tag)) s.append('tag', t);
  const t = s.toString();
  return t ? `?${t}` : '';
}

export function ViewsPage({ view }) {
  const app = useApp();
  const net = app.networkId;
  const [filters, setFilters] = useState(readFilters);
  const [draft, setDraft] = useState(filters);
  const [data, setData] = useState(null);
  const [behind, setBehind] = useState(null); // { changes, ageMs }: the view served is not current
  const [local, setLocal] = useState({ vlan: '', hideGone: false }); // filters applied here
  const shown = useMemo(() => narrow(data, local), [data, local]);
  const localChoices = useMemo(() => choices(data), [data]);
  const [error, setError] = useState(null);
  const [loading, setLoading] = useState(false);
  const [selected, setSelected] = useState(null);
  const [layout, setLayout] = useState('auto');
  const [hidden, setHidden] = useState(new Set());
  const [collapsedAll, setCollapsedAll] = useState(false);
  const [expanded, setExpanded] = useState(false); // large views: everything open
  const [info, setInfo] = useState(null);
  const [search, setSearch] = useState('');
  const [searchMsg, setSearchMsg] = useState('');
  const [rendered, setRendered] = useState(false);
  const box = useRef(null);
  const graph = useRef(null);
  const deployed = hasRoute(viewRoute(view));
  const key = app.user && net ? posKey(app.user.id, filters.all ? 'all' : net, view) : null;
  useEffect(() => setLocal((l) => ({ vlan: '', hideGone: l.hideGone })), [net, view]);
  const goneCount = useMemo(() => ((data && data.nodes) || []).filter(isGone).length, [data]);

  // Fetch the view (server-side filters).
  useEffect(() => {
    if (!net || !deployed) return undefined;
    let live = true;
    setLoading(true);
    setError(null);
    setSelected(null);
    setExpanded(false);
    performance.clearMarks();
    performance.clearMeasures();
    performance.mark('scanopy-view-request');
    loadGraph();
    api
      .get(viewPath(net, view, filters.all) + viewQuery(filters, { include_stale: filters.include_stale ? 'true' : 'false' }), { raw: true })
      .then(async (res) => {
        const v = await res.json();
        if (!live) return;
        performance.mark('scanopy-view-data');
        // While the network keeps changing the gateway may answer with the
        // last rendering (never one missing a user's edit), saying how far
        // behind it is.
        const changes = Number(res.headers.get('X-Scanopy-View-Behind') || 0);
        setBehind(changes > 0 ? { changes, ageMs: Number(res.headers.get('X-Scanopy-View-Age-Ms') || 0) } : null);
        setData(v);
      })
      .catch((e) => live && setError(e))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [net, view, filters, deployed]);

  // Draw it.
  useEffect(() => {
    if (!shown || !box.current) return undefined;
    let g = null;
    let live = true;
    setRendered(false);
    loadGraph().then(({ createGraph }) => {
      if (!live) return;
      const saved = key ? loadPositions(key) : {};
      g = createGraph(box.current, shown, {
        saved,
        layout,
        expanded,
        onSelect: setSelected,
        onPositions: (moved) => {
          if (!key) return;
          const all = { ...loadPositions(key), ...moved };
          try {
            localStorage.setItem(key, JSON.stringify(all));
          } catch {
            /* storage full: positions are a convenience */
          }
        },
        onRendered: (i) => {
          setInfo(i);
          performance.mark('scanopy-view-rendered');
          try {
            performance.measure('scanopy-view-first-render', 'scanopy-view-data', 'scanopy-view-rendered');
          } catch {
            /* marks missing */
          }
          setRendered(true);
        },
      });
      graph.current = g;
      if (hidden.size) g.hideKinds(hidden);
      setCollapsedAll(g.collapsedCount() > 0);
    });
    return () => {
      live = false;
      if (g) g.destroy();
      graph.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shown, layout, key, expanded]);

  useEffect(() => {
    if (graph.current) graph.current.hideKinds(hidden);
  }, [hidden]);

  const kindsPresent = useMemo(() => {
    const n = new Map(), e = new Map();
    for (const x of (shown && shown.nodes) || []) n.set(x.kind, (n.get(x.kind) || 0) + 1);
    for (const x of (shown && shown.edges) || []) e.set(x.kind, (e.get(x.kind) || 0) + 1);
    return { n, e };
  }, [shown]);
  const categories = useMemo(() => [...new Set(((data && data.nodes) || []).map((n) => n.category).filter(Boolean))].sort(), [data]);
  // Tags offered: the ones seen in this network's views so far.
  const [knownTags, setKnownTags] = useState([]);
  useEffect(() => setKnownTags([]), [net]);
  useEffect(() => {
    if (localChoices.tags.length) setKnownTags((cur) => [...new Set([...cur, ...localChoices.tags])].sort());
  }, [localChoices]);

  if (!net) return <section class="page"><h1>Views</h1><NeedNetwork /></section>;

  const apply = (e) => {
    e.preventDefault();
    setFilters(draft);
    const s = new URLSearchParams();
    if (draft.subnet) s.set('subnet', draft.subnet);
    if (draft.category) s.set('category', draft.category);
    if (draft.q) s.set('q', draft.q);
    for (const t of splitTags(draft.tag)) s.append('tag', t);
    if (!draft.include_stale) s.set('include_stale', 'false');
    if (draft.all) s.set('all', '1');
    const qs = s.toString();
    history.replaceState(null, '', location.pathname + (qs ? '?' + qs : ''));
  };
  const doSearch = (e) => {
    e.preventDefault();
    const g = graph.current;
    if (!g) return;
    const id = g.search(search);
    if (id && g.select(id)) setSearchMsg('');
    else setSearchMsg(`Nothing called “${search}” in this view.`);
  };
  const exportText = async (format) => {
    try {
      const res = await api.get(viewPath(net, view, filters.all) + viewQuery(filters, { format }), { raw: true });
      download(`${view}.${format === 'mermaid' ? 'mmd' : 'dot'}`, await res.text(), 'text/plain');
    } catch (err) {
      setError(err);
    }
  };
  const toggleKind = (k) => {
    const next = new Set(hidden);
    next.has(k) ? next.delete(k) : next.add(k);
    setHidden(next);
  };
  const onKey = (e) => {
    const g = graph.current;
    if (!g || e.target !== e.currentTarget) return;
    const step = 60;
    const map = {
      '+': () => g.zoomBy(1.25),
      '=': () => g.zoomBy(1.25),
      '-': () => g.zoomBy(0.8),
      0: () => g.fit(),
      ArrowLeft: () => g.panBy(step, 0),
      ArrowRight: () => g.panBy(-step, 0),
      ArrowUp: () => g.panBy(0, step),
      ArrowDown: () => g.panBy(0, -step),
    };
    if (map[e.key]) {
      e.preventDefault();
      map[e.key]();
    }
  };
  const nodeCount = shown ? shown.nodes.length : 0;

  return (
    <section class="page views-page">
      <div class="page-head">
        <h1>Views</h1>
        <nav class="tabs" aria-label="Views">
          {VIEWS.map(([v, l]) => (
            <Link key={v} href={`/views/${v}${location.search}`} class={v === view ? 'active' : ''} aria-current={v === view ? 'page' : undefined}>
              {l}
            </Link>
          ))}
        </nav>
        {behind && data && (
          <p class="muted small view-age" role="status" title={`rendered ${when(data.generated_at)}; ${behind.changes} newer change${behind.changes === 1 ? '' : 's'} not shown yet`}>
            As of {Math.max(1, Math.round(behind.ageMs / 1000))} s ago · newer changes pending
          </p>
        )}
      </div>
      {!deployed ? (
        <NotDeployed what="the network views" />
      ) : (
        <>
          <form class="toolbar filters" onSubmit={apply} aria-label="Filters">
            <label>
              Subnet <input name="subnet" placeholder="10.0.0.0/24" size={14} value={draft.subnet} onInput={(e) => setDraft({ ...draft, subnet: e.currentTarget.value })} />
            </label>
            <label>
              Category{' '}
              <input name="category" list="view-categories" size={12} value={draft.category} onInput={(e) => setDraft({ ...draft, category: e.currentTarget.value })} />
              <datalist id="view-categories">
                {categories.map((c) => (
                  <option key={c} value={c} />
                ))}
              </datalist>
            </label>
            <label>
              Text <input name="q" size={12} value={draft.q} onInput={(e) => setDraft({ ...draft, q: e.currentTarget.value })} />
            </label>
            <label>
              Tags{' '}
              <input id="view-tag" name="tag" list="view-tags" size={12} placeholder="all of, comma-separated" value={draft.tag} onInput={(e) => setDraft({ ...draft, tag: e.currentTarget.value })} />
              <datalist id="view-tags">
                {knownTags.map((t) => (
                  <option key={t} value={t} />
                ))}
              </datalist>
            </label>
            <label class="check">
              <input type="checkbox" checked={draft.include_stale} onChange={(e) => setDraft({ ...draft, include_stale: e.currentTarget.checked })} /> Stale too
            </label>
            <label class="check" title="Every network of the organisation you may see, each a group holding its own view">
              <input id="view-all-networks" type="checkbox" checked={draft.all} onChange={(e) => setDraft({ ...draft, all: e.currentTarget.checked })} /> All networks
            </label>
            <button type="submit">Apply filters</button>
            <label class="check" title="Hosts complete scans stopped hearing, or not seen for days">
              <input id="view-hide-gone" type="checkbox" checked={local.hideGone} onChange={(e) => { setSelected(null); setLocal({ ...local, hideGone: e.currentTarget.checked }); }} /> Hide gone hosts{goneCount ? ` (${goneCount})` : ''}
            </label>
            {localChoices.vlans.length > 0 && (
              <label>
                VLAN{' '}
                <select id="view-vlan" value={local.vlan} onChange={(e) => setLocal({ ...local, vlan: e.currentTarget.value })}>
                  <option value="">all</option>
                  {localChoices.vlans.map((v) => (
                    <option key={v} value={v}>
                      {v}
                    </option>
                  ))}
                </select>
              </label>
            )}
          </form>
          <div class="toolbar">
            <form onSubmit={doSearch} role="search" class="inline">
              <label>
                <span class="sr-only">Find a node</span>
                <input type="search" placeholder="Find host, IP, service…" list="view-labels" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
              </label>
              <datalist id="view-labels">
                {nodeCount <= 2000 && graph.current && graph.current.labels().map((l, i) => <option key={i} value={l} />)}
              </datalist>
              <button type="submit">Find</button>
              {searchMsg && <span class="muted" role="status">{searchMsg}</span>}
            </form>
            <label>
              Layout{' '}
              <select value={layout} onChange={(e) => setLayout(e.currentTarget.value)}>
                <option value="auto">Automatic</option>
                <option value="grid">Grouped grid</option>
                <option value="force">Force-directed</option>
              </select>
            </label>
            <button
              type="button"
              onClick={() => {
                const g = graph.current;
                if (!g) return;
                // A large view that started collapsed is redrawn open in one go.
                if (collapsedAll && info && info.collapsedGroups && !expanded) {
                  performance.mark('scanopy-view-data');
                  setExpanded(true);
                  return;
                }
                g.collapseAll(!collapsedAll);
                setCollapsedAll(!collapsedAll);
              }}
            >
              {collapsedAll ? 'Expand groups' : 'Collapse groups'}
            </button>
            <button type="button" onClick={() => graph.current && graph.current.fit()}>
              Fit
            </button>
            <button type="button" onClick={() => { if (key) localStorage.removeItem(key); setData(data && { ...data }); }}>
              Reset positions
            </button>
            <span class="export">
              Export:{' '}
              <button type="button" onClick={async () => graph.current && download(`${view}.png`, await graph.current.png())}>
                PNG
              </button>
              <button type="button" onClick={() => graph.current && download(`${view}.svg`, graph.current.svg(), 'image/svg+xml')}>
                SVG
              </button>
              <button type="button" onClick={() => exportText('mermaid')}>
                Mermaid
              </button>
              <button type="button" onClick={() => exportText('dot')}>
                DOT
              </button>
            </span>
          </div>
          <ErrorBox error={error} />
          <div class="views-body">
            <div class="graph-wrap">
              {loading && <p class="graph-status" role="status">Loading the view…</p>}
              {data && data.nodes.length === 0 && !loading && <p class="graph-status">Nothing in this view yet{filters.q || filters.subnet || filters.category || filters.tag ? ' with these filters' : ''}: run a discovery.</p>}
              <div
                ref={box}
                class="graph"
                id="graph"
                tabIndex={0}
                role="application"
                aria-roledescription="network diagram"
                aria-label={`${VIEWS.find((v) => v[0] === view)[1]} diagram, ${nodeCount} nodes. Arrow keys pan, plus and minus zoom, 0 fits.`}
                data-rendered={rendered ? 'true' : 'false'}
                data-nodes={nodeCount}
                data-shown={info ? info.shownNodes : 0}
                onKeyDown={onKey}
              />
              <Legend present={kindsPresent} hidden={hidden} onToggle={toggleKind} />
              {data && (
                <p class="muted small">
                  {info && info.collapsedGroups > 0 && !expanded && `${info.collapsedGroups} groups start collapsed at this size: double-click one to open it, or “Expand groups”. `}
                  {shown.nodes.length} nodes, {shown.edges.length} edges{shown !== data ? ` (of ${data.nodes.length} and ${data.edges.length})` : ''} · generated {when(data.generated_at)} · double-click a group to collapse it, drag to arrange (kept for you)
                </p>
              )}
            </div>
            <SidePanel sel={selected} onPick={(id) => graph.current && graph.current.select(id)} onCollapse={(id) => { graph.current && graph.current.toggleCollapse(id); setSelected(null); }} />
          </div>
        </>
      )}
    </section>
  );
}

function Legend({ present, hidden, onToggle }) {
  const n = [...present.n.keys()], e = [...present.e.keys()];
  if (!n.length) return null;
  return (
    <fieldset class="legend">
      <legend>Legend (untick to hide)</legend>
      {n.map((k) => (
        <label key={k} class="check">
          <input type="checkbox" checked={!hidden.has(k)} onChange={() => onToggle(k)} />
          <span class={'swatch node-' + k} aria-hidden="true" />
          {(NODE_KINDS[k] && NODE_KINDS[k].label) || k} ({present.n.get(k)})
        </label>
      ))}
      {e.map((k) => (
        <label key={k} class="check">
          <input type="checkbox" checked={!hidden.has('edge:' + k)} onChange={() => onToggle('edge:' + k)} />
          <span class={'swatch line edge-' + k} aria-hidden="true" />
          {(EDGE_KINDS[k] && EDGE_KINDS[k].label) || k} ({present.e.get(k)})
        </label>
      ))}
    </fieldset>
  );
}

function DataList({ data }) {
  const entries = Object.entries(data || {}).filter(([, v]) => v !== null && v !== undefined && v !== '');
  if (!entries.length) return null;
  return (
    <dl class="kv">
      {entries.map(([k, v]) => (
        <Fragment key={k}>
          <dt>{k.replace(/_/g, ' ')}</dt>
          <dd>{typeof v === 'object' ? JSON.stringify(v) : String(v)}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

function SidePanel({ sel, onPick, onCollapse }) {
  const app = useApp();
  const [host, setHost] = useState(null);
  const [hostErr, setHostErr] = useState(null);
  const hostId = sel && sel.type === 'node' && sel.api && sel.api.host_id;
  useEffect(() => {
    setHost(null);
    setHostErr(null);
    if (!hostId) return undefined;
    let live = true;
    fetchHost(hostId, app.networkId).then(
      (h) => live && setHost(h),
      (e) => live && setHostErr(e),
    );
    return () => {
      live = false;
    };
  }, [hostId, app.networkId]);
  if (!sel)
    return (
      <aside class="side" aria-label="Details">
        <p class="muted">Select a node or a link to see everything known about it, its evidence and its changes.</p>
      </aside>
    );
  if (sel.type === 'edge') {
    const e = sel.api || {};
    return (
      <aside class="side" aria-label="Link details" aria-live="polite">
        <h2>{(EDGE_KINDS[e.kind] && EDGE_KINDS[e.kind].label) || e.kind || 'Edge'}</h2>
        <p>
          <button class="link" onClick={() => onPick(sel.sourceId)}>{sel.source}</button> —{' '}
          <button class="link" onClick={() => onPick(sel.targetId)}>{sel.target}</button>
        </p>
        {e.label && <p>{e.label}</p>}
        <DataList data={e.data} />
      </aside>
    );
  }
  const n = sel.api || {};
  return (
    <aside class="side" aria-label="Node details" aria-live="polite">
      <h2>{n.label || n.ip || n.id}</h2>
      <p>
        <span class="tag">{(NODE_KINDS[n.kind] && NODE_KINDS[n.kind].label) || n.kind}</span>
        {n.category && <span class="tag">{n.category}</span>}
        {n.stale && <span class="tag warn">stale</span>}
        {goneOf(n) && (
          <span class="tag warn" title={goneText(goneOf(n))}>
            gone{goneOf(n).reason === 'missed_by_scan' ? ': missed by scans' : ''}
          </span>
        )}
      </p>
      {goneOf(n) && <p class="muted small">{goneText(goneOf(n))}</p>}
      <dl class="kv">
        {n.ip && (
          <>
            <dt>Address</dt>
            <dd>{n.ip}</dd>
          </>
        )}
        {sel.parent && (
          <>
            <dt>In</dt>
            <dd>{sel.parent}</dd>
          </>
        )}
        {sel.members > 0 && (
          <>
            <dt>Members</dt>
            <dd>
              {sel.members} <button class="link" onClick={() => onCollapse(sel.id)}>collapse</button>
            </dd>
          </>
        )}
        {sel.collapsed && (
          <>
            <dt>Group</dt>
            <dd>
              collapsed <button class="link" onClick={() => onCollapse(sel.id)}>expand</button>
            </dd>
          </>
        )}
      </dl>
      <DataList data={n.data} />
      {sel.edges.length > 0 && (
        <>
          <h3>Links ({sel.edges.length})</h3>
          <ul class="plain">
            {sel.edges.slice(0, 50).map((e) => (
              <li key={e.id}>
                {(EDGE_KINDS[e.kind] && EDGE_KINDS[e.kind].label) || e.kind} — {e.other}
                {e.label && <span class="muted"> ({e.label})</span>}
              </li>
            ))}
          </ul>
        </>
      )}
      {sel.neighbours.length > 0 && (
        <>
          <h3>Neighbours</h3>
          <ul class="plain neighbours">
            {sel.neighbours.slice(0, 50).map((x) => (
              <li key={x.id}>
                <button class="link" onClick={() => onPick(x.id)}>
                  {x.label}
                </button>{' '}
                <span class="muted">{x.kind}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      {hostId && (
        <section class="host-panel" aria-label="Host">
          <h3>
            Host <Link href={`/hosts/${hostId}`}>open / edit</Link>
          </h3>
          {hostErr && <ErrorBox error={hostErr} />}
          {!host && !hostErr && <p role="status">Loading…</p>}
          {host && <TagEditor host={host} onSaved={setHost} />}
          {host && <HostDetails host={host} compact />}
        </section>
      )}
      {!hostId && n.kind === 'host' && <p class="muted">No host record linked.</p>}
      {sel.type === 'node' && !hostId && (
        <button class="link" onClick={() => navigate('/inventory')}>
          Inventory
        </button>
      )}
    </aside>
  );
}
