import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import './style.css';
import { api, loadSpec, logout, setUnauthenticatedHandler, storedUser } from './api.js';
import { Link, navigate, useLocation } from './router.jsx';
import { AppContext, saveNetwork, savedNetwork } from './state.js';
import { LoginPage, SetupPage } from './pages/auth.jsx';
import { NetworksPage } from './pages/networks.jsx';
import { DaemonsPage } from './pages/daemons.jsx';
import { DiscoveryPage } from './pages/discovery.jsx';
import { SchedulesPage } from './pages/schedules.jsx';
import { InventoryPage } from './pages/inventory.jsx';
import { HostPage } from './pages/host.jsx';
import { ViewsPage } from './pages/views.jsx';
import { AccountPage } from './pages/account.jsx';
import { OrgSwitcher, OrganizationsPage, orgsDeployed } from './pages/organizations.jsx';

const PUBLIC = ['/login', '/setup'];

function Shell({ children, app }) {
  const loc = useLocation();
  const [menu, setMenu] = useState(false);
  const nav = [
    ['/views/l2', 'Views', loc.startsWith('/views')],
    ['/inventory', 'Inventory', loc.startsWith('/inventory') || loc.startsWith('/hosts')],
    ['/discover/daemons', 'Daemons', loc.startsWith('/discover/daemons')],
    ['/discover/discovery', 'Discovery', loc.startsWith('/discover/discovery')],
    ['/discover/schedules', 'Schedules', loc.startsWith('/discover/schedules')],
    ['/networks', 'Networks', loc.startsWith('/networks')],
    ['/account', 'Account', loc.startsWith('/account')],
  ];
  if (orgsDeployed()) nav.push(['/organizations', 'Organisations', loc.startsWith('/organizations')]);
  return (
    <div class="shell">
      <a class="skip" href="#main">Skip to content</a>
      <header class="topbar">
        <Link href="/" class="brand">
          <img src="/favicon.svg" alt="" width="22" height="22" /> Scanopy
        </Link>
        <button class="menu-toggle" aria-expanded={menu} aria-controls="mainnav" onClick={() => setMenu(!menu)}>
          Menu
        </button>
        <nav id="mainnav" class={menu ? 'open' : ''} aria-label="Main">
          {nav.map(([href, label, active]) => (
            <Link key={href} href={href} class={active ? 'active' : ''} onClick={() => setMenu(false)}>
              {label}
            </Link>
          ))}
        </nav>
        <div class="topbar-right">
          <OrgSwitcher />
          {app.networks.length > 0 && (
            <label class="netpick">
              <span class="sr-only">Network</span>
              <select value={app.networkId || ''} onChange={(e) => app.setNetworkId(e.currentTarget.value)}>
                {app.networks.map((n) => (
                  <option key={n.id} value={n.id}>
                    {n.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          <span class="who" title={app.user && app.user.role}>
            {(app.user && (app.user.email || app.user.role)) || ''}
          </span>
          <button class="link" onClick={app.signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

function Page({ loc }) {
  const path = loc.split('?')[0];
  let m;
  if (path === '/' || path === '/views') return <Redirect to="/views/l2" />;
  if ((m = /^\/views\/(l2|l3|workloads|applications)$/.exec(path))) return <ViewsPage view={m[1]} />;
  if (path === '/inventory') return <InventoryPage />;
  if ((m = /^\/hosts\/([0-9a-f-]{36})$/.exec(path))) return <HostPage id={m[1]} />;
  if (path === '/discover' || path === '/discover/daemons') return <DaemonsPage />;
  if (path === '/discover/discovery') return <DiscoveryPage />;
  if (path === '/discover/schedules') return <SchedulesPage />;
  if (path === '/networks') return <NetworksPage />;
  if (path === '/account') return <AccountPage />;
  if (path === '/organizations') return <OrganizationsPage />;
  return (
    <section class="page">
      <h1>Not found</h1>
      <p>
        There is no page at <code>{path}</code>. <Link href="/">Go to the views</Link>.
      </p>
    </section>
  );
}

function Redirect({ to }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function App() {
  const loc = useLocation();
  const [user, setUser] = useState(undefined); // undefined: checking
  const [networks, setNetworks] = useState([]);
  const [networkId, setNetworkIdState] = useState(savedNetwork());
  const [health, setHealth] = useState(null);

  const setNetworkId = useCallback((id) => {
    saveNetwork(id);
    setNetworkIdState(id);
  }, []);

  const reloadNetworks = useCallback(async () => {
    const list = await api.get('/api/v1/networks');
    setNetworks(list);
    setNetworkIdState((cur) => {
      const ok = list.find((n) => n.id === cur);
      const id = ok ? cur : list[0] ? list[0].id : null;
      if (id) saveNetwork(id);
      return id;
    });
    return list;
  }, []);

  const start = useCallback(async () => {
    await loadSpec();
    fetch('/api/health')
      .then((r) => r.json())
      .then(setHealth)
      .catch(() => {});
    // Without a stored sign-in there is no session to ask about (and asking
    // would only log a 401 in the console).
    const stored = storedUser();
    if (!stored) {
      setUser(null);
      return;
    }
    try {
      const me = await api.get('/api/v1/auth/me', { quiet401: true });
      setUser({ ...me, email: me.email || (stored && stored.id === me.id ? stored.email : undefined) });
      await reloadNetworks();
    } catch {
      setUser(null);
    }
  }, [reloadNetworks]);

  useEffect(() => {
    setUnauthenticatedHandler(() => {
      setUser(null);
      if (!PUBLIC.includes(location.pathname)) navigate('/login?next=' + encodeURIComponent(location.pathname));
    });
    start();
  }, [start]);

  const signOut = useCallback(async () => {
    await logout().catch(() => {});
    setUser(null);
    navigate('/login');
  }, []);

  const path = loc.split('?')[0];
  if (user === undefined) return <p class="loading" role="status">Loading…</p>;
  const app = { user, networks, networkId, setNetworkId, reloadNetworks, signOut, health, signedIn: start };
  if (!user || PUBLIC.includes(path)) {
    return (
      <AppContext.Provider value={app}>
        <main id="main" class="auth-main">
          {path === '/setup' ? <SetupPage /> : user ? <Redirect to="/" /> : path === '/login' ? <LoginPage /> : <Redirect to={'/login?next=' + encodeURIComponent(path)} />}
        </main>
      </AppContext.Provider>
    );
  }
  return (
    <AppContext.Provider value={app}>
      <Shell app={app}>
        <Page loc={loc} />
      </Shell>
    </AppContext.Provider>
  );
}

render(<App />, document.getElementById('app'));
