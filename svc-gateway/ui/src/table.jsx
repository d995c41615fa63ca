// ServerTable: one page of a list route at a time, filtered, sorted and paged
// by the server (limit, offset, X-Total-Count). The filters and sortable
// columns are the ones the route documents in the OpenAPI document: q (text),
// stale, tag, vlan, and a select for each parameter with a fixed set of
// values; a column sorts when its key is in the route's sort enum.
// CSV export reads every matching page.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ErrorBox } from './components.jsx';
import { Link } from './router.jsx';
import { q, request, routeParams } from './api.js';
import { download, toCsv, when } from './util.js';

const CSV_PAGE = 1000;
const CSV_MAX = 100000;

async function fetchPage(route, params) {
  const res = await request('GET', route + q(params), undefined, { raw: true });
  const body = await res.json();
  const rows = Array.isArray(body) ? body : body.items || [];
  const header = res.headers.get('X-Total-Count');
  return { rows, total: header === null ? null : Number(header) };
}

export function useDebounced(value, ms) {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

function sortOptions(schema) {
  return (schema && (schema.enum || (schema.items && schema.items.enum))) || [];
}

const PAGE_SIZES = [10, 25, 50, 100, 200];

export function ServerTable({ id, route, params, columns, filename, defaultSort }) {
  const docs = routeParams(route);
  const sorts = sortOptions(docs.sort);
  const vlanName = docs.vlan ? 'vlan' : docs.vlan_id ? 'vlan_id' : null;
  // Other documented parameters with a fixed set of values: a select each.
  const enums = Object.entries(docs).filter(([k, sch]) => !['sort', 'q', 'stale', 'tag', 'vlan', 'vlan_id'].includes(k) && Array.isArray(sch.enum));
  const [choice, setChoice] = useState({});
  const [text, setText] = useState('');
  const [stale, setStale] = useState('');
  const [tag, setTag] = useState('');
  const [vlan, setVlan] = useState('');
  const [sort, setSort] = useState(defaultSort && sorts.includes(defaultSort) ? defaultSort : '');
  const [page, setPage] = useState(0);
  const [pageSize, setPageSize] = useState(50);
  const [state, setState] = useState({ rows: [], total: null, loading: true, error: null });
  const [exporting, setExporting] = useState(false);
  const seq = useRef(0);
  const qText = useDebounced(text.trim(), 300);
  const qTag = useDebounced(tag.trim(), 300);
  const qVlan = useDebounced(vlan.trim(), 300);

  const filters = {
    ...params,
    ...(docs.q ? { q: qText } : {}),
    ...(docs.stale ? { stale } : {}),
    ...(docs.tag ? { tag: qTag } : {}),
    ...(vlanName ? { [vlanName]: qVlan } : {}),
    ...choice,
    ...(sort ? { sort } : {}),
  };
  const key = JSON.stringify(filters);
  useEffect(() => setPage(0), [key, pageSize]);
  useEffect(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true, error: null }));
    fetchPage(route, { ...filters, limit: pageSize, offset: page * pageSize }).then(
      (r) => mine === seq.current && setState({ ...r, loading: false, error: null }),
      (error) => mine === seq.current && setState({ rows: [], total: null, loading: false, error }),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [route, key, page, pageSize]);

  const shownCols = columns.filter((c) => !c.when || c.when(state.rows));
  const total = state.total;
  const pages = total === null ? null : Math.max(1, Math.ceil(total / pageSize));
  const hasNext = pages === null ? state.rows.length === pageSize : page < pages - 1;
  const sortKey = (c) => c.sortKey || c.key;
  const sortable = (c) => sorts.includes(sortKey(c));
  const sortBy = (c) => {
    const k = sortKey(c);
    setSort(sort === k && sorts.includes('-' + k) ? '-' + k : k);
  };
  const ariaSort = (c) => (sort === sortKey(c) ? 'ascending' : sort === '-' + sortKey(c) ? 'descending' : 'none');

  const exportCsv = async () => {
    setExporting(true);
    try {
      const all = [];
      for (let offset = 0; offset < CSV_MAX; offset += CSV_PAGE) {
        const r = await fetchPage(route, { ...filters, limit: CSV_PAGE, offset });
        all.push(...r.rows);
        if (r.rows.length < CSV_PAGE || (r.total !== null && all.length >= r.total)) break;
      }
      download(filename, toCsv(shownCols, all), 'text/csv');
    } catch (error) {
      setState((s) => ({ ...s, error }));
    } finally {
      setExporting(false);
    }
  };

  return (
    <div class="datatable" data-server="true">
      <div class="toolbar">
        {docs.q && (
          <label>
            <span class="sr-only">Filter</span>
            <input type="search" placeholder={docs.q.description ? `Filter: ${docs.q.description}…` : 'Filter…'} value={text} onInput={(e) => setText(e.currentTarget.value)} aria-controls={id} />
          </label>
        )}
        {docs.stale && (
          <label>
            Seen{' '}
            <select value={stale} onChange={(e) => setStale(e.currentTarget.value)} aria-controls={id}>
              <option value="">any time</option>
              <option value="false">in the last 7 days</option>
              <option value="true">not for 7 days (stale)</option>
            </select>
          </label>
        )}
        {docs.tag && (
          <label>
            Tag <input size={10} value={tag} onInput={(e) => setTag(e.currentTarget.value)} aria-controls={id} />
          </label>
        )}
        {vlanName && (
          <label>
            VLAN <input size={5} inputMode="numeric" value={vlan} onInput={(e) => setVlan(e.currentTarget.value)} aria-controls={id} />
          </label>
        )}
        {enums.map(([k, sch]) => (
          <label key={k}>
            {k.replace(/_/g, ' ')}{' '}
            <select value={choice[k] || ''} onChange={(e) => setChoice({ ...choice, [k]: e.currentTarget.value })} aria-controls={id}>
              <option value="">any</option>
              {sch.enum.map((v) => (
                <option key={v} value={v}>
                  {String(v).replace(/_/g, ' ')}
                </option>
              ))}
            </select>
          </label>
        ))}
        <span class="muted" aria-live="polite" data-total={total === null ? '' : total}>
          {state.loading ? 'Loading…' : total === null ? `${state.rows.length} shown` : `${total} matching`}
        </span>
        <button type="button" onClick={exportCsv} disabled={exporting}>
          {exporting ? 'Exporting…' : 'Export CSV'}
        </button>
      </div>
      <ErrorBox error={state.error} />
      <div class="table-wrap">
        <table class="table" id={id} aria-busy={state.loading ? 'true' : 'false'}>
          <thead>
            <tr>
              {shownCols.map((c) => (
                <th key={c.key} scope="col" aria-sort={sortable(c) ? ariaSort(c) : undefined}>
                  {sortable(c) ? (
                    <button type="button" class="sort" onClick={() => sortBy(c)}>
                      {c.label}
                      <span aria-hidden="true">{ariaSort(c) === 'ascending' ? ' ▲' : ariaSort(c) === 'descending' ? ' ▼' : ''}</span>
                    </button>
                  ) : (
                    c.label
                  )}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {state.rows.map((r, i) => (
              <tr key={r.id || i}>
                {shownCols.map((c) => (
                  <td key={c.key}>
                    {c.link && c.link(r) ? <Link href={c.link(r)}>{c.value(r) || '(unnamed)'}</Link> : c.show ? <span title={when(c.value(r))}>{c.show(r)}</span> : c.value(r)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!state.loading && state.rows.length === 0 && <p>Nothing matches.</p>}
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
          Previous
        </button>
        <span aria-live="polite">{pages === null ? `Page ${page + 1}` : `Page ${page + 1} of ${pages}`}</span>
        <button type="button" disabled={!hasNext} onClick={() => setPage(page + 1)}>
          Next
        </button>
        <label>
          Rows per page{' '}
          <select id={id + '-pagesize'} value={pageSize} onChange={(e) => setPageSize(Number(e.currentTarget.value))} aria-controls={id}>
            {PAGE_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      </nav>
    </div>
  );
}
