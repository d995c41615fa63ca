// One host: everything known about it (identity, interfaces, services with
// the evidence behind each identification, containers, change history), and
// editing its name, description and tags (which scans never overwrite),
// merging another host into it, and splitting off keys a scan wrongly joined.
import { useEffect, useState } from 'preact/hooks';
import { api, hasRoute } from '../api.js';
import { ErrorBox, Field, NotDeployed, useAsync } from '../components.jsx';
import { Link, navigate } from '../router.jsx';
import { useApp } from '../state.js';
import { ago, hostIps, hostName, splitTags, when } from '../util.js';
import { fetchAllHosts } from './inventory.jsx';

// The host's detail: GET /api/v1/hosts/{id}, or (on a server without that
// route) its entry in the hosts list.
export async function fetchHost(id, networkId) {
  if (hasRoute('/api/v1/hosts/{id}')) return api.get(`/api/v1/hosts/${id}`);
  const all = await fetchAllHosts(networkId);
  const h = all.find((x) => x.id === id);
  if (!h) throw new Error('No such host in this network.');
  return h;
}

// How many full scans in a row missed a gone host (the topology service's
// host_gone_missed_sweeps, 2 by default), from its newest host_disappeared
// change when the host's changes are at hand.
function missedBy(changes) {
  const n = (changes || [])
    .filter((c) => c.kind === 'host_disappeared' && c.detail && c.detail.missed_sweeps)
    .sort((a, b) => (a.at < b.at ? 1 : -1))
    .map((c) => Number(c.detail.missed_sweeps))[0];
  return n ? `missed by ${n} full scan${n === 1 ? '' : 's'} in a row` : 'missed by full scans in a row';
}

export function HostDetails({ host, compact = false }) {
  const ips = hostIps(host);
  return (
    <div class="host-details">
      <dl class="kv">
        {host.hostname && host.hostname !== hostName(host) && (
          <>
            <dt>Hostname</dt>
            <dd>{host.hostname}</dd>
          </>
        )}
        <dt>Addresses</dt>
        <dd>{ips.join(', ') || '—'}</dd>
        {host.description && (
          <>
            <dt>Description</dt>
            <dd>{host.description}</dd>
          </>
        )}
        {(host.tags || []).length > 0 && (
          <>
            <dt>Tags</dt>
            <dd>
              {host.tags.map((t) => (
                <span class="tag" key={t}>
                  {t}
                </span>
              ))}
            </dd>
          </>
        )}
        <dt>First seen</dt>
        <dd>{when(host.first_seen) || '—'}</dd>
        <dt>Last seen</dt>
        <dd title={when(host.last_seen)}>{ago(host.last_seen)}</dd>
        {host.stale !== undefined && (
          <>
            <dt>State</dt>
            <dd>
              {host.gone_at
                ? `gone since ${when(host.gone_at)} (${host.gone_reason === 'missed_by_scan' ? missedBy(host.changes) : `not seen since ${when(host.last_seen)}`})`
                : host.stale
                  ? 'stale (not seen in recent scans)'
                  : 'current'}
            </dd>
          </>
        )}
      </dl>
      {(host.identity || []).length > 0 && (
        <>
          <h3>Identity</h3>
          <ul class="plain">
            {host.identity.map((i, k) => (
              <li key={k}>
                <strong>{i.kind}</strong> {i.value}
                {i.reason && <span class="muted"> — {i.reason}</span>}
              </li>
            ))}
          </ul>
        </>
      )}
      {(host.interfaces || []).length > 0 && (
        <>
          <h3>Interfaces</h3>
          <ul class="plain">
            {host.interfaces.map((i, k) => (
              <li key={k}>
                {i.name && <strong>{i.name} </strong>}
                {i.mac && <code>{i.mac} </code>}
                {(i.addresses || (i.ip ? [i.ip] : [])).join(', ')}
                {i.subnet && <span class="muted"> in {i.subnet}</span>}
                {(i.vlan_ids || []).length > 0 && <span class="muted"> VLAN {i.vlan_ids.join(', ')}</span>}
                {i.pvid !== null && i.pvid !== undefined && <span class="muted"> native VLAN {i.pvid}</span>}
                {(i.tagged_vlans || []).length > 0 && <span class="muted"> tagged {i.tagged_vlans.join(', ')}</span>}
                {i.vlans_source && <span class="muted"> (port VLANs: {i.vlans_source})</span>}
              </li>
            ))}
          </ul>
        </>
      )}
      <h3>Services</h3>
      {(host.services || []).length === 0 ? (
        <p class="muted">None identified.</p>
      ) : (
        <ul class="services">
          {host.services.map((s, k) => (
            <li key={k} class="service">
              <div>
                <strong>{s.name || 'unknown'}</strong> on {s.port}/{s.protocol}
                {s.category && <span class="tag">{s.category}</span>}
                {(s.product || s.version) && <span class="muted"> {[s.product, s.version].filter(Boolean).join(' ')}</span>}
                {s.confidence !== undefined && s.confidence !== null && <span class="muted"> · confidence {s.confidence}</span>}
              </div>
              <Evidence evidence={s.evidence} definition={s.definition_id} open={!compact} />
            </li>
          ))}
        </ul>
      )}
      {(host.ports || []).length > 0 && (
        <>
          <h3>Open ports</h3>
          <p>{host.ports.map((p) => `${p.port}/${p.protocol}`).join(', ')}</p>
        </>
      )}
      {(host.virtual || host.hypervisor) && (
        <p>
          Virtual machine{host.virtual && <span class="tag">{host.virtual}</span>}
          {host.hypervisor && (
            <> on <Link href={`/hosts/${host.hypervisor.host_id}`}>{host.hypervisor.host_name || 'its hypervisor'}</Link>
              {host.hypervisor.name && <span> as <strong>{host.hypervisor.name}</strong></span>}
              {host.hypervisor.vmid != null && <span class="muted"> · VM {host.hypervisor.vmid}</span>}</>
          )}
        </p>
      )}
      {(host.vms || []).length > 0 && (
        <>
          <h3>Virtual machines</h3>
          <ul class="plain">
            {host.vms.map((v, k) => (
              <li key={k}>
                {v.host_id ? <Link href={`/hosts/${v.host_id}`}><strong>{v.name || v.external_id}</strong></Link> : <strong>{v.name || v.external_id}</strong>}
                {v.vmid != null && <span class="muted"> · VM {v.vmid}{v.cluster && ` of cluster ${v.cluster}`}</span>}
                {v.state && <span class="muted"> · {v.state}</span>}
                <span class="muted"> · {(v.networks || []).map((n) => [n.ifname, n.network, n.mac].filter(Boolean).join(' ')).join(', ')}</span>
                {v.evidence && <div class="muted small" title="why this is taken for a virtual machine">{v.evidence}</div>}
              </li>
            ))}
          </ul>
        </>
      )}
      {(host.containers || []).length > 0 && (
        <>
          <h3>Containers</h3>
          <ul class="plain">
            {host.containers.map((c, k) => (
              <li key={k}>
                <strong>{c.name || c.id}</strong> {c.image && <code>{c.image}</code>}
              </li>
            ))}
          </ul>
        </>
      )}
      {host.changes !== undefined && (
        <>
          <h3>Changes</h3>
          {host.changes.length === 0 ? (
            <p class="muted">No changes recorded.</p>
          ) : (
            <ul class="plain changes">
              {host.changes.map((c, k) => (
                <li key={k}>
                  <time datetime={c.at}>{when(c.at)}</time> <strong>{c.kind}</strong> {typeof c.detail === 'string' ? c.detail : JSON.stringify(c.detail)}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  );
}

function Evidence({ evidence, definition, open }) {
  const list = Array.isArray(evidence) ? evidence : evidence ? [evidence] : [];
  if (!list.length && !definition) return null;
  return (
    <details class="evidence" open={open}>
      <summary>Evidence{definition ? ` (definition ${definition})` : ''}</summary>
      <ul>
        {list.map((e, k) => (
          <li key={k}>
            {typeof e === 'string' ? (
              e
            ) : (
              <>
                {e.rule && <code>{e.rule}</code>} {e.detail !== undefined ? (typeof e.detail === 'string' ? e.detail : JSON.stringify(e.detail)) : JSON.stringify(e)}
              </>
            )}
          </li>
        ))}
      </ul>
    </details>
  );
}

export function HostPage({ id }) {
  const app = useApp();
  const host = useAsync(() => fetchHost(id, app.networkId), [id, app.networkId]);
  const h = host.data;
  return (
    <section class="page">
      <p>
        <Link href="/inventory">← Inventory</Link>
      </p>
      <ErrorBox error={host.error} />
      {host.loading && !h && <p role="status">Loading…</p>}
      {h && (
        <>
          <h1>{hostName(h)}</h1>
          <div class="two-col">
            <div>
              <HostDetails host={h} />
            </div>
            <div>
              <EditHost host={h} onSaved={host.reload} />
              <MergeHost host={h} />
              <SplitHost host={h} />
            </div>
          </div>
        </>
      )}
    </section>
  );
}

function EditHost({ host, onSaved }) {
  const [f, setF] = useState({
    name: host.user_name ?? host.name ?? '',
    description: host.description || '',
    tags: (host.tags || []).join(', '),
  });
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState(false);
  if (!hasRoute('/api/v1/hosts/{id}', 'patch'))
    return (
      <div class="card">
        <h2>Edit</h2>
        <NotDeployed what="host editing" />
      </div>
    );
  const save = async (e) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    try {
      await api.patch(`/api/v1/hosts/${host.id}`, {
        name: f.name.trim() || null,
        description: f.description,
        tags: splitTags(f.tags),
      });
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="card" onSubmit={save} aria-labelledby="edit-title">
      <h2 id="edit-title">Edit</h2>
      <p class="muted">Your name, description and tags are kept: scans never overwrite them.</p>
      <ErrorBox error={error} />
      <Field label="Name" id="host-name" hint={host.hostname ? `Discovered: ${host.hostname}` : undefined}>
        <input id="host-name" maxLength={200} value={f.name} onInput={(e) => setF({ ...f, name: e.currentTarget.value })} />
      </Field>
      <Field label="Description" id="host-desc">
        <textarea id="host-desc" rows={3} value={f.description} onInput={(e) => setF({ ...f, description: e.currentTarget.value })} />
      </Field>
      <Field label="Tags (comma-separated)" id="host-tags">
        <input id="host-tags" value={f.tags} onInput={(e) => setF({ ...f, tags: e.currentTarget.value })} />
      </Field>
      <button class="primary" type="submit">
        Save
      </button>
      {saved && (
        <span role="status" class="ok">
          {' '}
          Saved.
        </span>
      )}
    </form>
  );
}

// The host's tags, edited in place (the views' side panel): PATCH answers
// the host, handed to onSaved.
export function TagEditor({ host, onSaved }) {
  const app = useApp();
  const [text, setText] = useState((host.tags || []).join(', '));
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    setText((host.tags || []).join(', '));
    setSaved(false);
    setError(null);
  }, [host.id]);
  if (!hasRoute('/api/v1/hosts/{id}', 'patch') || !app.user || app.user.role === 'viewer') return null;
  const save = async (e) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    try {
      const h = await api.patch(`/api/v1/hosts/${host.id}`, { tags: splitTags(text) });
      setSaved(true);
      if (h) onSaved(h);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="tag-editor" onSubmit={save} aria-label="Tags of this host">
      <ErrorBox error={error} />
      <label for="panel-tags">Tags (comma-separated)</label>
      <div class="row">
        <input id="panel-tags" value={text} onInput={(e) => { setText(e.currentTarget.value); setSaved(false); }} />
        <button type="submit">Save tags</button>
      </div>
      {saved && (
        <span role="status" class="ok">
          Tags saved.
        </span>
      )}
    </form>
  );
}

function MergeHost({ host }) {
  const app = useApp();
  const [other, setOther] = useState('');
  const [error, setError] = useState(null);
  const hosts = useAsync(() => (hasRoute('/api/v1/hosts/{id}/merge', 'post') ? fetchAllHosts(app.networkId) : []), [app.networkId]);
  if (!hasRoute('/api/v1/hosts/{id}/merge', 'post'))
    return (
      <div class="card">
        <h2>Merge</h2>
        <NotDeployed what="merging hosts" />
      </div>
    );
  const merge = async (e) => {
    e.preventDefault();
    if (!other) return;
    const o = (hosts.data || []).find((x) => x.id === other);
    if (!confirm(`Merge ${o ? hostName(o) : other} into ${hostName(host)}? The other host's record goes away.`)) return;
    try {
      const r = await api.post(`/api/v1/hosts/${host.id}/merge`, { other });
      navigate(`/hosts/${(r && r.id) || host.id}`, { replace: true });
      location.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="card" onSubmit={merge} aria-labelledby="merge-title">
      <h2 id="merge-title">Merge</h2>
      <p class="muted">When two records are the same machine: merge the other one into this host.</p>
      <ErrorBox error={error} />
      <Field label="Other host" id="merge-other">
        <select id="merge-other" value={other} onChange={(e) => setOther(e.currentTarget.value)}>
          <option value="">Choose…</option>
          {(hosts.data || [])
            .filter((x) => x.id !== host.id)
            .map((x) => (
              <option key={x.id} value={x.id}>
                {hostName(x)} ({hostIps(x).join(', ')})
              </option>
            ))}
        </select>
      </Field>
      <button type="submit" disabled={!other}>
        Merge into this host
      </button>
    </form>
  );
}

// Splitting: the identity keys a scan wrongly joined (a shared MAC, a reused
// address) go to a host of their own, which later scans keep apart.
function SplitHost({ host }) {
  const [picked, setPicked] = useState({});
  const [name, setName] = useState('');
  const [error, setError] = useState(null);
  const keys = host.identity || [];
  if (!hasRoute('/api/v1/hosts/{id}/split', 'post') || keys.length < 2) return null;
  const chosen = keys.filter((k) => picked[`${k.kind}=${k.value}`]);
  const split = async (e) => {
    e.preventDefault();
    if (!chosen.length || chosen.length === keys.length) return;
    if (!confirm(`Split ${chosen.length} key(s) off ${hostName(host)} into a new host?`)) return;
    try {
      const body = { keys: chosen.map((k) => ({ kind: k.kind, value: k.value })) };
      if (name.trim()) body.name = name.trim();
      const r = await api.post(`/api/v1/hosts/${host.id}/split`, body);
      navigate(`/hosts/${r.id}`);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="card" onSubmit={split} aria-labelledby="split-title">
      <h2 id="split-title">Split</h2>
      <p class="muted">When this record is two machines: the keys you pick, with their addresses, interfaces and services, become a new host that later scans keep apart.</p>
      <ErrorBox error={error} />
      <fieldset>
        <legend>Keys to split off</legend>
        {keys.map((k) => {
          const id = `split-${k.kind}-${k.value}`.replace(/[^A-Za-z0-9_-]/g, '_');
          return (
            <div key={id}>
              <input
                type="checkbox"
                id={id}
                checked={!!picked[`${k.kind}=${k.value}`]}
                onChange={(e) => setPicked({ ...picked, [`${k.kind}=${k.value}`]: e.currentTarget.checked })}
              />
              <label for={id}>
                {k.kind} {k.value}
              </label>
            </div>
          );
        })}
      </fieldset>
      <Field label="Name of the new host (optional)" id="split-name">
        <input id="split-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      <button type="submit" disabled={!chosen.length || chosen.length === keys.length}>
        Split into a new host
      </button>
      {chosen.length > 0 && chosen.length === keys.length && <p class="muted">Leave this host at least one key.</p>}
    </form>
  );
}
