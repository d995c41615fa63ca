// A small history-API router: paths like /views/l3 or /hosts/<id>.
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set();

export function navigate(to, { replace = false } = {}) {
  if (to === location.pathname + location.search) return;
  (replace ? history.replaceState : history.pushState).call(history, null, '', to);
  listeners.forEach((l) => l());
}

addEventListener('popstate', () => listeners.forEach((l) => l()));

export function useLocation() {
  const [loc, setLoc] = useState(location.pathname + location.search);
  useEffect(() => {
    const l = () => setLoc(location.pathname + location.search);
    listeners.add(l);
    return () => listeners.delete(l);
  }, []);
  return loc;
}

// Link: an <a> that routes without a reload (and still works with a new tab).
export function Link({ href, children, ...rest }) {
  const onClick = (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={onClick} aria-current={location.pathname === href ? 'page' : undefined} {...rest}>
      {children}
    </a>
  );
}
