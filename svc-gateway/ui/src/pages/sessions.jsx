// Session history: the network's discovery runs (GET /api/v1/sessions),
// newest first, each with what it found (hosts, ports, the daemon's summary)
// and, on demand, what it changed: the network's change log between the
// run's start and a little after its end, from the run's daemon.
import { Fragment } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, hasRoute, q } from '../api.js';
import { ErrorBox } from '../components.jsx';
import { Link } from '../router.jsx';
import { when } from '../util.js';

export const FINISHED = ['completed', 'failed', 'cancelled', 'canceled'];
// Topology applies a run's last batches shortly after the daemon reports it
// finished; changes this long after the end still count as the run's.
const SETTLE_MS = 60000;

const CHANGE_WORDS = {
  host_appeared: ['host appeared', 'hosts appeared'],
  host_disappeared: ['host gone', 'hosts gone'],
  host_reappeared: ['host back', 'hosts back'],
  hosts_merged: ['hosts merged', 'hosts merged'],
  address_moved: ['address moved', 'addresses moved'],
  port_opened: ['port opened', 'ports opened'],
  port_closed: ['port closed', 'ports closed'],
  service_found: ['service found', 'services found'],
  service_changed: ['service changed', 'services changed'],
  container_appeared: ['container appeared', 'containers appeared'],
  vm_appeared: ['VM appeared', 'VMs appeared'],
  vm_moved: ['VM moved to another hypervisor', 'VMs moved to other hypervisors'],
  user_edited: ['edit by a user', 'edits by users'],
};
export function changeCounts(changes) {
  const by = {};
  for (const c of changes) by[c.kind] = (by[c.kind] || 0) + 1;
  return Object.entries(by)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${n} ${(CHANGE_WORDS[k] || [k, k])[n === 1 ? 0 : 1]}`);
}

export function changesOfSession(s, changes) {
  const from = new Date(s.started_at || s.created_at).getTime() - 1000;
  const to = s.finished_at ? new Date(s.finished_at).getTime() + SETTLE_MS : Infinity;
  return changes.filter((c) => {
    const at = new Date(c.at).getTime();
    return at >= from && at <= to && c.kind !== 'user_edited' && (!c.daemon_id || c.daemon_id === s.daemon_id);
  });
}

function detailText(c) {
  const d = c.detail || {};
  const bits = [];
  for (const k of ['ip', 'port', 'protocol', 'name', 'service', 'from', 'to', 'image']) if (d[k] !== undefined && d[k] !== null) bits.push(`${k} ${d[k]}`);
  return bits.join(', ');
}

function SessionChanges({ net, s }) {
  const [state, setState] = useState({ loading: true, error: null, list: [] });
  useEffect(() => {
    let live = true;
    const since = new Date(new Date(s.started_at || s.created_at).getTime() - 1000).toISOString();
    api
      .get(`/api/v1/networks/${net}/changes` + q({ since, limit: 1000 }))
      .then((all) => live && setState({ loading: false, error: null, list: changesOfSession(s, all) }))
      .catch((error) => live && setState({ loading: false, error, list: [] }));
    return () => {
      live = false;
    };
  }, [net, s.id, s.finished_at]);
  if (state.loading) return <p role="status">Loading the changes…</p>;
  if (state.error) return <ErrorBox error={state.error} />;
  if (state.list.length === 0) return <p class="muted">This run changed nothing in the inventory.</p>;
  return (
    <div class="session-changes">
      <p>{changeCounts(state.list).join(', ')}</p>
      <ul class="plain changes">
        {state.list.slice(0, 100).map((c) => (
          <li key={c.id}>
            <span class="tag">{c.kind.replace(/_/g, ' ')}</span>
            {c.host_id ? <Link href={`/hosts/${c.host_id}`}>{c.host || c.host_id.slice(0, 8)}</Link> : c.host}
            {detailText(c) && <span class="muted"> · {detailText(c)}</span>}
          </li>
        ))}
      </ul>
      {state.list.length > 100 && <p class="muted">and {state.list.length - 100} more.</p>}
    </div>
  );
}

export function SessionHistory({ net, daemonId, schedules, daemonName, tick }) {
  const listed = hasRoute('/api/v1/sessions');
  const [sessions, setSessions] = useState(null);
  const [error, setError] = useState(null);
  const [open, setOpen] = useState(null);
  const timer = useRef(null);
  useEffect(() => {
    if (!listed) return undefined;
    let live = true;
    const load = async () => {
      try {
        const list = await api.get('/api/v1/sessions' + q({ network_id: net, daemon_id: daemonId, limit: 50 }));
        if (!live) return;
        setSessions(list);
        setError(null);
        timer.current = setTimeout(load, list.some((s) => !FINISHED.includes(s.state)) ? 1500 : 10000);
      } catch (err) {
        if (live) setError(err);
      }
    };
    load();
    return () => {
      live = false;
      clearTimeout(timer.current);
    };
  }, [net, daemonId, listed, tick]);
  if (!listed) return null;
  const scheduleName = (id) => {
    const s = (schedules || []).find((x) => x.id === id);
    return s ? s.name || 'a schedule' : 'a deleted schedule';
  };
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <ErrorBox error={error} />
      {sessions && sessions.length === 0 && <p>No discovery has run yet.</p>}
      {sessions && sessions.length > 0 && (
        <div class="table-wrap">
          <table class="table" id="session-history">
            <caption class="sr-only">Discovery sessions, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Type</th>
                <th scope="col">Daemon</th>
                <th scope="col">By</th>
                <th scope="col">State</th>
                <th scope="col">Found</th>
                <th scope="col">Changes</th>
              </tr>
            </thead>
            <tbody>
              {sessions.map((s) => (
                <Fragment key={s.id}>
                  <tr data-session={s.id} data-state={s.state} data-schedule={s.schedule_id || ''}>
                    <td>{when(s.started_at || s.created_at)}</td>
                    <td>
                      {s.type}
                      {s.deep ? ' (deep)' : ''}
                    </td>
                    <td>{daemonName(s.daemon_id)}</td>
                    <td>{s.schedule_id ? scheduleName(s.schedule_id) : 'by hand'}</td>
                    <td>
                      <span class="state">{s.state}</span>
                      {!FINISHED.includes(s.state) && (
                        <progress max="100" value={s.progress || 0} aria-label={`Progress of the ${s.type} run`}>
                          {s.progress || 0}%
                        </progress>
                      )}
                      {s.reason && <div class="error small">{s.reason}</div>}
                    </td>
                    <td>
                      {s.hosts_found ?? 0} hosts, {s.ports_found ?? 0} ports
                      {s.summary && <div class="muted small">{s.summary}</div>}
                    </td>
                    <td>
                      <button
                        type="button"
                        class="link"
                        aria-expanded={open === s.id}
                        aria-controls={`changes-${s.id}`}
                        onClick={() => setOpen(open === s.id ? null : s.id)}
                      >
                        {open === s.id ? 'Hide' : 'Show'}
                        <span class="sr-only"> what the run of {when(s.started_at || s.created_at)} changed</span>
                      </button>
                    </td>
                  </tr>
                  {open === s.id && (
                    <tr class="expanded">
                      <td colSpan={7} id={`changes-${s.id}`}>
                        <SessionChanges net={net} s={s} />
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
