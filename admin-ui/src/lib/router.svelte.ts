// A tiny history-based router. App paths are relative to BASE ("/admin"):
// "/" is the dashboard, "/settings" the settings page, and so on.
export const BASE = '/admin';

export const route = $state({ path: '/', search: '' });

/**
 * Asked before the app moves to `to` (null: the view changes in place, as New
 * does): a question for confirm() when leaving would lose work, else null.
 */
export type LeaveGuard = (to: URL | null) => string | null;
const guards = new Set<LeaveGuard>();
/** The URL shown, to put back when a back/forward move is refused. */
let shown = '';

/** Registers a guard while an editor is open; returns its removal. */
export function guardLeaving(guard: LeaveGuard): () => void {
  guards.add(guard);
  return () => void guards.delete(guard);
}

/** Whether the app may move to `to`: every guard with a question is confirmed (Cancel stays). */
export function confirmLeave(to: URL | null): boolean {
  for (const guard of guards) {
    const question = guard(to);
    if (question && !confirm(question)) return false;
  }
  return true;
}

function read(): void {
  let p = location.pathname;
  if (p === BASE || p.startsWith(BASE + '/')) p = p.slice(BASE.length);
  p = p.replace(/\/+$/, '') || '/';
  route.path = p;
  route.search = location.search;
  shown = location.pathname + location.search;
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

/**
 * Navigate to an app path (or a full /admin/... URL). A move the user makes
 * (not a `replace`, which redirects) is first put to the leave guards.
 */
export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const url = to.startsWith(BASE + '/') || to === BASE ? to : BASE + (to.startsWith('/') ? to : '/' + to);
  if (url === location.pathname + location.search) return;
  if (!opts.replace && !confirmLeave(new URL(url, location.origin))) return;
  if (opts.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  read();
  if (!opts.replace) window.scrollTo(0, 0);
}

/** Set (or remove) one query parameter in place, keeping the path; false when a leave guard kept the page. */
export function setParam(key: string, value: string | null): boolean {
  const qs = new URLSearchParams(location.search);
  if (value) qs.set(key, value);
  else qs.delete(key);
  const q = qs.toString();
  const url = location.pathname + (q ? `?${q}` : '');
  if (url !== location.pathname + location.search && !confirmLeave(new URL(url, location.origin))) return false;
  history.replaceState(null, '', url);
  read();
  return true;
}

/** Back or forward: a refused move puts the URL shown back. */
function onPopState(): void {
  if (confirmLeave(new URL(location.href))) return read();
  history.pushState(null, '', shown);
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
  window.addEventListener('popstate', onPopState);
  document.addEventListener('click', onClick);
  return () => {
    window.removeEventListener('popstate', onPopState);
    document.removeEventListener('click', onClick);
  };
}
