// The organisation's people and roles, and one's own API keys. The server
// enforces the rules (no role above one's own, always an owner); the page
// only offers what the caller may do.
import { useState } from 'preact/hooks';
import { api, hasRoute } from '../api.js';
import { ErrorBox, Field, useAsync } from '../components.jsx';
import { useApp } from '../state.js';
import { ago, when } from '../util.js';

const ROLES = ['viewer', 'member', 'admin', 'owner'];
const rank = (r) => ROLES.indexOf(r);

export function UsersSection() {
  const app = useApp();
  const me = app.user || {};
  const canAdmin = rank(me.role) >= rank('admin');
  const users = useAsync(() => (hasRoute('/api/v1/users') ? api.get('/api/v1/users') : []), []);
  const [f, setF] = useState({ email: '', password: '', role: 'viewer' });
  const [error, setError] = useState(null);
  if (!hasRoute('/api/v1/users')) return null;
  const act = async (fn) => {
    setError(null);
    try {
      await fn();
      users.reload();
    } catch (err) {
      setError(err);
    }
  };
  const add = (e) => {
    e.preventDefault();
    act(async () => {
      await api.post('/api/v1/users', f);
      setF({ email: '', password: '', role: 'viewer' });
    });
  };
  const grantable = ROLES.filter((r) => rank(r) <= rank(me.role));
  return (
    <div class="card" id="users">
      <h2>Users</h2>
      <ErrorBox error={error || users.error} />
      <table class="table">
        <caption class="sr-only">Users of the organisation</caption>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Since</th>
            {canAdmin && <th scope="col"><span class="sr-only">Actions</span></th>}
          </tr>
        </thead>
        <tbody>
          {(users.data || []).map((u) => {
            const mine = canAdmin && rank(u.role) <= rank(me.role);
            return (
              <tr key={u.id}>
                <td>{u.email}</td>
                <td>
                  {mine ? (
                    <select aria-label={`Role of ${u.email}`} value={u.role} onChange={(e) => act(() => api.patch(`/api/v1/users/${u.id}`, { role: e.currentTarget.value }))}>
                      {grantable.map((r) => (
                        <option value={r}>{r}</option>
                      ))}
                    </select>
                  ) : (
                    u.role
                  )}
                </td>
                <td>{when(u.created_at)}</td>
                {canAdmin && (
                  <td>
                    {mine && u.id !== me.id && (
                      <button class="link" onClick={() => act(() => api.del(`/api/v1/users/${u.id}`))}>
                        Remove
                      </button>
                    )}
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
      {canAdmin && (
        <form class="inline-form" onSubmit={add}>
          <div class="row">
            <Field label="Email" id="user-email">
              <input id="user-email" type="email" required value={f.email} onInput={(e) => setF({ ...f, email: e.currentTarget.value })} />
            </Field>
            <Field label="Initial password" id="user-password" hint="at least 10 characters">
              <input id="user-password" type="password" autocomplete="new-password" minLength={10} required value={f.password} onInput={(e) => setF({ ...f, password: e.currentTarget.value })} />
            </Field>
            <Field label="Role" id="user-role">
              <select id="user-role" value={f.role} onChange={(e) => setF({ ...f, role: e.currentTarget.value })}>
                {grantable.map((r) => (
                  <option value={r}>{r}</option>
                ))}
              </select>
            </Field>
          </div>
          <button class="primary" type="submit">
            Add user
          </button>
        </form>
      )}
    </div>
  );
}

export function MyKeys({ version }) {
  const keys = useAsync(() => (hasRoute('/api/v1/api-keys') ? api.get('/api/v1/api-keys') : []), [version]);
  const [error, setError] = useState(null);
  if (!hasRoute('/api/v1/api-keys')) return null;
  const revoke = async (id) => {
    setError(null);
    try {
      await api.del(`/api/v1/api-keys/${id}`);
      keys.reload();
    } catch (err) {
      setError(err);
    }
  };
  // Admins and owners get every key of the organisation; these are theirs.
  const rows = (keys.data || []).filter((k) => k.mine !== false);
  return (
    <div class="card" id="my-keys">
      <h2>Your API keys</h2>
      <ErrorBox error={error || keys.error} />
      {rows.length === 0 ? (
        <p>None.</p>
      ) : (
        <table class="table">
          <caption class="sr-only">Your API keys</caption>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((k) => (
              <tr key={k.id}>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>{k.name || '—'}</td>
                <td>{when(k.created_at)}</td>
                <td>{k.expires_at ? when(k.expires_at) : 'never'}</td>
                <td>
                  {k.revoked_at ? (
                    'revoked'
                  ) : (
                    <button class="link" onClick={() => revoke(k.id)} aria-label={`Revoke the key ${k.prefix}`}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

// Every API key of the organisation, users' and daemons', for admins and
// owners (GET /api/v1/api-keys lists them all to them): whose, which
// network, when last used. Never a key itself.
export function OrgKeys({ version }) {
  const app = useApp();
  const admin = !!app.user && ['admin', 'owner'].includes(app.user.role);
  const keys = useAsync(() => (admin && hasRoute('/api/v1/api-keys') ? api.get('/api/v1/api-keys') : []), [version, admin]);
  if (!admin || !hasRoute('/api/v1/api-keys')) return null;
  const rows = keys.data || [];
  return (
    <div class="card" id="org-keys">
      <h2>The organisation's API keys</h2>
      <ErrorBox error={keys.error} />
      <table class="table">
        <caption class="sr-only">The organisation's API keys</caption>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Name</th>
            <th scope="col">Scope</th>
            <th scope="col">User or network</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((k) => (
            <tr key={k.id}>
              <td>
                <code>{k.prefix}…</code>
              </td>
              <td>{k.name || '—'}</td>
              <td>{k.scope}</td>
              <td>{k.scope === 'daemon' ? k.network || k.network_id : k.user || k.user_id}</td>
              <td>{when(k.created_at)}</td>
              <td title={when(k.last_used_at)}>{ago(k.last_used_at)}</td>
              <td>{k.revoked_at ? 'revoked' : k.expires_at && new Date(k.expires_at) < new Date() ? 'expired' : 'active'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
