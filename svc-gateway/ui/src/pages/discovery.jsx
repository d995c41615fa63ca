// Discover > Discovery: scan now, and the progress of the sessions started,
// live from the gateway's server-sent events (polling while the stream is
// not up).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, hasRoute, q } from '../api.js';
import { ErrorBox, Field, NeedNetwork, useAsync } from '../components.jsx';
import { useApp } from '../state.js';
import { when } from '../util.js';
import { FINISHED } from './sessions.jsx';
import { sessionPatch, useEvents } from '../events.js';

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
  const [applied, setApplied] = useState(0); // session events applied
  const loadRef = useRef(null);
  const shownRef = useRef(sessions);
  shownRef.current = sessions;

  // Live progress: the network's session events (server-sent events). A
  // session this page does not show yet, or one that finished, is read again
  // from the API (its summary and times are not in the event).
  const stream = useEvents(net, {
    session: (ev) => {
      const id = ev.session && ev.session.session_id;
      if (!id) return;
      const patch = sessionPatch(ev.session);
      const known = shownRef.current.some((x) => x.id === id);
      setSessions((list) => list.map((x) => (x.id === id ? { ...x, ...patch } : x)));
      setApplied((n) => n + 1);
      if ((!known || FINISHED.includes(patch.state)) && loadRef.current) loadRef.current(id);
    },
  });
  const live = stream === 'live';

  // The sessions to show: the server's list when it has one, else the ones
  // started from this browser. Read once when the stream is live (events
  // bring the rest, and a slow re-read catches what sends none); while it is
  // not, polled every second while one runs.
  useEffect(() => {
    if (!net) return undefined;
    let on = true;
    const fetchList = async () => {
      if (listed) {
        const r = await api.get('/api/v1/sessions' + q({ network_id: net, limit: 20 }));
        return Array.isArray(r) ? r : r.items || r.sessions || [];
      }
      return (await Promise.all(recentIds(net).map((id) => api.get(`/api/v1/sessions/${id}`).catch(() => null)))).filter(Boolean);
    };
    const load = async () => {
      clearTimeout(timer.current);
      const list = await fetchList();
      if (!on) return;
      setSessions(list);
      // Live, a running session is still read now and then: a session the
      // scheduler ends (stalled, its daemon gone) sends no event.
      const running = list.some((s) => !FINISHED.includes(s.state));
      if (live && !running) return;
      timer.current = setTimeout(() => load().catch((e) => on && setError(e)), live ? 15000 : running ? 1000 : 5000);
    };
    // One session again (an event about it); the whole list for one unknown.
    const one = async (id) => {
      const cur = await api.get(`/api/v1/sessions/${id}`);
      if (on) setSessions((list) => (list.some((x) => x.id === id) ? list.map((x) => (x.id === id ? cur : x)) : [cur, ...list]));
    };
    loadRef.current = (id) => (listed ? load() : one(id)).catch((e) => on && setError(e));
    load().catch((e) => on && setError(e));
    return () => {
      on = false;
      clearTimeout(timer.current);
    };
  }, [net, listed, live]);

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
      // Without the stream, poll the new session until it ends.
      if (!live) {
        clearTimeout(timer.current);
        const poll = async () => {
          const cur = await api.get(`/api/v1/sessions/${s.id}`);
          setSessions((list) => list.map((x) => (x.id === cur.id ? cur : x)));
          if (!FINISHED.includes(cur.state)) timer.current = setTimeout(poll, 1000);
        };
        timer.current = setTimeout(poll, 1000);
      }
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
      <div class="page-head">
        <h2>{listed ? 'Sessions' : 'Sessions started from this browser'}</h2>
        <span class={'live-state ' + (live ? 'ok' : 'muted')} role="status">
          {live ? 'Live updates' : stream === 'connecting' ? 'Connecting to live updates…' : 'Live updates unavailable: refreshing every second'}
        </span>
      </div>
      {sessions.length === 0 && <p>None yet.</p>}
      <ul class="sessions" aria-live="polite" data-updates={live ? 'events' : 'polling'} data-events={applied}>
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
