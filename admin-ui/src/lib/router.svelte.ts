// A tiny history-based router. App paths are relative to BASE ("/admin"):
// "/" is the dashboard, "/settings" the settings page, and so on.
export const BASE = '/admin';

export const route = $state({ path: '/', search: '' });

function read(): void {
  let p = location.pathname;
  if (p === BASE || p.startsWith(BASE + '/')) p = p.slice(BASE.length);
  p = p.replace(/\/+$/, '') || '/';
  route.path = p;
  route.search = location.search;
}

/** Current query parameters (reactive: reads route.search). */
export function params(): URLSearchParams {
  return new URLSearchParams(route.search);
}

/** Build a full URL for an app path, e.g. href('/settings') -> "/admin/settings". */
export function href(path: string, query?: Record<string, string | null | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v) qs.set(k, v);
  const q = qs.toString();
  const p = path === '/' ? '/' : path;
  return `${BASE}${p}${q ? `?${q}` : ''}`;
}

/** Navigate to an app path (or a full /admin/... URL). */
export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const url = to.startsWith(BASE + '/') || to === BASE ? to : BASE + (to.startsWith('/') ? to : '/' + to);
  if (url === location.pathname + location.search) return;
  if (opts.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  read();
  if (!opts.replace) window.scrollTo(0, 0);
}

/** Set (or remove) one query parameter in place, keeping the path. */
export function setParam(key: string, value: string | null): void {
  const qs = new URLSearchParams(location.search);
  if (value) qs.set(key, value);
  else qs.delete(key);
  const q = qs.toString();
  history.replaceState(null, '', location.pathname + (q ? `?${q}` : ''));
  read();
}

function onClick(e: MouseEvent): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element | null)?.closest?.('a');
  if (!a || a.target || a.hasAttribute('download') || a.origin !== location.origin) return;
  if (a.pathname !== BASE && !a.pathname.startsWith(BASE + '/')) return;
  e.preventDefault();
  navigate(a.pathname + a.search);
}

/** Start listening to history and link clicks. Returns a cleanup function. */
export function startRouter(): () => void {
  read();
  window.addEventListener('popstate', read);
  document.addEventListener('click', onClick);
  return () => {
    window.removeEventListener('popstate', read);
    document.removeEventListener('click', onClick);
  };
}
