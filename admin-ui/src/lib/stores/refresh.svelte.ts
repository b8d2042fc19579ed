// What each environment serves since the last refresh this page saw: the
// result of our own refreshes and, live through refreshEvents, everyone's.
import type { MigrationChangeFieldsFragment } from '../../generated/graphql';
import { client } from '../graphql/client';
import { RefreshEventsSubscription } from '../graphql/operations/refresh';
import { toast } from './toast.svelte';

export type MigrationChange = MigrationChangeFieldsFragment;

export interface Served {
  revision: number;
  routersServed: number;
  at: string;
}

export const serving = $state<{ bySlug: Record<string, Served>; lastError: Record<string, string> }>({
  bySlug: {},
  lastError: {},
});

/** Our own refreshes: in flight, or just finished (their events need no toast). */
const inFlight = new Set<string>();
const finished = new Map<string, { revision: number | null; until: number }>();

export function beginOwnRefresh(slug: string): void {
  inFlight.add(slug);
}

/** `revision` served, or null when it failed. */
export function endOwnRefresh(slug: string, revision: number | null): void {
  inFlight.delete(slug);
  finished.set(slug, { revision, until: Date.now() + 10_000 });
}

function isOwn(slug: string, ok: boolean, revision: number | null): boolean {
  if (inFlight.has(slug)) return true;
  const f = finished.get(slug);
  if (!f || f.until < Date.now()) return false;
  return ok ? f.revision === revision : f.revision === null;
}

export function recordServed(slug: string, revision: number, routersServed: number): void {
  serving.bySlug[slug] = { revision, routersServed, at: new Date().toISOString() };
  delete serving.lastError[slug];
}

/** Subscribe to every refresh, by anyone. Returns the unsubscribe. */
export function watchRefreshes(): () => void {
  const sub = client.subscription(RefreshEventsSubscription, {}).subscribe((res) => {
    const ev = res.data?.refreshEvents;
    if (!ev) return;
    const mine = isOwn(ev.environment, ev.ok, ev.revision);
    if (ev.ok && ev.revision !== null) {
      recordServed(ev.environment, ev.revision, ev.routersServed);
      if (!mine) toast(`${ev.environment} refreshed elsewhere: now serving revision ${ev.revision}`, 'info', 6000);
    } else {
      serving.lastError[ev.environment] = ev.error ?? 'refresh failed';
      if (!mine) toast(`A refresh of ${ev.environment} failed: ${ev.error ?? 'unknown error'}`, 'error', 6000);
    }
  });
  return () => sub.unsubscribe();
}

/** The revision `env` serves: the newest refresh seen here, else what the environment said. */
export function servedRevisionOf(env: { slug: string; servedRevision: number | null }): number | null {
  return serving.bySlug[env.slug]?.revision ?? env.servedRevision;
}

/** When `env`'s served revision was applied (a refresh seen here, else the environment's `servedAt`). */
export function servedAtOf(env: { slug: string; servedAt: string | null }): string | null {
  return serving.bySlug[env.slug]?.at ?? env.servedAt;
}
