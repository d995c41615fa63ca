// Discover > Discovery: scan now, and the progress of the sessions started.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, hasRoute, q } from '../api.js';
import { ErrorBox, Field, NeedNetwork, useAsync } from '../components.jsx';
import { useApp } from '../state.js';
import { when } from '../util.js';
import { FINISHED } from './sessions.jsx';

const TYPES = [
  ['network', 'Network (ARP, ICMP, TCP/UDP, protocol probes)'],
  ['unified', 'Unified (everything the daemon can do)'],
  ['snmp', 'SNMP'],
  ['docker', 'Docker'],
  ['self_report', 'Self report (the daemon host only)'],
];
const RECENT_KEY = 'scanopy.sessions';

function recentIds(net) {
  try {
    return (JSON.parse(localStorage.getItem(RECENT_KEY) || '{}')[net] || []).slice(0, 20);
  } catch {
    return [];
  }
}
function remember(net, id) {
  let all = {};
  try {
    all = JSON.parse(localStorage.getItem(RECENT_KEY) || '{}');
  } catch {
    /* reset */
  }
  all[net] = [id, ...(all[net] || []).filter((x) => x !== id)].slice(0, 20);
  localStorage.setItem(RECENT_KEY, JSON.stringify(all));
}

export function DiscoveryPage() {
  const app = useApp();
  const net = app.networkId;
  const daemons = useAsync(() => (net ? api.get('/api/v1/daemons' + q({ network_id: net })) : []), [net]);
  const listed = hasRoute('/api/v1/sessions');
  const [sessions, setSessions] = useState([]);
  const [f, setF] = useState({ type: 'network', targets: '', deep: false, daemon_id: '' });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const timer = useRef(null);

  // The sessions to show: the server's list when it has one, else the ones
  // started from this browser; refreshed every second while one runs.
  useEffect(() => {
    if (!net) return undefined;
    let live = true;
    const load = async () => {
      let list;
      if (listed) {
        const r = await api.get('/api/v1/sessions' + q({ network_id: net, limit: 20 }));
        list = Array.isArray(r) ? r : r.items || r.sessions || [];
      } else {
        list = (await Promise.all(recentIds(net).map((id) => api.get(`/api/v1/sessions/${id}`).catch(() => null)))).filter(Boolean);
      }
      if (!live) return;
      setSessions(list);
      const running = list.some((s) => !FINISHED.includes(s.state));
      timer.current = setTimeout(load, running ? 1000 : 5000);
    };
    load().catch((e) => live && setError(e));
    return () => {
      live = false;
      clearTimeout(timer.current);
    };
  }, [net, listed]);

  if (!net) return <section class="page"><h1>Discovery</h1><NeedNetwork /></section>;

  const start = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const targets = f.targets.split(/[\s,]+/).filter(Boolean);
    try {
      const s = await api.post(`/api/v1/networks/${net}/discoveries`, {
        type: f.type,
        deep: f.deep,
        ...(targets.length ? { targets } : {}),
        ...(f.daemon_id ? { daemon_id: f.daemon_id } : {}),
      });
      remember(net, s.id);
      setSessions((cur) => [s, ...cur.filter((x) => x.id !== s.id)]);
      clearTimeout(timer.current);
      const poll = async () => {
        const cur = await api.get(`/api/v1/sessions/${s.id}`);
        setSessions((list) => list.map((x) => (x.id === cur.id ? cur : x)));
        if (!FINISHED.includes(cur.state)) timer.current = setTimeout(poll, 1000);
      };
      timer.current = setTimeout(poll, 1000);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const cancel = async (id) => {
    try {
      await api.post(`/api/v1/sessions/${id}/cancel`);
    } catch (err) {
      setError(err);
    }
  };
  const canRun = app.user && app.user.role !== 'viewer';
  return (
    <section class="page">
      <h1>Discover › Discovery</h1>
      {canRun && (
        <form class="card inline-form" onSubmit={start} aria-labelledby="scan-title">
          <h2 id="scan-title">Scan now</h2>
          <ErrorBox error={error} />
          <div class="row">
            <Field label="Type" id="scan-type">
              <select id="scan-type" value={f.type} onChange={(e) => setF({ ...f, type: e.currentTarget.value })}>
                {TYPES.map(([v, l]) => (
                  <option key={v} value={v}>
                    {l}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Targets (CIDRs or addresses)" id="scan-targets" hint="Empty: the daemon's own subnets.">
              <input id="scan-targets" placeholder="10.0.0.0/24, 10.0.1.5" value={f.targets} onInput={(e) => setF({ ...f, targets: e.currentTarget.value })} aria-describedby="scan-targets-hint" />
            </Field>
            <Field label="Daemon" id="scan-daemon">
              <select id="scan-daemon" value={f.daemon_id} onChange={(e) => setF({ ...f, daemon_id: e.currentTarget.value })}>
                <option value="">The most recently seen</option>
                {(daemons.data || []).map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.name}
                  </option>
                ))}
              </select>
            </Field>
            <label class="check">
              <input type="checkbox" checked={f.deep} onChange={(e) => setF({ ...f, deep: e.currentTarget.checked })} /> Deep scan
            </label>
          </div>
          <button class="primary" type="submit" disabled={busy || (daemons.data && daemons.data.length === 0)}>
            {busy ? 'Starting…' : 'Start discovery'}
          </button>
          {daemons.data && daemons.data.length === 0 && <p class="note">No daemon in this network yet: create one under Daemons.</p>}
        </form>
      )}
      <h2>{listed ? 'Sessions' : 'Sessions started from this browser'}</h2>
      {sessions.length === 0 && <p>None yet.</p>}
      <ul class="sessions" aria-live="polite">
        {sessions.map((s) => (
          <li class="card session" key={s.id} data-state={s.state}>
            <div class="page-head">
              <strong>
                {s.type}
                {s.deep ? ' (deep)' : ''} — <span class="state">{s.state}</span>
              </strong>
              {!FINISHED.includes(s.state) && hasRoute('/api/v1/sessions/{id}/cancel', 'post') && canRun && (
                <button class="link" onClick={() => cancel(s.id)}>
                  Cancel
                </button>
              )}
            </div>
            <progress max="100" value={s.progress || 0} aria-label={`Progress of the ${s.type} discovery`}>
              {s.progress || 0}%
            </progress>
            <p class="muted">
              {s.phase ? `${s.phase} · ` : ''}
              {s.hosts_found ?? 0} hosts, {s.ports_found ?? 0} ports · started {when(s.started_at || s.created_at)}
              {s.finished_at ? ` · finished ${when(s.finished_at)}` : ''}
              {(s.targets || []).length ? ` · ${s.targets.join(', ')}` : ''}
            </p>
            {s.reason && <p class="error">{s.reason}</p>}
          </li>
        ))}
      </ul>
    </section>
  );
}
