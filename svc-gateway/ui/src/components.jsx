// Small shared pieces: form fields, error boxes, the "not deployed" note.
import { useEffect, useState } from 'preact/hooks';
import { copyText } from './util.js';

export function Field({ label, id, error, hint, children }) {
  return (
    <div class={'field' + (error ? ' has-error' : '')}>
      <label for={id}>{label}</label>
      {children}
      {hint && <small id={id + '-hint'}>{hint}</small>}
      {error && (
        <small class="error" id={id + '-error'} role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

export function ErrorBox({ error }) {
  if (!error) return null;
  return (
    <div class="errorbox" role="alert">
      {error.message || String(error)}
    </div>
  );
}

export function NotDeployed({ what }) {
  return (
    <p class="note">
      This server does not offer {what} yet (the route is not in its <code>/api/openapi.json</code>).
    </p>
  );
}

// useAsync(fn, deps): {data, error, loading, reload}
export function useAsync(fn, deps) {
  const [state, setState] = useState({ data: undefined, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    Promise.resolve()
      .then(fn)
      .then(
        (data) => live && setState({ data, error: null, loading: false }),
        (error) => live && setState({ data: undefined, error, loading: false }),
      );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

export function NeedNetwork({ app }) {
  return (
    <p class="note">
      There is no network yet. <a href="/networks">Create one</a> first.
    </p>
  );
}

export function CopyBlock({ label, text, id }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await copyText(text);
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <div class="copyblock">
      <div class="copyhead">
        <span id={id + '-label'}>{label}</span>
        <button type="button" onClick={copy} aria-describedby={id + '-label'}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      <pre id={id} tabIndex={0} aria-labelledby={id + '-label'}>
        <code>{text}</code>
      </pre>
    </div>
  );
}
