// Organisations (for MSPs with many client networks): the ones the signed-in
// user belongs to, create, rename, delete, and switching between them (the
// header's switcher and this page). Shown only where the server has the
// routes (GET /api/v1/organizations, POST /api/v1/auth/switch).
import { useState } from 'preact/hooks';
import { api, hasRoute, rememberCsrf } from '../api.js';
import { ErrorBox, Field, NotDeployed, useAsync } from '../components.jsx';
import { navigate } from '../router.jsx';
import { useApp } from '../state.js';
import { when } from '../util.js';

const rank = (r) => ['viewer', 'member', 'admin', 'owner'].indexOf(r);

export const orgsDeployed = () => hasRoute('/api/v1/organizations');
export const switchDeployed = () => hasRoute('/api/v1/auth/switch', 'post');

// The current organisation's id, whether /auth/me gives an object or an id.
export function currentOrgId(user) {
  const o = user && user.organization;
  return (o && typeof o === 'object' ? o.id : o) || (user && (user.organization_id || user.org_id)) || null;
}

// Switches the session to another organisation, then reloads who we are and
// the networks (which belong to the organisation).
export async function switchOrganization(app, id) {
  const body = await api.post('/api/v1/auth/switch', { organization_id: id });
  rememberCsrf(body && body.csrf_token);
  await app.signedIn();
  navigate('/');
}

export function OrgSwitcher() {
  const app = useApp();
  const [error, setError] = useState(null);
  const orgs = (app.user && app.user.organizations) || [];
  if (!switchDeployed() || orgs.length < 2) return null;
  const cur = currentOrgId(app.user);
  const change = async (e) => {
    setError(null);
    try {
      await switchOrganization(app, e.currentTarget.value);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <label class="orgpick">
      <span class="sr-only">Organisation</span>
      <select id="org-switch" value={cur || ''} onChange={change} title={error ? error.message : 'Organisation'} aria-invalid={error ? 'true' : undefined}>
        {orgs.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </select>
    </label>
  );
}

function OrgRow({ o, current, canSwitch, onChanged, onError }) {
  const app = useApp();
  const [name, setName] = useState(null); // non-null while renaming
  const [confirm, setConfirm] = useState(false);
  const canAdmin = rank(o.role || (current ? app.user.role : 'viewer')) >= rank('admin');
  const canDelete = rank(o.role || (current ? app.user.role : 'viewer')) >= rank('owner') && !current;
  const act = async (fn) => {
    try {
      await fn();
    } catch (err) {
      onError(err);
    }
  };
  const rename = (e) => {
    e.preventDefault();
    act(async () => {
      await api.patch(`/api/v1/organizations/${o.id}`, { name: name.trim() });
      setName(null);
      onChanged();
    });
  };
  return (
    <tr data-org={o.id}>
      <th scope="row">
        {name === null ? (
          <>
            {o.name} {current && <span class="tag">current</span>}
          </>
        ) : (
          <form class="inline" onSubmit={rename}>
            <label>
              <span class="sr-only">New name of {o.name}</span>
              <input value={name} required maxLength={200} onInput={(e) => setName(e.currentTarget.value)} />
            </label>
            <button type="submit">Save</button>
            <button type="button" onClick={() => setName(null)}>
              Cancel
            </button>
          </form>
        )}
      </th>
      <td>{o.role || (current ? app.user.role : '')}</td>
      <td>{when(o.created_at)}</td>
      <td class="actions">
        {confirm ? (
          <span class="inline" role="group" aria-label={`Delete ${o.name}?`}>
            <button type="button" class="danger" onClick={() => act(async () => (await api.del(`/api/v1/organizations/${o.id}`), onChanged()))}>
              Delete with all its data
            </button>
            <button type="button" onClick={() => setConfirm(false)}>
              Keep
            </button>
          </span>
        ) : (
          <span class="inline">
            {!current && canSwitch && (
              <button type="button" onClick={() => act(() => switchOrganization(app, o.id))} aria-label={`Switch to ${o.name}`}>
                Switch to
              </button>
            )}
            {canAdmin && name === null && hasRoute('/api/v1/organizations/{id}', 'patch') && (
              <button type="button" onClick={() => setName(o.name)} aria-label={`Rename ${o.name}`}>
                Rename
              </button>
            )}
            {canDelete && hasRoute('/api/v1/organizations/{id}', 'delete') && (
              <button type="button" class="link" onClick={() => setConfirm(true)} aria-label={`Delete ${o.name}`}>
                Delete
              </button>
            )}
          </span>
        )}
      </td>
    </tr>
  );
}

export function OrganizationsPage() {
  const app = useApp();
  const deployed = orgsDeployed();
  const orgs = useAsync(() => (deployed ? api.get('/api/v1/organizations') : []), [deployed, app.user && currentOrgId(app.user)]);
  const [name, setName] = useState('');
  const [error, setError] = useState(null);
  if (!deployed) return <section class="page"><h1>Organisations</h1><NotDeployed what="organisations" /></section>;
  const cur = currentOrgId(app.user);
  const list = Array.isArray(orgs.data) ? orgs.data : (orgs.data && orgs.data.items) || [];
  const create = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      await api.post('/api/v1/organizations', { name: name.trim() });
      setName('');
      orgs.reload();
      await app.signedIn(); // the switcher lists the new one
    } catch (err) {
      setError(err);
    }
  };
  const changed = async () => {
    setError(null);
    orgs.reload();
    await app.signedIn();
  };
  return (
    <section class="page">
      <h1>Organisations</h1>
      <p class="muted">Each organisation has its own networks, daemons, users and inventory; nothing is shared between them.</p>
      <ErrorBox error={error || orgs.error} />
      <div class="table-wrap">
        <table class="table" id="organizations">
          <caption class="sr-only">Your organisations</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Your role</th>
              <th scope="col">Created</th>
              <th scope="col"><span class="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {list.map((o) => (
              <OrgRow key={o.id} o={o} current={o.current ?? o.id === cur} canSwitch={switchDeployed()} onChanged={changed} onError={setError} />
            ))}
          </tbody>
        </table>
      </div>
      {hasRoute('/api/v1/organizations', 'post') && (
        <form class="card inline-form" onSubmit={create} aria-labelledby="org-new-title">
          <h2 id="org-new-title">New organisation</h2>
          <div class="row">
            <Field label="Name" id="org-name">
              <input id="org-name" required maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
            </Field>
          </div>
          <button class="primary" type="submit">
            Create organisation
          </button>
        </form>
      )}
    </section>
  );
}
