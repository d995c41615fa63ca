import { useState } from 'preact/hooks';
import { api, login } from '../api.js';
import { Field, ErrorBox } from '../components.jsx';
import { Link, navigate } from '../router.jsx';
import { useApp } from '../state.js';

export function LoginPage() {
  const app = useApp();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email, password);
      const next = new URLSearchParams(location.search).get('next');
      await app.signedIn();
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/');
    } catch (err) {
      setError(err.status === 401 ? new Error('Wrong email or password.') : err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card auth" onSubmit={submit} aria-labelledby="login-title">
      <h1 id="login-title">Sign in to Scanopy</h1>
      <ErrorBox error={error} />
      <Field label="Email" id="login-email">
        <input id="login-email" type="email" autocomplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
      </Field>
      <Field label="Password" id="login-password">
        <input id="login-password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
      </Field>
      <button class="primary" type="submit" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
      <p class="muted">
        First run? <Link href="/setup">Set up this installation</Link>.
      </p>
    </form>
  );
}

export function SetupPage() {
  const app = useApp();
  const [f, setF] = useState({ organization: '', email: '', password: '', confirm: '' });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value });
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    if (f.password !== f.confirm) {
      setError({ message: 'The passwords differ.', field: 'confirm' });
      return;
    }
    setBusy(true);
    try {
      await api.post('/api/v1/setup', { organization: f.organization, email: f.email, password: f.password });
      await login(f.email, f.password);
      await app.signedIn();
      navigate('/networks?first=1');
    } catch (err) {
      if (err.code === 'already_set_up') setError({ message: 'This installation is set up already: sign in instead.' });
      else setError(err);
    } finally {
      setBusy(false);
    }
  };
  const fe = (name) => (error && error.field === name ? error.message : null);
  return (
    <form class="card auth" onSubmit={submit} aria-labelledby="setup-title">
      <h1 id="setup-title">Set up Scanopy</h1>
      <p class="muted">Creates the first organisation and its owner. This works once, on a new installation.</p>
      {error && !error.field && <ErrorBox error={error} />}
      <Field label="Organisation" id="setup-org" error={fe('organization')}>
        <input id="setup-org" required maxLength={200} value={f.organization} onInput={set('organization')} />
      </Field>
      <Field label="Your email" id="setup-email" error={fe('email')}>
        <input id="setup-email" type="email" autocomplete="username" required value={f.email} onInput={set('email')} />
      </Field>
      <Field label="Password" id="setup-password" hint="At least 10 characters." error={fe('password')}>
        <input id="setup-password" type="password" autocomplete="new-password" minLength={10} required value={f.password} onInput={set('password')} aria-describedby="setup-password-hint" />
      </Field>
      <Field label="Password again" id="setup-confirm" error={fe('confirm')}>
        <input id="setup-confirm" type="password" autocomplete="new-password" minLength={10} required value={f.confirm} onInput={set('confirm')} />
      </Field>
      <button class="primary" type="submit" disabled={busy}>
        {busy ? 'Setting up…' : 'Create organisation and owner'}
      </button>
      <p class="muted">
        Set up already? <Link href="/login">Sign in</Link>.
      </p>
    </form>
  );
}
