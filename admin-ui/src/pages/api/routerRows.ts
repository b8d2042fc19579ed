// The API page's router rows: the served routers' figures (routerStats) with
// their access from the workspace; without monitoring, the workspace's routers.
import type { Allow, RouterDef } from '../../lib/workspace';
import type { RouterStat } from '../../lib/series';

export interface RouterRow {
  router: string;
  method: string;
  route: string;
  /** A router of the workspace (not a built-in endpoint nor `(unmatched)`). */
  isRouter: boolean;
  access: string;
  stat: RouterStat | null;
}

const UNMATCHED = '(unmatched)';
export const isBuiltin = (name: string): boolean => name === UNMATCHED || name.startsWith('auth/');

function allowLabel(allow: Allow): string {
  if (allow === 'public') return 'Public';
  if (allow === 'signedIn') return 'Signed in';
  return `Groups: ${allow.groups.join(', ') || 'none'}`;
}

export function accessLabel(name: string, def: RouterDef | null): string {
  if (name === UNMATCHED) return 'No route matched';
  if (name.startsWith('auth/')) return 'Built-in';
  if (!def?.access) return '—';
  return allowLabel(def.access.allow) + (def.access.ownerOnly ? ' · owner only' : '');
}

export function routerRows(
  stats: RouterStat[] | null,
  workspace: { name: string; method: string; path: string; definition: unknown }[],
): RouterRow[] {
  const defs = new Map(workspace.map((r) => [r.name, r.definition as RouterDef]));
  if (!stats) {
    return workspace.map((r) => ({
      router: r.name, method: r.method, route: r.path, isRouter: true, access: accessLabel(r.name, defs.get(r.name) ?? null), stat: null,
    }));
  }
  const rows = stats.map((s) => ({
    router: s.router, method: s.method, route: s.route, isRouter: !isBuiltin(s.router),
    access: accessLabel(s.router, defs.get(s.router) ?? null), stat: s,
  }));
  // Routers first (by path), then the built-in endpoints, then (unmatched).
  const rank = (r: RouterRow) => (r.isRouter ? 0 : r.router === UNMATCHED ? 2 : 1);
  return rows.sort((a, b) => rank(a) - rank(b) || a.route.localeCompare(b.route) || a.method.localeCompare(b.method));
}
