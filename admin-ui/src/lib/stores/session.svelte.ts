// Who is signed in, and whether the server still needs its first owner.
import type { AdminFieldsFragment } from '../../generated/graphql';
import { query, mutate, resetSubscriptions, setUnauthenticatedHandler } from '../graphql/client';
import { LogoutMutation, SetupRequiredQuery, ViewerQuery } from '../graphql/operations/session';
import { toUiError } from '../graphql/errors';
import { navigate, route } from '../router.svelte';

type Status = 'loading' | 'setup' | 'anonymous' | 'signedIn' | 'error';

export const session = $state<{
  status: Status;
  viewer: AdminFieldsFragment | null;
  error: string | null;
}>({ status: 'loading', viewer: null, error: null });

function toLogin(): void {
  const next = route.path !== '/' && route.path !== '/login' && route.path !== '/setup'
    ? route.path + route.search
    : '';
  session.viewer = null;
  session.status = 'anonymous';
  navigate('/login' + (next ? `?next=${encodeURIComponent(next)}` : ''), { replace: true });
}

/** Decide between setup, login and the app. Called once at start. */
export async function bootstrap(): Promise<void> {
  setUnauthenticatedHandler(() => {
    if (session.status === 'signedIn') toLogin();
  });
  session.status = 'loading';
  const setup = await query(SetupRequiredQuery, {});
  if (setup.error) {
    session.status = 'error';
    session.error = toUiError(setup.error)?.message ?? 'Unknown error';
    return;
  }
  if (setup.data?.setupRequired) {
    session.status = 'setup';
    if (route.path !== '/setup') navigate('/setup', { replace: true });
    return;
  }
  const res = await query(ViewerQuery, {});
  if (res.data?.viewer) {
    signedIn(res.data.viewer, false);
    if (route.path === '/login' || route.path === '/setup') navigate('/', { replace: true });
    return;
  }
  const err = toUiError(res.error);
  if (err && err.code !== 'UNAUTHENTICATED') {
    session.status = 'error';
    session.error = err.message;
    return;
  }
  if (route.path !== '/login') toLogin();
  else session.status = 'anonymous';
}

/** After login/setup: remember the admin and reconnect subscriptions. */
export function signedIn(admin: AdminFieldsFragment, reconnect = true): void {
  if (reconnect) resetSubscriptions();
  session.viewer = admin;
  session.status = 'signedIn';
  session.error = null;
}

export async function signOut(): Promise<void> {
  await mutate(LogoutMutation, {});
  resetSubscriptions();
  session.viewer = null;
  session.status = 'anonymous';
  navigate('/login', { replace: true });
}
