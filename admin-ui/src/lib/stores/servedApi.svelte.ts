// What each environment serves (routers and tables of its served revision),
// from `openApi(environment)`, asked once per revision and shared by the
// dashboard, the Tests page and the API console.
import { query } from '../graphql/client';
import { toUiErrors, type UiError } from '../graphql/errors';
import { OpenApiQuery } from '../graphql/operations/testing';
import { parseOpenApi, type ServedApi } from '../servedApi';

interface Entry {
  revision: number;
  api: ServedApi | null;
  errors: UiError[];
}

export const served = $state<{ bySlug: Record<string, Entry> }>({ bySlug: {} });

const asked = new Map<string, number>();

/** Loads `slug`'s served API unless it is known (or being asked) for `revision`. */
export async function loadServedApi(slug: string, revision: number): Promise<void> {
  if (asked.get(slug) === revision) return;
  asked.set(slug, revision);
  const res = await query(OpenApiQuery, { environment: slug });
  if (asked.get(slug) !== revision) return;
  const errors = toUiErrors(res.error);
  if (errors.length) asked.delete(slug); // asked again next time
  served.bySlug[slug] = { revision, api: res.data ? parseOpenApi(res.data.openApi) : null, errors };
}

/** The served API of `slug` at `revision`, when loaded. */
export function servedApiOf(slug: string, revision: number | null): ServedApi | null {
  const e = served.bySlug[slug];
  return e && revision != null && e.revision === revision ? e.api : null;
}

export function servedApiErrors(slug: string): UiError[] {
  return served.bySlug[slug]?.errors ?? [];
}
