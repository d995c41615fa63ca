import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { CopyBlock, ErrorBox, Field } from '../components.jsx';
import { useApp } from '../state.js';
import { MyKeys, OrgKeys, UsersSection } from './users.jsx';

export function AccountPage() {
  const app = useApp();
  const [name, setName] = useState('');
  const [days, setDays] = useState('90');
  const [key, setKey] = useState(null);
  const [error, setError] = useState(null);
  const create = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      const body = { name: name || undefined };
      if (days) body.expires_in_days = Number(days);
      setKey(await api.post('/api/v1/api-keys', body));
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section class="page">
      <h1>Account</h1>
      <dl class="kv">
        <dt>Email</dt>
        <dd>{(app.user && app.user.email) || '—'}</dd>
        <dt>Role</dt>
        <dd>{app.user && app.user.role}</dd>
        <dt>Server version</dt>
        <dd>{(app.health && app.health.version) || '—'}</dd>
      </dl>
      <form class="card inline-form" onSubmit={create}>
        <h2>New API key</h2>
        <p class="muted">For scripts: send it as <code>Authorization: Bearer &lt;key&gt;</code>. It acts as you, with your role.</p>
        <ErrorBox error={error} />
        <div class="row">
          <Field label="Name" id="key-name">
            <input id="key-name" maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </Field>
          <Field label="Expires after (days)" id="key-days">
            <input id="key-days" type="number" min="1" max="3650" value={days} onInput={(e) => setDays(e.currentTarget.value)} />
          </Field>
        </div>
        <button class="primary" type="submit">Create API key</button>
        {key && <CopyBlock id="new-key" label="Your new key (shown once)" text={key.key} />}
      </form>
      <MyKeys version={key && key.id} />
      <OrgKeys version={key && key.id} />
      <UsersSection />
    </section>
  );
}
