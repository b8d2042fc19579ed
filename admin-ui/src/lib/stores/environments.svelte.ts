// The environments list shared by the switcher, the dashboard and settings.
// Kept live through the environmentEvents subscription while the shell is open.
import type { EnvironmentFieldsFragment } from '../../generated/graphql';
import { client, query, setWsStatusHandler } from '../graphql/client';
import { EnvironmentEventsSubscription, EnvironmentsQuery } from '../graphql/operations/environments';
import { toUiError } from '../graphql/errors';
import { params, setParam } from '../router.svelte';

export type Environment = EnvironmentFieldsFragment;

const STORAGE_KEY = 'serverkit.admin.env';

export const envs = $state<{
  list: Environment[];
  loaded: boolean;
  error: string | null;
  live: boolean;
}>({ list: [], loaded: false, error: null, live: false });

export async function loadEnvironments(): Promise<void> {
  const res = await query(EnvironmentsQuery, {});
  if (res.data) {
    envs.list = res.data.environments;
    envs.error = null;
  } else {
    envs.error = toUiError(res.error)?.message ?? 'Could not load environments';
  }
  envs.loaded = true;
}

export function upsertEnvironment(env: Environment): void {
  const i = envs.list.findIndex((e) => e.slug === env.slug || e.id === env.id);
  if (i >= 0) envs.list[i] = env;
  else envs.list.push(env);
}

export function removeEnvironment(slug: string): void {
  const i = envs.list.findIndex((e) => e.slug === slug);
  if (i >= 0) envs.list.splice(i, 1);
}

/** Subscribe to environment changes made anywhere. Returns the unsubscribe. */
export function watchEnvironments(): () => void {
  setWsStatusHandler((up) => (envs.live = up));
  const sub = client.subscription(EnvironmentEventsSubscription, {}).subscribe((res) => {
    const ev = res.data?.environmentEvents;
    if (!ev) return;
    if (ev.kind === 'DELETED' || !ev.environment) removeEnvironment(ev.slug);
    else upsertEnvironment(ev.environment);
  });
  return () => {
    sub.unsubscribe();
    setWsStatusHandler(null);
    envs.live = false;
  };
}

function stored(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/** The selected environment's slug: ?env=, else the last choice, else the first test env. */
export function selectedSlug(): string | null {
  const has = (s: string | null) => !!s && envs.list.some((e) => e.slug === s);
  const fromUrl = params().get('env');
  if (has(fromUrl) || (fromUrl && !envs.loaded)) return fromUrl;
  const last = stored();
  if (has(last)) return last;
  return (envs.list.find((e) => e.kind === 'TEST') ?? envs.list[0])?.slug ?? null;
}

export function selectedEnvironment(): Environment | null {
  const slug = selectedSlug();
  return envs.list.find((e) => e.slug === slug) ?? null;
}

export function selectEnvironment(slug: string): void {
  try {
    localStorage.setItem(STORAGE_KEY, slug);
  } catch {
    /* private mode: the URL still carries the choice */
  }
  setParam('env', slug);
}
