export function ago(ts) {
  if (!ts) return 'never';
  const s = Math.round((Date.now() - new Date(ts).getTime()) / 1000);
  if (s < 0) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function when(ts) {
  return ts ? new Date(ts).toLocaleString() : '';
}

// RFC 4180 CSV; cells starting with = + - @ are prefixed so spreadsheets do
// not run them as formulas.
export function toCsv(columns, rows) {
  const cell = (v) => {
    let s = v === null || v === undefined ? '' : Array.isArray(v) ? v.join(' ') : String(v);
    if (/^[=+\-@]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [columns.map((c) => cell(c.label)).join(',')];
  for (const r of rows) lines.push(columns.map((c) => cell(c.value(r))).join(','));
  return lines.join('\r\n') + '\r\n';
}

export function download(name, data, type) {
  const blob = data instanceof Blob ? data : new Blob([data], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function compareIp(a, b) {
  const pa = ipKey(a), pb = ipKey(b);
  return pa < pb ? -1 : pa > pb ? 1 : 0;
}
function ipKey(ip) {
  if (!ip) return '~';
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  return m ? m.slice(1).map((x) => x.padStart(3, '0')).join('.') : ip;
}

export function hostName(h) {
  return h.name || h.user_name || h.hostname || (h.interfaces && h.interfaces[0] && h.interfaces[0].ip) || h.id;
}

export function hostIps(h) {
  return (h.interfaces || []).flatMap((i) => (i.addresses ? i.addresses : i.ip ? [i.ip] : [])).filter(Boolean);
}

export function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  const ta = document.createElement('textarea');
  ta.value = text;
  document.body.appendChild(ta);
  ta.select();
  try {
    document.execCommand('copy');
  } finally {
    ta.remove();
  }
  return Promise.resolve();
}

// "a, b,,a " -> ['a', 'b']: tags as typed, comma-separated.
export const splitTags = (text) => [...new Set((text || '').split(',').map((t) => t.trim()).filter(Boolean))];
