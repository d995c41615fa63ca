// SNMP credentials of the current network: what daemons may use to read
// switches and routers. Secrets go in once and are never shown again (the
// server keeps them encrypted and never returns them).
import { useState } from 'preact/hooks';
import { api, hasRoute } from '../api.js';
import { ErrorBox, Field, NotDeployed, useAsync } from '../components.jsx';

const ROUTE = '/api/v1/networks/{id}/snmp-credentials';
const EMPTY = { version: 'v2c', community: '', username: '', auth_protocol: 'SHA', auth_key: '', priv_protocol: 'AES', priv_key: '', scope: '' };

export function SnmpCredentials({ networkId, canAdmin }) {
  const [f, setF] = useState(EMPTY);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const base = `/api/v1/networks/${networkId}/snmp-credentials`;
  const list = useAsync(() => (networkId && hasRoute(ROUTE) ? api.get(base) : []), [networkId]);
  if (!hasRoute(ROUTE)) return <NotDeployed what="SNMP credentials" />;
  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value });
  const add = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const body = { version: f.version };
    if (f.version === 'v3') Object.assign(body, { username: f.username, auth_protocol: f.auth_protocol, auth_key: f.auth_key, priv_protocol: f.priv_protocol, priv_key: f.priv_key });
    else body.community = f.community;
    const scope = f.scope.split(/[\s,]+/).filter(Boolean);
    if (scope.length) body.scope = scope;
    try {
      await api.post(base, body);
      setF(EMPTY);
      list.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const remove = async (id) => {
    setError(null);
    try {
      await api.del(`${base}/${id}`);
      list.reload();
    } catch (err) {
      setError(err);
    }
  };
  const rows = list.data || [];
  return (
    <div class="card" id="snmp-credentials">
      <h2>SNMP credentials</h2>
      <p class="muted">Tried on every device whose UDP 161 answers, within their scope. Secrets are stored encrypted and never shown again.</p>
      <ErrorBox error={error || list.error} />
      {rows.length === 0 ? (
        <p>None yet: devices are read with nothing but what answers without credentials.</p>
      ) : (
        <table class="table">
          <caption class="sr-only">SNMP credentials</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">User</th>
              <th scope="col">Protocols</th>
              <th scope="col">Scope</th>
              {canAdmin && <th scope="col"><span class="sr-only">Actions</span></th>}
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr key={c.id}>
                <td>{c.version}</td>
                <td>{c.username || '(community)'}</td>
                <td>{c.version === 'v3' ? `${c.auth_protocol || '-'} / ${c.priv_protocol || '-'}` : '—'}</td>
                <td>{c.scope && c.scope.length ? c.scope.join(', ') : 'whole network'}</td>
                {canAdmin && (
                  <td>
                    <button class="link" onClick={() => remove(c.id)} aria-label={`Delete the ${c.version} credential`}>
                      Delete
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canAdmin && (
        <form class="inline-form" onSubmit={add}>
          <div class="row">
            <Field label="Version" id="snmp-version">
              <select id="snmp-version" value={f.version} onChange={set('version')}>
                <option value="v1">v1</option>
                <option value="v2c">v2c</option>
                <option value="v3">v3</option>
              </select>
            </Field>
            {f.version === 'v3' ? (
              <>
                <Field label="User" id="snmp-user">
                  <input id="snmp-user" required value={f.username} onInput={set('username')} />
                </Field>
                <Field label="Auth" id="snmp-auth">
                  <select id="snmp-auth" value={f.auth_protocol} onChange={set('auth_protocol')}>
                    {['SHA', 'SHA-256', 'SHA-512', 'MD5'].map((p) => (
                      <option value={p}>{p}</option>
                    ))}
                  </select>
                </Field>
                <Field label="Auth key" id="snmp-auth-key">
                  <input id="snmp-auth-key" type="password" autocomplete="off" required value={f.auth_key} onInput={set('auth_key')} />
                </Field>
                <Field label="Privacy" id="snmp-priv">
                  <select id="snmp-priv" value={f.priv_protocol} onChange={set('priv_protocol')}>
                    {['AES', 'DES'].map((p) => (
                      <option value={p}>{p}</option>
                    ))}
                  </select>
                </Field>
                <Field label="Privacy key" id="snmp-priv-key">
                  <input id="snmp-priv-key" type="password" autocomplete="off" required value={f.priv_key} onInput={set('priv_key')} />
                </Field>
              </>
            ) : (
              <Field label="Community" id="snmp-community">
                <input id="snmp-community" type="password" autocomplete="off" required value={f.community} onInput={set('community')} />
              </Field>
            )}
            <Field label="Scope (CIDRs, optional)" id="snmp-scope">
              <input id="snmp-scope" placeholder="10.0.0.0/24" value={f.scope} onInput={set('scope')} />
            </Field>
          </div>
          <button class="primary" type="submit" disabled={busy}>
            Add credential
          </button>
        </form>
      )}
    </div>
  );
}
