import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ErrorBox, Field } from '../components.jsx';
import { Link } from '../router.jsx';
import { useApp } from '../state.js';
import { when } from '../util.js';
import { SnmpCredentials } from './snmp_credentials.jsx';

export function NetworksPage() {
  const app = useApp();
  const [name, setName] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const first = new URLSearchParams(location.search).get('first');
  const create = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const n = await api.post('/api/v1/networks', { name });
      await app.reloadNetworks();
      app.setNetworkId(n.id);
      setName('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const canAdmin = app.user && (app.user.role === 'admin' || app.user.role === 'owner');
  return (
    <section class="page">
      <h1>Networks</h1>
      {first && app.networks.length === 0 && (
        <p class="note">Welcome. Create a network, then a daemon in it to start discovering.</p>
      )}
      {app.networks.length === 0 ? (
        <p>No networks yet.</p>
      ) : (
        <table class="table">
          <caption class="sr-only">Networks</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
              <th scope="col">Current</th>
            </tr>
          </thead>
          <tbody>
            {app.networks.map((n) => (
              <tr key={n.id}>
                <td>{n.name}</td>
                <td>{when(n.created_at)}</td>
                <td>
                  {n.id === app.networkId ? (
                    <strong>current</strong>
                  ) : (
                    <button class="link" onClick={() => app.setNetworkId(n.id)}>
                      Switch to {n.name}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canAdmin && (
        <form class="card inline-form" onSubmit={create}>
          <h2>New network</h2>
          <ErrorBox error={error} />
          <Field label="Name" id="net-name">
            <input id="net-name" required maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </Field>
          <button class="primary" type="submit" disabled={busy}>
            Create network
          </button>
        </form>
      )}
      {app.networkId && <SnmpCredentials networkId={app.networkId} canAdmin={canAdmin} />}
      {app.networks.length > 0 && (
        <p>
          Next: <Link href="/discover/daemons">add a daemon</Link> to the current network.
        </p>
      )}
    </section>
  );
}
