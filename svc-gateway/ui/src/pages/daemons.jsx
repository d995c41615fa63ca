// Discover > Daemons: the network's daemons as cards, and the "Create
// Daemon" wizard that makes a daemon key and the commands to install with it.
// Cards are live: a daemon that registers or comes back (a "daemon" event)
// shows up online at once, one the server announces offline (a "daemon"
// event with online false, once it missed its heartbeats for the server's
// threshold) turns offline at once, and one not heard from for 5 minutes
// turns "not seen recently" as the clock passes.
import { useEffect, useState } from 'preact/hooks';
import { useEvents } from '../events.js';
import { api, hasRoute, q } from '../api.js';
import { CopyBlock, ErrorBox, Field, NeedNetwork, useAsync } from '../components.jsx';
import { Link } from '../router.jsx';
import { useApp } from '../state.js';
import { ago, when } from '../util.js';

const MODES = {
  daemon_poll: 'DaemonPoll (outbound HTTP to the server)',
  server_poll: 'ServerPoll (the server calls the daemon)',
  integrated: 'Integrated (straight to NATS)',
};

function sameMinor(a, b) {
  const pa = String(a || '').split('.'), pb = String(b || '').split('.');
  return pa[0] === pb[0] && (pa[0] !== '0' || pa[1] === pb[1]);
}
function newer(a, b) {
  const pa = String(a || '0').split('.').map(Number), pb = String(b || '0').split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] || 0) !== (pb[i] || 0)) return (pa[i] || 0) > (pb[i] || 0);
  return false;
}

export function DaemonsPage() {
  const app = useApp();
  const net = app.networkId;
  const list = useAsync(() => (net ? api.get('/api/v1/daemons' + q({ network_id: net })) : []), [net]);
  const [wizard, setWizard] = useState(false);
  const [seen, setSeen] = useState({}); // daemon id -> what its events said
  const [events, setEvents] = useState(0);
  const [, setTick] = useState(0);
  useEffect(() => setSeen({}), [net]);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), 30000);
    return () => clearInterval(t);
  }, []);
  const stream = useEvents(net, {
    daemon: (ev) => {
      const d = ev.daemon || {};
      if (!d.daemon_id) return;
      setEvents((n) => n + 1);
      setSeen((cur) => ({ ...cur, [d.daemon_id]: { online: d.online !== false, ...(d.last_seen_ms ? { last_seen: new Date(d.last_seen_ms).toISOString() } : {}), ...(d.version ? { version: d.version } : {}) } }));
      // A daemon this page does not list yet: it just enrolled.
      if (!(list.data || []).some((x) => x.id === d.daemon_id)) list.reload();
    },
  });
  if (!net) return <section class="page"><h1>Daemons</h1><NeedNetwork /></section>;
  const serverVersion = app.health && app.health.version;
  const canAdmin = app.user && (app.user.role === 'admin' || app.user.role === 'owner');
  return (
    <section class="page">
      <div class="page-head">
        <h1>Discover › Daemons</h1>
        {canAdmin && (
          <button class="primary" onClick={() => setWizard(true)} aria-haspopup="dialog">
            Create Daemon
          </button>
        )}
      </div>
      {wizard && <CreateDaemon networkId={net} onClose={() => { setWizard(false); list.reload(); }} />}
      <ErrorBox error={list.error} />
      {list.data && list.data.length === 0 && <p>No daemon has enrolled in this network yet. Create one to start discovering.</p>}
      <div class="cards" data-live={stream === 'live' ? 'true' : 'false'} data-events={events}>
        {(list.data || []).map((listed) => {
          const ev = seen[listed.id];
          // An offline event carries the last_seen the listing had (or a later one).
          const d = ev && (!listed.last_seen || (ev.last_seen && ev.last_seen >= new Date(listed.last_seen).toISOString())) ? { ...listed, ...ev } : listed;
          // Offline as the last event said, else as the listing does.
          const offline = d.online !== undefined ? !d.online : !!d.offline;
          const caps = d.capabilities || {};
          const stale = !d.last_seen || Date.now() - new Date(d.last_seen).getTime() > 5 * 60 * 1000;
          const outdated = serverVersion && d.version && (newer(serverVersion, d.version) || !sameMinor(serverVersion, d.version));
          return (
            <article class="card daemon" key={d.id} aria-labelledby={'d-' + d.id}>
              <h2 id={'d-' + d.id}>
                <span class={'dot ' + (stale || offline ? 'off' : 'on')} aria-hidden="true" />
                {d.name}
              </h2>
              <dl class="kv">
                <dt>Status</dt>
                <dd>{offline ? 'offline' : stale ? 'not seen recently' : 'online'}</dd>
                <dt>Mode</dt>
                <dd>{MODES[d.mode] || d.mode}</dd>
                <dt>Version</dt>
                <dd>{d.version || 'unknown'}</dd>
                <dt>Host</dt>
                <dd>{d.hostname || '—'}</dd>
                <dt>Last seen</dt>
                <dd title={when(d.last_seen)}>{ago(d.last_seen)}</dd>
                <dt>Docker socket</dt>
                <dd>{caps.docker_socket ? 'yes' : 'no'}</dd>
                <dt>Interfaced subnets</dt>
                <dd>{(caps.subnets || []).length ? caps.subnets.join(', ') : '—'}</dd>
              </dl>
              {hasRoute('/api/v1/schedules') && (
                <p>
                  <Link href={`/discover/schedules?daemon=${d.id}`}>Schedules of {d.name}</Link>
                </p>
              )}
              {outdated && (
                <div class="notice" role="note">
                  <strong>Update available:</strong> this daemon runs {d.version}, the server {serverVersion}.
                  <details>
                    <summary>Upgrade steps</summary>
                    <ol>
                      <li>Binary + systemd: on the daemon's host, from the new release's tree run <code>sudo deploy/install.sh --components daemon --build</code> (it keeps <code>/etc/scanopy/daemon.env</code> and the daemon id, and restarts the service).</li>
                      <li>Docker: set the image tag to <code>scanopy/daemon:{serverVersion}</code>, then <code>docker compose pull &amp;&amp; docker compose up -d</code> (the state volume keeps the id).</li>
                    </ol>
                  </details>
                </div>
              )}
            </article>
          );
        })}
      </div>
    </section>
  );
}

export function installCommands({ name, serverUrl, key, mode, version }) {
  const env = [
    `SCANOPY_NAME=${name}`,
    `SCANOPY_MODE=${mode}`,
    `SCANOPY_SERVER_URL=${serverUrl}`,
    `SCANOPY_API_KEY=${key}`,
  ].join('\n');
  const systemd = `# On the host to document, from a Scanopy release tree (or a clone):
sudo deploy/install.sh --components daemon --build --no-start
sudo install -m 600 /dev/stdin /etc/scanopy/daemon.env <<'SCANOPY_ENV'
${env}
SCANOPY_ENV
sudo systemctl enable --now scanopy-daemon.service
sudo scanopy-daemon status`;
  const compose = `# docker-compose.yml on the host to document; then: docker compose up -d
services:
  scanopy-daemon:
    image: scanopy/daemon:${version}
    command: ["run"]
    restart: unless-stopped
    network_mode: host          # to see the host's networks
    read_only: true
    tmpfs: [/tmp, /run/scanopy]
    cap_drop: [ALL]
    cap_add: [NET_RAW, NET_ADMIN]
    security_opt: ["no-new-privileges:true"]
    environment:
      SCANOPY_NAME: ${JSON.stringify(name)}
      SCANOPY_MODE: ${mode}
      SCANOPY_SERVER_URL: ${JSON.stringify(serverUrl)}
      SCANOPY_API_KEY: ${JSON.stringify(key)}
      SCANOPY_STATE_DIR: /var/lib/scanopy
      SCANOPY_CONTROL_SOCKET: ipc:///run/scanopy/daemon.ipc
    volumes:
      - daemon-state:/var/lib/scanopy
      - /var/run/docker.sock:/var/run/docker.sock:ro   # Docker discovery; remove if unwanted
volumes:
  daemon-state:`;
  const oneShot = `SCANOPY_API_KEY=${key} scanopy-daemon run --mode ${mode} --name ${shellQuote(name)} --server-url ${shellQuote(serverUrl)}`;
  return { systemd, compose, oneShot };
}

function shellQuote(s) {
  return /^[A-Za-z0-9_./:@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function CreateDaemon({ networkId, onClose }) {
  const app = useApp();
  const [step, setStep] = useState(1);
  const [name, setName] = useState('');
  const [serverUrl, setServerUrl] = useState(location.origin);
  const [mode] = useState('daemon_poll');
  const [key, setKey] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const net = app.networks.find((n) => n.id === networkId);
  const nameOk = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/.test(name);
  const generate = async (e) => {
    e.preventDefault();
    if (!nameOk) {
      setError({ message: 'Name: letters, digits, space, dot, dash or underscore, up to 64.' });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const r = await api.post(`/api/v1/networks/${networkId}/daemon-keys`, { name });
      setKey(r.key);
      setStep(2);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const cmds =
    key && installCommands({ name, serverUrl, key, mode, version: (app.health && app.health.version) || 'latest' });
  return (
    <div class="dialog" role="dialog" aria-modal="false" aria-labelledby="wiz-title">
      <div class="page-head">
        <h2 id="wiz-title">Create Daemon {step === 2 ? '— install it' : ''}</h2>
        <button class="link" onClick={onClose}>
          {step === 2 ? 'Done' : 'Cancel'}
        </button>
      </div>
      {step === 1 && (
        <form onSubmit={generate}>
          <p class="muted">
            A daemon runs on a host inside the network <strong>{net && net.name}</strong> and reports what it sees. This
            makes a daemon key for that network (shown once) and the commands to install the daemon with it.
          </p>
          <ErrorBox error={error} />
          <Field label="Daemon name" id="wiz-name" hint="Shown in Scanopy; e.g. the host's name.">
            <input id="wiz-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} aria-describedby="wiz-name-hint" />
          </Field>
          <Field label="Server URL the daemon reaches" id="wiz-url" hint="How the daemon's host reaches this server.">
            <input id="wiz-url" type="url" required value={serverUrl} onInput={(e) => setServerUrl(e.currentTarget.value)} aria-describedby="wiz-url-hint" />
          </Field>
          <Field label="Mode" id="wiz-mode">
            <select id="wiz-mode" disabled value={mode}>
              <option value="daemon_poll">{MODES.daemon_poll}</option>
            </select>
          </Field>
          <button class="primary" type="submit" disabled={busy}>
            {busy ? 'Creating key…' : 'Create key and show install commands'}
          </button>
        </form>
      )}
      {step === 2 && cmds && (
        <div>
          <div class="notice" role="note">
            The key <code>{key.slice(0, 10)}…</code> is shown only now: copy a command before closing. The daemon
            appears below once it has enrolled.
          </div>
          <CopyBlock id="cmd-systemd" label="Binary + systemd" text={cmds.systemd} />
          <CopyBlock id="cmd-compose" label="docker-compose" text={cmds.compose} />
          <CopyBlock id="cmd-oneshot" label="Run in the foreground (a quick try)" text={cmds.oneShot} />
        </div>
      )}
    </div>
  );
}
