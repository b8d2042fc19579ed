// "Send" from the router editor: the test environment to call, whether it
// serves the router as edited, and the API console's address pre-filled
// with it (pages/api/ConsolePanel picks `?router=`).
import { query } from '../graphql/client';
import { toUiErrors, type UiError } from '../graphql/errors';
import { href } from '../router.svelte';
import { envs } from '../stores/environments.svelte';
import type { RouterDef } from '../workspace';
import { BuilderEnvironmentQuery } from './operations';
import { canonical } from './templateText';

/** The environment Send calls: the selected one when it is a test environment, else the first test one. */
export function testEnvironment(selected: string | null): { slug: string; name: string } | null {
  const tests = envs.list.filter((e) => e.kind === 'TEST');
  return tests.find((e) => e.slug === selected) ?? tests[0] ?? null;
}

export interface ServedState {
  revision: number | null;
  /** The router as the environment serves it; null when it serves none of that name. */
  served: RouterDef | null;
  variables: Record<string, unknown> | null;
}

export async function servedState(slug: string, name: string): Promise<{ state: ServedState | null; errors: UiError[] }> {
  const res = await query(BuilderEnvironmentQuery, { slug });
  const env = res.data?.environment;
  if (!env) return { state: null, errors: toUiErrors(res.error) };
  const served = env.servedWorkspace?.routers.find((r) => r.name === name)?.definition as RouterDef | undefined;
  const variables = env.variables && typeof env.variables === 'object' ? (env.variables as Record<string, unknown>) : null;
  return { state: { revision: env.servedRevision ?? null, served: served ?? null, variables }, errors: [] };
}

/** Whether the environment serves `saved` as it is. */
export function servesAsSaved(state: ServedState, saved: RouterDef | null): boolean {
  return !!saved && !!state.served && canonical(saved) === canonical(state.served);
}

export function consoleHref(slug: string, router: string): string {
  return href('/api', { env: slug, tab: 'console', router });
}
