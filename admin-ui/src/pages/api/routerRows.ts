// The API page's router rows: the served routers' figures (routerStats) with
// their access and settings as the environment serves them (its served
// definitions and router settings, never the workspace's newest revision);
// without monitoring, the served routers alone.
import type { Allow, RouterDef } from '../../lib/workspace';
import type { RouterStat } from '../../lib/series';

export interface RouterRow {
  router: string;
  method: string;
  route: string;
  /** A router of the served definitions (not a built-in endpoint nor `(unmatched)`). */
  isRouter: boolean;
  access: string;
  /** The environment's settings of the router that differ from the defaults, in words; '' for none. */
  settings: string;
  /** Switched off in this environment. */
  off: boolean;
  stat: RouterStat | null;
}

/** A router as the environment serves it. */
export interface ServedRouterDef {
  name: string;
  method: string;
  path: string;
  definition: unknown;
}

/** The environment's settings of a router (RouterSettings). */
export interface RouterSettingsLike {
  router: string;
  enabled: boolean;
  disabledStatus: number;
  rateLimitPerMinute?: number | null;
  groups?: string[] | null;
}

const UNMATCHED = '(unmatched)';
export const isBuiltin = (name: string): boolean => name === UNMATCHED || name.startsWith('auth/');

function allowLabel(allow: Allow): string {
  if (allow === 'public') return 'Public';
  if (allow === 'signedIn') return 'Signed in';
  return `Groups: ${allow.groups.join(', ') || 'none'}`;
}

/** Who may call it: the settings' groups (they replace the definition's rule), else the definition's rule. */
export function accessLabel(name: string, def: RouterDef | null, settings: RouterSettingsLike | null = null): string {
  if (name === UNMATCHED) return 'No route matched';
  if (name.startsWith('auth/')) return 'Built-in';
  if (!def?.access) return '—';
  const owner = def.access.ownerOnly ? ' · owner only' : '';
  if (settings?.groups?.length) return `Groups: ${settings.groups.join(', ')} (set here)${owner}`;
  return allowLabel(def.access.allow) + owner;
}

export function settingsLabel(s: RouterSettingsLike | null): string {
  if (!s) return '';
  const parts = [];
  if (!s.enabled) parts.push(`Off (answers ${s.disabledStatus})`);
  if (s.rateLimitPerMinute) parts.push(`${s.rateLimitPerMinute} / min`);
  return parts.join(' · ');
}

export function routerRows(stats: RouterStat[] | null, served: ServedRouterDef[], settings: RouterSettingsLike[] = []): RouterRow[] {
  const defs = new Map(served.map((r) => [r.name, r.definition as RouterDef]));
  const set = new Map(settings.map((s) => [s.router, s]));
  const extra = (name: string) => {
    const s = defs.has(name) ? (set.get(name) ?? null) : null;
    return { access: accessLabel(name, defs.get(name) ?? null, s), settings: settingsLabel(s), off: s ? !s.enabled : false };
  };
  if (!stats) {
    return served.map((r) => ({ router: r.name, method: r.method, route: r.path, isRouter: true, ...extra(r.name), stat: null }));
  }
  const rows = stats.map((s) => ({
    router: s.router, method: s.method, route: s.route, isRouter: !isBuiltin(s.router), ...extra(s.router), stat: s,
  }));
  // Routers first (by path), then the built-in endpoints, then (unmatched).
  const rank = (r: RouterRow) => (r.isRouter ? 0 : r.router === UNMATCHED ? 2 : 1);
  return rows.sort((a, b) => rank(a) - rank(b) || a.route.localeCompare(b.route) || a.method.localeCompare(b.method));
}
