// Discover > Schedules: the network's discovery schedules (per daemon), each
// on a cron expression in an IANA time zone or on an interval, with deep
// scans every Nth run; create, edit, pause/resume, run now, delete. Below,
// the session history with what each run found and changed.
import { useState } from 'preact/hooks';
import { api, hasRoute, q } from '../api.js';
import { ErrorBox, Field, NeedNetwork, NotDeployed, useAsync } from '../components.jsx';
import { useApp } from '../state.js';
import { when } from '../util.js';
import { SessionHistory } from './sessions.jsx';

export const DISCOVERY_TYPES = [
  ['network', 'Network'],
  ['unified', 'Unified'],
  ['snmp', 'SNMP'],
  ['docker', 'Docker'],
  ['self_report', 'Self report'],
];
const typeLabel = (t) => (DISCOVERY_TYPES.find(([v]) => v === t) || [t, t])[1];

// The browser's IANA zones (with UTC first), for the zone picker.
function timeZones() {
  let zones = [];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    /* an older browser: the field takes any name */
  }
  return ['UTC', ...zones.filter((z) => z !== 'UTC')];
}
const localZone = () => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
};

export function rhythm(s) {
  if (s.cron) return `cron ${s.cron} (${s.time_zone})`;
  const n = s.interval_seconds || 0;
  if (n % 86400 === 0) return `every ${n / 86400} d`;
  if (n % 3600 === 0) return `every ${n / 3600} h`;
  return `every ${Math.round(n / 60)} min`;
}
const ordinal = (n) => {
  const t = n % 100, u = n % 10;
  return n + (t >= 11 && t <= 13 ? 'th' : u === 1 ? 'st' : u === 2 ? 'nd' : u === 3 ? 'rd' : 'th');
};
export function deepness(s) {
  if (s.deep) return 'every run';
  if (s.deep_every > 0) return s.deep_every === 1 ? 'every run' : `every ${ordinal(s.deep_every)} run`;
  return 'never';
}

const blank = (daemonId) => ({
  name: '',
  daemon_id: daemonId || '',
  type: 'network',
  timing: 'interval',
  cron: '0 2 * * *',
  time_zone: localZone(),
  interval_minutes: 60,
  deep: false,
  deep_every: 0,
  targets: '',
  paused: false,
});
const fromSchedule = (s) => ({
  name: s.name || '',
  daemon_id: s.daemon_id,
  type: s.type,
  timing: s.cron ? 'cron' : 'interval',
  cron: s.cron || '0 2 * * *',
  time_zone: s.time_zone || 'UTC',
  interval_minutes: s.interval_seconds ? Math.round(s.interval_seconds / 60) : 60,
  deep: !!s.deep,
  deep_every: s.deep_every || 0,
  targets: (s.targets || []).join(', '),
  paused: !!s.paused,
});
function toBody(f, creating) {
  const body = {
    name: f.name.trim() || (creating ? undefined : ''),
    type: f.type,
    deep: f.deep,
    deep_every: Number(f.deep_every) || 0,
    targets: f.targets.split(/[\s,]+/).filter(Boolean),
  };
  if (f.timing === 'cron') Object.assign(body, { cron: f.cron.trim(), time_zone: f.time_zone, interval_seconds: null });
  else Object.assign(body, { interval_seconds: Math.round(Number(f.interval_minutes) * 60), cron: null });
  if (creating) Object.assign(body, { daemon_id: f.daemon_id, paused: f.paused });
  if (body.name === undefined) delete body.name;
  return body;
}

function ScheduleForm({ initial, daemons, editing, onSaved, onCancel }) {
  const [f, setF] = useState(initial);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.type === 'checkbox' ? e.currentTarget.checked : e.currentTarget.value });
  const fieldError = (name) => (error && error.field === name ? error.message : null);
  const save = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = toBody(f, !editing);
      const s = editing ? await api.patch(`/api/v1/schedules/${editing}`, body) : await api.post('/api/v1/schedules', body);
      onSaved(s);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const zones = timeZones();
  const title = editing ? 'Edit schedule' : 'New schedule';
  return (
    <form class="dialog inline-form" id="schedule-form" onSubmit={save} aria-labelledby="schedule-form-title">
      <h2 id="schedule-form-title">{title}</h2>
      {error && !error.field && <ErrorBox error={error} />}
      <div class="row">
        <Field label="Name" id="sch-name" error={fieldError('name')}>
          <input id="sch-name" value={f.name} maxLength={200} placeholder="Nightly sweep" onInput={set('name')} />
        </Field>
        <Field label="Daemon" id="sch-daemon" error={fieldError('daemon_id')}>
          <select id="sch-daemon" value={f.daemon_id} onChange={set('daemon_id')} disabled={!!editing} required>
            {!f.daemon_id && <option value="">Choose a daemon</option>}
            {daemons.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Type" id="sch-type" error={fieldError('type')}>
          <select id="sch-type" value={f.type} onChange={set('type')}>
            {DISCOVERY_TYPES.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <fieldset class="plainset">
        <legend>When</legend>
        <label class="check">
          <input type="radio" name="sch-timing" value="interval" checked={f.timing === 'interval'} onChange={() => setF({ ...f, timing: 'interval' })} /> Every
          interval
        </label>
        <label class="check">
          <input type="radio" name="sch-timing" value="cron" checked={f.timing === 'cron'} onChange={() => setF({ ...f, timing: 'cron' })} /> Cron expression
        </label>
        <div class="row">
          {f.timing === 'interval' ? (
            <Field label="Interval (minutes)" id="sch-interval" error={fieldError('interval_seconds')} hint="1 minute at least.">
              <input id="sch-interval" type="number" min={1} max={527040} required value={f.interval_minutes} onInput={set('interval_minutes')} aria-describedby="sch-interval-hint" />
            </Field>
          ) : (
            <>
              <Field label="Cron (minute hour day month weekday)" id="sch-cron" error={fieldError('cron')} hint="e.g. 30 2 * * 1-5, */15 * * * *, @daily">
                <input id="sch-cron" required value={f.cron} onInput={set('cron')} aria-describedby="sch-cron-hint" spellcheck={false} />
              </Field>
              <Field label="Time zone" id="sch-zone" error={fieldError('time_zone')}>
                <input id="sch-zone" list="sch-zones" required value={f.time_zone} onInput={set('time_zone')} spellcheck={false} />
                <datalist id="sch-zones">
                  {zones.map((z) => (
                    <option key={z} value={z} />
                  ))}
                </datalist>
              </Field>
            </>
          )}
        </div>
      </fieldset>
      <div class="row">
        <label class="check">
          <input id="sch-deep" type="checkbox" checked={f.deep} onChange={set('deep')} /> Every run deep (all ports)
        </label>
        <Field label="Deep every Nth run" id="sch-deep-every" error={fieldError('deep_every')} hint="0: never (unless every run is deep).">
          <input id="sch-deep-every" type="number" min={0} max={1000} value={f.deep_every} disabled={f.deep} onInput={set('deep_every')} aria-describedby="sch-deep-every-hint" />
        </Field>
        <Field label="Targets (CIDRs or addresses)" id="sch-targets" error={fieldError('targets')} hint="Empty: the daemon's own subnets.">
          <input id="sch-targets" placeholder="10.0.0.0/24" value={f.targets} onInput={set('targets')} aria-describedby="sch-targets-hint" />
        </Field>
        {!editing && (
          <label class="check">
            <input id="sch-paused" type="checkbox" checked={f.paused} onChange={set('paused')} /> Start paused
          </label>
        )}
      </div>
      <div class="inline">
        <button class="primary" type="submit" disabled={busy}>
          {busy ? 'Saving…' : editing ? 'Save schedule' : 'Create schedule'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function ScheduleRow({ s, daemonName, canEdit, onEdit, onChanged, onRan, onError }) {
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const label = s.name || `${typeLabel(s.type)} on ${daemonName}`;
  const act = async (fn) => {
    setBusy(true);
    try {
      await fn();
    } catch (err) {
      onError(err);
    } finally {
      setBusy(false);
    }
  };
  const togglePause = () => act(async () => onChanged(await api.patch(`/api/v1/schedules/${s.id}`, { paused: !s.paused })));
  const runNow = () => act(async () => onRan(await api.post(`/api/v1/schedules/${s.id}/run`)));
  const remove = () => act(async () => {
    await api.del(`/api/v1/schedules/${s.id}`);
    onChanged(null, s.id);
  });
  return (
    <tr data-schedule={s.id} data-paused={s.paused ? 'true' : 'false'}>
      <th scope="row">{label}</th>
      <td>{daemonName}</td>
      <td>{typeLabel(s.type)}</td>
      <td>{rhythm(s)}</td>
      <td>{deepness(s)}</td>
      <td>
        {s.paused ? <span class="tag warn">paused</span> : <span class="tag">active</span>}
        {s.last_error && <div class="error small">{s.last_error}</div>}
      </td>
      <td>{s.paused ? '—' : when(s.next_run_at)}</td>
      <td>
        {s.last_run_at ? when(s.last_run_at) : 'never'}
        <div class="muted small">{s.run_count || 0} runs</div>
      </td>
      {canEdit && (
        <td class="actions">
          {confirm ? (
            <span class="inline" role="group" aria-label={`Delete ${label}?`}>
              <button type="button" class="danger" disabled={busy} onClick={remove}>
                Delete
              </button>
              <button type="button" onClick={() => setConfirm(false)}>
                Keep
              </button>
            </span>
          ) : (
            <span class="inline">
              <button type="button" disabled={busy} onClick={runNow} aria-label={`Run ${label} now`}>
                Run now
              </button>
              <button type="button" disabled={busy} onClick={togglePause} aria-label={`${s.paused ? 'Resume' : 'Pause'} ${label}`}>
                {s.paused ? 'Resume' : 'Pause'}
              </button>
              <button type="button" disabled={busy} onClick={() => onEdit(s)} aria-label={`Edit ${label}`}>
                Edit
              </button>
              <button type="button" class="link" disabled={busy} onClick={() => setConfirm(true)} aria-label={`Delete ${label}`}>
                Delete
              </button>
            </span>
          )}
        </td>
      )}
    </tr>
  );
}

export function SchedulesPage() {
  const app = useApp();
  const net = app.networkId;
  const deployed = hasRoute('/api/v1/schedules');
  const [daemonId, setDaemonId] = useState(() => new URLSearchParams(location.search).get('daemon') || '');
  const [form, setForm] = useState(null); // null, {new: true} or {edit: schedule}
  const [error, setError] = useState(null);
  const [historyTick, setHistoryTick] = useState(0);
  const daemons = useAsync(() => (net ? api.get('/api/v1/daemons' + q({ network_id: net })) : []), [net]);
  const schedules = useAsync(
    () => (net && deployed ? api.get('/api/v1/schedules' + q({ network_id: net, daemon_id: daemonId })) : []),
    [net, deployed, daemonId],
  );
  if (!net) return <section class="page"><h1>Discover › Schedules</h1><NeedNetwork /></section>;
  if (!deployed) return <section class="page"><h1>Discover › Schedules</h1><NotDeployed what="discovery schedules" /></section>;

  const canEdit = app.user && app.user.role !== 'viewer';
  const ds = daemons.data || [];
  const nameOf = (id) => (ds.find((d) => d.id === id) || {}).name || id.slice(0, 8);
  const rows = schedules.data || [];
  const saved = () => {
    setForm(null);
    schedules.reload();
  };
  return (
    <section class="page">
      <div class="page-head">
        <h1>Discover › Schedules</h1>
        {canEdit && !form && (
          <button class="primary" type="button" disabled={ds.length === 0} onClick={() => setForm({ new: true })}>
            New schedule
          </button>
        )}
      </div>
      {daemons.data && ds.length === 0 && <p class="note">No daemon in this network yet: create one under Daemons, then schedule its scans.</p>}
      {form && (
        <ScheduleForm
          key={form.edit ? form.edit.id : 'new'}
          initial={form.edit ? fromSchedule(form.edit) : blank(daemonId || (ds[0] && ds[0].id))}
          editing={form.edit && form.edit.id}
          daemons={ds}
          onSaved={saved}
          onCancel={() => setForm(null)}
        />
      )}
      <ErrorBox error={error || schedules.error} />
      <div class="toolbar">
        <label>
          Daemon{' '}
          <select id="sch-filter-daemon" value={daemonId} onChange={(e) => setDaemonId(e.currentTarget.value)}>
            <option value="">All daemons</option>
            {ds.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <span class="muted" aria-live="polite">
          {schedules.loading ? 'Loading…' : `${rows.length} schedule${rows.length === 1 ? '' : 's'}`}
        </span>
      </div>
      {rows.length === 0 && !schedules.loading ? (
        <p>No schedules{daemonId ? ' for this daemon' : ''} yet.</p>
      ) : (
        <div class="table-wrap">
          <table class="table" id="schedules">
            <caption class="sr-only">Discovery schedules</caption>
            <thead>
              <tr>
                <th scope="col">Schedule</th>
                <th scope="col">Daemon</th>
                <th scope="col">Type</th>
                <th scope="col">When</th>
                <th scope="col">Deep</th>
                <th scope="col">State</th>
                <th scope="col">Next run</th>
                <th scope="col">Last run</th>
                {canEdit && <th scope="col"><span class="sr-only">Actions</span></th>}
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => (
                <ScheduleRow
                  key={s.id}
                  s={s}
                  daemonName={nameOf(s.daemon_id)}
                  canEdit={canEdit}
                  onEdit={(x) => setForm({ edit: x })}
                  onChanged={() => {
                    setError(null);
                    schedules.reload();
                  }}
                  onRan={() => {
                    setError(null);
                    schedules.reload();
                    setHistoryTick((t) => t + 1);
                  }}
                  onError={setError}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <SessionHistory net={net} daemonId={daemonId} schedules={rows} daemonName={nameOf} tick={historyTick} />
    </section>
  );
}
