// Live events from the gateway (GET /api/v1/events, server-sent events fed
// from NATS): useEvents(networkId, handlers) keeps one EventSource open for
// the network and calls handlers[kind](data) for each "session", "topology"
// or "daemon" event. It returns whether the stream is up ('live'), being
// (re)opened ('connecting') or gone ('down': the server refused it or has no
// such route), so pages poll while it is not live.
import { useEffect, useRef, useState } from 'preact/hooks';
import { hasRoute } from './api.js';

const KINDS = ['session', 'topology', 'daemon'];
const RETRY_MS = 15000; // after the browser gives up on a stream

export function useEvents(net, handlers) {
  const [status, setStatus] = useState('connecting');
  const ref = useRef(handlers);
  ref.current = handlers;
  useEffect(() => {
    if (!net || typeof EventSource === 'undefined' || !hasRoute('/api/v1/events')) {
      setStatus('down');
      return undefined;
    }
    let es = null;
    let retry = null;
    let live = true;
    const open = () => {
      setStatus('connecting');
      es = new EventSource('/api/v1/events?network_id=' + encodeURIComponent(net));
      es.onopen = () => live && setStatus('live');
      es.onerror = () => {
        if (!live) return;
        // CONNECTING: the browser reconnects by itself (retry: from the
        // server); CLOSED: it gave up (an HTTP error), so try again later.
        if (es.readyState === EventSource.CLOSED) {
          setStatus('down');
          es.close();
          retry = setTimeout(open, RETRY_MS);
        } else {
          setStatus('connecting');
        }
      };
      for (const kind of KINDS)
        es.addEventListener(kind, (e) => {
          let data;
          try {
            data = JSON.parse(e.data);
          } catch {
            return;
          }
          if (live && ref.current[kind]) ref.current[kind](data);
        });
    };
    open();
    return () => {
      live = false;
      clearTimeout(retry);
      if (es) es.close();
    };
  }, [net]);
  return status;
}

// A SessionEvent as the fields of a session row: {state, progress, phase,
// hosts_found, ports_found, reason}, only those the event carries.
export function sessionPatch(ev) {
  const out = {};
  if (ev.state && ev.state.startsWith('SESSION_') && ev.state !== 'SESSION_UNKNOWN') out.state = ev.state.slice(8).toLowerCase();
  const p = ev.progress || {};
  if (p.percent !== undefined) out.progress = p.percent;
  if (p.phase) out.phase = p.phase;
  if (p.hosts_found !== undefined) out.hosts_found = p.hosts_found;
  if (p.ports_found !== undefined) out.ports_found = p.ports_found;
  if (ev.reason) out.reason = ev.reason;
  return out;
}
