// The inventory's Applications tab: every application of the network, those
// scans inferred (compose projects) and those users made, and for the one
// selected its members and dependencies. Members and up may create, rename,
// describe and tag applications (an inferred one keeps its discovered name
// beside the user's), add members (a container, a host, or one service of a
// host), draw dependencies on other applications (optionally between two
// members users added), and delete what they made. Scans never change any
// of it. Only the public API: /api/v1/applications and its sub-routes.
import { useMemo, useState } from 'preact/hooks';
import { api, hasRoute, q } from '../api.js';
import { ErrorBox, Field, useAsync } from '../components.jsx';
import { Link } from '../router.jsx';
import { useApp } from '../state.js';
import { ago } from '../util.js';

const LIST = '/api/v1/applications';
const tagList = (s) => s.split(',').map((t) => t.trim()).filter(Boolean);
const canWrite = (app) => !!app.user && ['member', 'admin', 'owner'].includes(app.user.role);
const memberLabel = (m) =>
  m.kind === 'service' ? `${m.name || `${m.port}/${m.protocol}`}` : m.name || (m.workload_id || m.host_id || '').slice(0, 8);

// useAction: an error to show and run(fn), which clears it, awaits fn and
// keeps what it threw. Every form and button here acts through it.
function useAction() {
  const [error, setError] = useState(null);
  const run = async (fn) => {
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(err);
    }
  };
  return [error, run];
}

// A list with a column per field and a last one for its Remove buttons.
function ItemTable({ caption, columns, items, children }) {
  if (items.length === 0) return <p>None yet.</p>;
  return (
    <table class="table">
      <caption class="sr-only">{caption}</caption>
      <thead>
        <tr>
          {columns.map((c) => (
            <th scope="col" key={c}>
              {c}
            </th>
          ))}
          <th scope="col">
            <span class="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>{items.map(children)}</tbody>
    </table>
  );
}

function RemoveButton({ label, onClick }) {
  return (
    <button type="button" onClick={onClick} aria-label={label}>
      Remove
    </button>
  );
}

async function all(route, params) {
  return api.get(route + q({ ...params, limit: 1000 }));
}

// What a member may be: the network's containers, hosts and services.
function useCandidates(net) {
  return useAsync(async () => {
    const [workloads, hosts, services] = await Promise.all([
      hasRoute('/api/v1/workloads') ? all('/api/v1/workloads', { network_id: net }) : [],
      all('/api/v1/hosts', { network_id: net }),
      hasRoute('/api/v1/services') ? all('/api/v1/services', { network_id: net }) : [],
    ]);
    const hostName = Object.fromEntries(hosts.map((h) => [h.id, h.hostname || (h.interfaces && h.interfaces[0] && h.interfaces[0].ip) || h.id.slice(0, 8)]));
    return {
      workload: workloads.map((w) => ({ value: w.id, label: `${w.name || w.external_id}${w.parent_host ? ' on ' + w.parent_host : ''}` })),
      host: hosts.map((h) => ({ value: h.id, label: hostName[h.id] })),
      service: services.map((s) => ({
        value: `${s.host_id}|${s.protocol}|${s.port}`,
        label: `${s.name} ${s.port}/${s.protocol} on ${hostName[s.host_id] || s.host || s.host_id.slice(0, 8)}`,
      })),
    };
  }, [net]);
}

function NewApplication({ net, onCreated }) {
  const [name, setName] = useState('');
  const [desc, setDesc] = useState('');
  const [tags, setTags] = useState('');
  const [error, run] = useAction();
  const submit = (e) => {
    e.preventDefault();
    run(async () => {
      const a = await api.post(LIST, { network_id: net, name, description: desc || null, tags: tagList(tags) });
      setName('');
      setDesc('');
      setTags('');
      onCreated(a);
    });
  };
  return (
    <form class="card inline-form" id="app-new" onSubmit={submit}>
      <h2>New application</h2>
      <ErrorBox error={error} />
      <Field label="Name" id="app-new-name">
        <input id="app-new-name" required maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      <Field label="Description" id="app-new-desc">
        <input id="app-new-desc" maxLength={4000} value={desc} onInput={(e) => setDesc(e.currentTarget.value)} />
      </Field>
      <Field label="Tags (comma-separated)" id="app-new-tags">
        <input id="app-new-tags" value={tags} onInput={(e) => setTags(e.currentTarget.value)} />
      </Field>
      <button class="primary" type="submit">
        Create application
      </button>
    </form>
  );
}

function EditApplication({ a, write, onSaved, onDeleted }) {
  const [name, setName] = useState(a.user_name || (a.source === 'user' ? a.name : ''));
  const [desc, setDesc] = useState(a.description || '');
  const [tags, setTags] = useState((a.tags || []).join(', '));
  const [error, run] = useAction();
  const [saved, setSaved] = useState(false);
  const save = (e) => {
    e.preventDefault();
    setSaved(false);
    run(async () => {
      onSaved(await api.patch(`${LIST}/${a.id}`, { name: name.trim() || null, description: desc || null, tags: tagList(tags) }));
      setSaved(true);
    });
  };
  const remove = () => {
    if (!confirm(`Delete the application ${a.name}? Its members and the dependencies on it go with it.`)) return;
    run(async () => {
      await api.del(`${LIST}/${a.id}`);
      onDeleted(a);
    });
  };
  return (
    <form class="inline-form" id="app-edit" onSubmit={save}>
      <ErrorBox error={error} />
      <Field label="Name" id="app-edit-name" hint={a.source !== 'user' ? `Discovered as ${a.discovered_name}; empty shows that name again.` : null}>
        <input id="app-edit-name" maxLength={200} disabled={!write} value={name} onInput={(e) => setName(e.currentTarget.value)} aria-describedby={a.source !== 'user' ? 'app-edit-name-hint' : undefined} />
      </Field>
      <Field label="Description" id="app-edit-desc">
        <input id="app-edit-desc" maxLength={4000} disabled={!write} value={desc} onInput={(e) => setDesc(e.currentTarget.value)} />
      </Field>
      <Field label="Tags (comma-separated)" id="app-edit-tags">
        <input id="app-edit-tags" disabled={!write} value={tags} onInput={(e) => setTags(e.currentTarget.value)} />
      </Field>
      {write && (
        <div class="inline">
          <button class="primary" type="submit">
            Save
          </button>
          {a.source === 'user' && (
            <button class="danger" type="button" onClick={remove}>
              Delete application
            </button>
          )}
          {saved && (
            <span role="status" class="ok">
              Saved.
            </span>
          )}
        </div>
      )}
    </form>
  );
}

function Members({ a, write, candidates, onChanged }) {
  const [kind, setKind] = useState('host');
  const [pick, setPick] = useState('');
  const [role, setRole] = useState('');
  const [error, run] = useAction();
  const options = (candidates.data && candidates.data[kind]) || [];
  const add = (e) => {
    e.preventDefault();
    const value = pick || (options[0] && options[0].value);
    if (!value) return run(() => Promise.reject(new Error(`No ${kind} to add.`)));
    let body;
    if (kind === 'workload') body = { workload_id: value };
    else if (kind === 'host') body = { host_id: value };
    else {
      const [host_id, protocol, port] = value.split('|');
      body = { host_id, protocol, port: Number(port) };
    }
    if (role.trim()) body.role = role.trim();
    return run(async () => {
      onChanged(await api.post(`${LIST}/${a.id}/members`, body));
      setRole('');
    });
  };
  const remove = (m) =>
    run(async () => {
      await api.del(`${LIST}/${a.id}/members/${m.id}`);
      onChanged(await api.get(`${LIST}/${a.id}`));
    });
  return (
    <div id="app-members">
      <h3>Members</h3>
      <ErrorBox error={error} />
      <ItemTable caption={`Members of ${a.name}`} columns={['Member', 'Kind', 'Role', 'From']} items={a.members}>
        {(m, i) => (
          <tr key={m.id || `${m.workload_id}:${i}`}>
            <td>{m.host_id && m.kind !== 'workload' ? <Link href={`/hosts/${m.host_id}`}>{memberLabel(m)}</Link> : memberLabel(m)}</td>
            <td>{m.kind === 'workload' ? 'container' : m.kind}</td>
            <td>{m.role || ''}</td>
            <td>{m.source === 'user' ? 'a user' : 'scans'}</td>
            <td>{write && m.source === 'user' && <RemoveButton label={`Remove ${memberLabel(m)}`} onClick={() => remove(m)} />}</td>
          </tr>
        )}
      </ItemTable>
      {write && (
        <form class="inline" onSubmit={add}>
          <label>
            Add a{' '}
            <select id="member-kind" value={kind} onChange={(e) => { setKind(e.currentTarget.value); setPick(''); }}>
              <option value="host">host</option>
              <option value="service">service</option>
              <option value="workload">container</option>
            </select>
          </label>
          <label>
            <span class="sr-only">Which {kind}</span>
            <select id="member-pick" value={pick} onChange={(e) => setPick(e.currentTarget.value)} disabled={candidates.loading}>
              {options.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Role <input id="member-role" size={10} value={role} onInput={(e) => setRole(e.currentTarget.value)} />
          </label>
          <button type="submit">Add member</button>
        </form>
      )}
    </div>
  );
}

// One end of a dependency: the application itself, or a member a user added.
function MemberPick({ label, id, app, value, onPick }) {
  const members = ((app && app.members) || []).filter((m) => m.source === 'user');
  return (
    <label>
      {label}{' '}
      <select id={id} value={value} onChange={(e) => onPick(e.currentTarget.value)}>
        <option value="">(the application)</option>
        {members.map((m) => (
          <option key={m.id} value={m.id}>
            {memberLabel(m)}
          </option>
        ))}
      </select>
    </label>
  );
}

function Dependencies({ a, apps, write, onChanged }) {
  const others = apps.filter((o) => o.id !== a.id);
  const [target, setTarget] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [desc, setDesc] = useState('');
  const [error, run] = useAction();
  const targetId = target || (others[0] && others[0].id) || '';
  const targetApp = apps.find((o) => o.id === targetId);
  const name = (id) => (apps.find((o) => o.id === id) || {}).name || id.slice(0, 8);
  const add = (e) => {
    e.preventDefault();
    return run(async () => {
      if (!targetId) throw new Error('There is no other application to depend on.');
      onChanged(
        await api.post(`${LIST}/${a.id}/dependencies`, {
          target_application_id: targetId,
          source_member_id: from || null,
          target_member_id: to || null,
          description: desc || null,
        }),
      );
      setDesc('');
    });
  };
  const remove = (d) =>
    run(async () => {
      await api.del(`${LIST}/${a.id}/dependencies/${d.id}`);
      onChanged(await api.get(`${LIST}/${a.id}`));
    });
  const memberName = (x, id) => {
    const m = ((x && x.members) || []).find((y) => y.id === id || y.workload_id === id);
    return m ? memberLabel(m) : '';
  };
  // One end of a user's dependency: the application, and the member if one.
  const end = (appId, memberId) =>
    [name(appId), memberId && memberName(apps.find((o) => o.id === appId), memberId)].filter(Boolean).join(' › ');
  return (
    <div id="app-dependencies">
      <h3>Dependencies</h3>
      <ErrorBox error={error} />
      <ItemTable caption={`Dependencies of ${a.name}`} columns={['From', 'Depends on', 'Why', 'Drawn by']} items={a.dependencies}>
        {(d, i) => {
          const src = d.inferred ? memberName(a, d.source) : end(d.source_application_id, d.source_member_id);
          const dst = d.inferred ? memberName(a, d.target) : end(d.target_application_id, d.target_member_id);
          return (
            <tr key={d.id || `${d.source}:${d.target}:${i}`}>
              <td>{src}</td>
              <td>{dst}</td>
              <td>
                {d.description || d.reason || ''}
                {d.kind && d.kind !== 'depends' ? ` (${d.kind})` : ''}
              </td>
              <td>{d.inferred ? 'inferred' : 'a user'}</td>
              <td>{write && !d.inferred && <RemoveButton label={`Remove the dependency of ${src} on ${dst}`} onClick={() => remove(d)} />}</td>
            </tr>
          );
        }}
      </ItemTable>
      {write && (
        <form class="inline" onSubmit={add}>
          <label>
            Depends on{' '}
            <select id="dep-target" value={targetId} onChange={(e) => { setTarget(e.currentTarget.value); setTo(''); }}>
              {others.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
            </select>
          </label>
          <MemberPick label="From member" id="dep-from" app={a} value={from} onPick={setFrom} />
          <MemberPick label="To member" id="dep-to" app={targetApp} value={to} onPick={setTo} />
          <label>
            Why <input id="dep-desc" size={14} value={desc} onInput={(e) => setDesc(e.currentTarget.value)} />
          </label>
          <button type="submit">Add dependency</button>
        </form>
      )}
    </div>
  );
}

export function ApplicationsPanel({ net }) {
  const app = useApp();
  const write = canWrite(app) && hasRoute(LIST, 'post');
  const list = useAsync(() => all(LIST, { network_id: net }), [net]);
  const candidates = useCandidates(net);
  const [selected, setSelected] = useState(null);
  const [filter, setFilter] = useState('');
  const apps = list.data || [];
  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return f ? apps.filter((a) => `${a.name} ${a.discovered_name} ${a.description || ''} ${(a.tags || []).join(' ')}`.toLowerCase().includes(f)) : apps;
  }, [apps, filter]);
  const current = apps.find((a) => a.id === selected) || null;
  const changed = (a) => {
    setSelected(a.id);
    list.reload();
  };
  return (
    <div id="applications">
      {write && <NewApplication net={net} onCreated={changed} />}
      <ErrorBox error={list.error} />
      <div class="toolbar">
        <label>
          <span class="sr-only">Filter applications</span>
          <input type="search" placeholder="Filter applications…" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} aria-controls="applications-table" />
        </label>
        <span class="muted" aria-live="polite">
          {shown.length} of {apps.length}
        </span>
      </div>
      <table class="table" id="applications-table" aria-busy={list.loading ? 'true' : 'false'}>
        <caption class="sr-only">Applications</caption>
        <thead>
          <tr>
            <th scope="col">Application</th>
            <th scope="col">Source</th>
            <th scope="col">Members</th>
            <th scope="col">Dependencies</th>
            <th scope="col">Tags</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((a) => (
            <tr key={a.id} class={a.id === selected ? 'selected' : ''} data-app={a.name}>
              <th scope="row">
                <button type="button" class="linkish" aria-pressed={a.id === selected} onClick={() => setSelected(a.id === selected ? null : a.id)}>
                  {a.name}
                </button>
                {a.user_name && a.source !== 'user' && <small class="muted"> ({a.discovered_name})</small>}
              </th>
              <td>{a.source === 'user' ? 'user' : `inferred (${a.source})`}</td>
              <td>{a.members.length}</td>
              <td>{a.dependencies.length}</td>
              <td>
                {(a.tags || []).map((t) => (
                  <span class="tag" key={t}>
                    {t}
                  </span>
                ))}
              </td>
              <td>{ago(a.last_seen)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {current && (
        <section class="card" id="app-detail" aria-label={`Application ${current.name}`}>
          <h2>{current.name}</h2>
          <EditApplication key={current.id + current.name} a={current} write={write} onSaved={changed} onDeleted={() => { setSelected(null); list.reload(); }} />
          <Members a={current} write={write} candidates={candidates} onChanged={changed} />
          <Dependencies a={current} apps={apps} write={write} onChanged={changed} />
        </section>
      )}
    </div>
  );
}
