// Test cases as the workspace document holds them (docs/workspace.md "Tests"),
// grouped by router for the Tests page, and the template a new case starts from.
import type { TestCasesQuery } from '../../generated/graphql';
import { exampleOf } from '../../lib/jsonExample';
import type { ServedRouter } from '../../lib/servedApi';
import type { RouterDef } from '../../lib/workspace';

export type ActAsDef = 'anonymous' | 'signedIn' | 'otherUser' | { group: string };

/** What a watch stream's events are called. */
export const EVENT_NAMES = ['insert', 'update', 'delete', 'resync'] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** An event a stream must deliver: its name, and a JSON subset (a template) its data must contain. */
export interface ExpectedEventDef {
  event: EventName;
  data?: unknown;
}

export interface StepExpectDef {
  status: number | string;
  body?: unknown;
  paths?: Record<string, unknown>;
  matchesSchema?: boolean;
  /** For a stream (a GET of a watch router): its first events, in order. */
  events?: ExpectedEventDef[];
}

export interface StepDef {
  as?: string;
  method: string;
  path: string;
  query?: Record<string, unknown>;
  headers?: Record<string, unknown>;
  body?: unknown;
  actAs?: ActAsDef;
  expect: StepExpectDef;
}

export interface CaseDef {
  name: string;
  router: string;
  generated?: boolean;
  actAs?: ActAsDef;
  steps: StepDef[];
}

export type ServedCase = TestCasesQuery['testCases'][number];

export const defOf = (c: ServedCase): CaseDef => c.definition as CaseDef;

export function actAsLabel(a: ActAsDef | undefined): string {
  if (!a || a === 'anonymous') return 'anonymous';
  if (a === 'signedIn') return 'a signed-in user';
  if (a === 'otherUser') return 'another signed-in user';
  return `a member of ${a.group}`;
}

export interface RouterGroup {
  router: string;
  /** Method and path of the served router (null when it is not served). */
  route: ServedRouter | null;
  cases: ServedCase[];
}

/**
 * Cases by router, in the served API's order (then by name for the others).
 * Every served router (and each of `also`) has a group, with no case if need be:
 * a router that got none is shown, not left out.
 */
export function groupByRouter(cases: ServedCase[], routers: ServedRouter[], also: string[] = []): RouterGroup[] {
  const by = new Map<string, ServedCase[]>([...routers.map((r) => r.name), ...also].map((name) => [name, []]));
  for (const c of cases) by.set(c.router, [...(by.get(c.router) ?? []), c]);
  const order = routers.map((r) => r.name);
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
  return [...by.keys()]
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((router) => ({ router, route: routers.find((r) => r.name === router) ?? null, cases: by.get(router) ?? [] }));
}

/** The definition as an editor shows it: without `generated` (saving makes it written). */
export function editable(def: CaseDef): CaseDef {
  const { generated: _generated, ...rest } = def;
  void _generated;
  return rest;
}

function actAsFor(def: RouterDef | null, secured: boolean): ActAsDef {
  const allow = def?.access.allow;
  if (allow && typeof allow === 'object') return allow.groups[0] ? { group: allow.groups[0] } : 'signedIn';
  if (allow === 'signedIn' || (!allow && secured)) return 'signedIn';
  return 'anonymous';
}

/** A path with its `{params}` filled from their schemas' examples: `/posts/{id}` → `/posts/1`. */
export function examplePath(router: ServedRouter): string {
  return router.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const p = router.params.find((x) => x.name === name);
    return encodeURIComponent(String(exampleOf(p?.schema) ?? 1));
  });
}

/** A new case of `router`: one request with an example input, as a caller its access rule admits, expecting a 2xx. */
export function caseTemplate(router: ServedRouter, def: RouterDef | null, taken: string[]): CaseDef {
  let name = `${router.name}: my case`;
  for (let i = 2; taken.includes(name); i++) name = `${router.name}: my case ${i}`;
  const query = Object.fromEntries(router.query.filter((q) => q.required).map((q) => [q.name, exampleOf(q.schema)]));
  const step: StepDef = {
    as: 'call',
    method: router.method,
    path: examplePath(router),
    ...(Object.keys(query).length ? { query } : {}),
    ...(router.body ? { body: exampleOf(router.body) } : {}),
    expect: { status: '2xx' },
  };
  return { name, router: router.name, actAs: actAsFor(def, router.secured), steps: [step] };
}

const stable = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : x,
  );

/** Written cases of the workspace that the served revision does not run as they are (yet). */
export function notServedYet(workspaceTests: CaseDef[], servedCases: ServedCase[]): { changed: string[]; removed: string[] } {
  const servedWritten = new Map(servedCases.filter((c) => !c.generated).map((c) => [c.name, stable(editable(defOf(c)))]));
  const changed = workspaceTests.filter((t) => servedWritten.get(t.name) !== stable(editable(t))).map((t) => t.name);
  const names = new Set(workspaceTests.map((t) => t.name));
  const removed = [...servedWritten.keys()].filter((n) => !names.has(n));
  return { changed, removed };
}

/** A remark shown above a case the editor was given (how it was made, what was kept as written). */
export interface CaseNote {
  kind: 'reference' | 'literal' | 'info';
  text: string;
}

/** The fixture rows per table the workspace declares (its top-level `fixtures.rows`). */
export function fixtureRows(doc: Record<string, unknown> | null): Record<string, unknown[]> {
  const rows = (doc?.fixtures as { rows?: unknown } | undefined)?.rows;
  if (!rows || typeof rows !== 'object') return {};
  return Object.fromEntries(Object.entries(rows as Record<string, unknown>).filter(([, v]) => Array.isArray(v))) as Record<string, unknown[]>;
}

/** `${fixtures.posts[0].id}`… for every fixture row (a few per table). */
export function fixtureRefs(doc: Record<string, unknown> | null, perTable = 5): string[] {
  return Object.entries(fixtureRows(doc)).flatMap(([table, rows]) =>
    rows.slice(0, perTable).map((_, i) => `\${fixtures.${table}[${i}].id}`),
  );
}
