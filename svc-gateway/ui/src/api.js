// The one way the UI talks to the gateway: the public API under /api, with
// the session cookie (HttpOnly, set by login) and the CSRF token login
// returned, kept in localStorage so reloads and other tabs keep working.
const CSRF_KEY = 'scanopy.csrf';
const USER_KEY = 'scanopy.user';

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

let onUnauthenticated = () => {};
export function setUnauthenticatedHandler(fn) {
  onUnauthenticated = fn;
}

export function storedUser() {
  try {
    return JSON.parse(localStorage.getItem(USER_KEY) || 'null');
  } catch {
    return null;
  }
}

function rememberLogin(body) {
  localStorage.setItem(CSRF_KEY, body.csrf_token || '');
  localStorage.setItem(USER_KEY, JSON.stringify(body.user || null));
}

// A session switched to another organisation may come with a new token.
export function rememberCsrf(token) {
  if (token) localStorage.setItem(CSRF_KEY, token);
}

export function forgetLogin() {
  localStorage.removeItem(CSRF_KEY);
  localStorage.removeItem(USER_KEY);
}

export async function request(method, path, body, { raw = false, quiet401 = false } = {}) {
  const headers = { Accept: raw ? '*/*' : 'application/json' };
  const init = { method, headers, credentials: 'same-origin' };
  if (method !== 'GET' && method !== 'HEAD') {
    headers['X-CSRF-Token'] = localStorage.getItem(CSRF_KEY) || '';
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
  }
  const res = await fetch(path, init);
  if (res.status === 401 && !quiet401) onUnauthenticated();
  if (!res.ok) {
    let err = {};
    try {
      err = (await res.json()).error || {};
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, err.code, err.message, err.field);
  }
  if (raw) return res;
  if (res.status === 204) return null;
  return res.json();
}

export const api = {
  get: (p, opts) => request('GET', p, undefined, opts),
  post: (p, b, opts) => request('POST', p, b, opts),
  patch: (p, b) => request('PATCH', p, b),
  del: (p) => request('DELETE', p),
};

export async function login(email, password) {
  const body = await request('POST', '/api/v1/auth/login', { email, password }, { quiet401: true });
  rememberLogin(body);
  return body.user;
}

export async function logout() {
  try {
    await request('POST', '/api/v1/auth/logout', undefined, { quiet401: true });
  } finally {
    forgetLogin();
  }
}

// What the server offers, from its OpenAPI document: pages for routes that
// are not deployed yet say so instead of failing.
let spec = null;
export async function loadSpec() {
  if (!spec) {
    try {
      spec = await (await fetch('/api/openapi.json')).json();
    } catch {
      spec = { paths: {} };
    }
  }
  return spec;
}
export function hasRoute(path, method = 'get') {
  return !!(spec && spec.paths && spec.paths[path] && spec.paths[path][method]);
}

// The documented query parameters of a route (name -> schema), so pages can
// offer the filters and sort orders the server has.
export function routeParams(path, method = 'get') {
  const op = spec && spec.paths && spec.paths[path] && spec.paths[path][method];
  const out = {};
  for (const p of (op && op.parameters) || []) if (p.in === 'query') out[p.name] = p.schema || {};
  return out;
}

export const q = (params) => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') s.set(k, v);
  const t = s.toString();
  return t ? `?${t}` : '';
};
