// The API console's request as its form holds it (JSON parts as text), filled
// from a served router's input schemas, and turned into `ApiTestRequest`.
import type { ApiTestRequest } from '../../generated/graphql';
import { exampleOf } from '../../lib/jsonExample';
import { jsonError } from '../../lib/jsonLocate';
import type { ServedRouter } from '../../lib/servedApi';
import type { RouterDef } from '../../lib/workspace';

export type CallerKind = 'anonymous' | 'user' | 'group';
export type JsonPart = 'query' | 'headers' | 'body';

export interface ConsoleDraft {
  router: string;
  method: string;
  /** The path template, `/posts/{id}`: its `{params}` are filled from `params`. */
  path: string;
  params: Record<string, string>;
  query: string;
  headers: string;
  body: string;
  caller: CallerKind;
  email: string;
  group: string;
}

export const BODY_METHODS = ['POST', 'PUT', 'PATCH'];

export function emptyDraft(): ConsoleDraft {
  return { router: '', method: 'GET', path: '/', params: {}, query: '{}', headers: '{}', body: '', caller: 'anonymous', email: '', group: '' };
}

/** The names of a template's `{params}`, in order. */
export function pathParams(template: string): string[] {
  return [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
}

/** The path with its params filled in (URL-encoded); an empty param stays `{name}`. */
export function fillPath(template: string, params: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (whole, name: string) => (params[name]?.trim() ? encodeURIComponent(params[name].trim()) : whole));
}

const pretty = (v: unknown) => JSON.stringify(v, null, 2);

/** The caller a router's access rule admits: anonymous, a member of its first group, else of any group. */
function callerFor(def: RouterDef | null, router: ServedRouter, groups: string[]): Pick<ConsoleDraft, 'caller' | 'group'> {
  const allow = def?.access.allow;
  if (allow && typeof allow === 'object' && allow.groups[0]) return { caller: 'group', group: allow.groups[0] };
  if ((allow === 'signedIn' || (!def && router.secured)) && groups[0]) return { caller: 'group', group: groups[0] };
  if (allow === 'signedIn' || (!def && router.secured)) return { caller: 'user', group: '' };
  return { caller: 'anonymous', group: '' };
}

/** A draft for `router`: its method and path, example params, query and body; the caller kept unless the rule needs one. */
export function draftFor(router: ServedRouter, def: RouterDef | null, groups: string[], prev: ConsoleDraft): ConsoleDraft {
  const params = Object.fromEntries(router.params.map((p) => [p.name, String(exampleOf(p.schema) ?? 1)]));
  const query = Object.fromEntries(router.query.filter((q) => q.required).map((q) => [q.name, exampleOf(q.schema)]));
  const who = callerFor(def, router, groups);
  return {
    ...prev,
    router: router.name,
    method: router.method,
    path: router.path,
    params,
    query: pretty(query),
    body: router.body && BODY_METHODS.includes(router.method) ? pretty(exampleOf(router.body)) : '',
    ...who,
    group: who.group || prev.group,
  };
}

export interface DraftProblem {
  part: JsonPart | 'path' | 'caller';
  message: string;
  line: number | null;
}

/** The request to send, or what stops it. */
export function toRequest(d: ConsoleDraft): { request: ApiTestRequest; problems: [] } | { request: null; problems: DraftProblem[] } {
  const problems: DraftProblem[] = [];
  const values: Partial<Record<JsonPart, unknown>> = {};
  for (const part of ['query', 'headers', 'body'] as const) {
    const text = d[part].trim();
    if (!text) continue;
    const err = jsonError(text);
    if (err) problems.push({ part, ...err });
    else values[part] = JSON.parse(text);
    if (!err && part !== 'body' && (typeof values[part] !== 'object' || values[part] === null || Array.isArray(values[part]))) {
      problems.push({ part, message: 'a JSON object', line: null });
    }
  }
  const path = fillPath(d.path.trim(), d.params);
  if (!path.startsWith('/')) problems.push({ part: 'path', message: 'a path under the environment, starting with /', line: null });
  const missing = pathParams(path);
  if (missing.length) problems.push({ part: 'path', message: `fill in ${missing.map((m) => `{${m}}`).join(', ')}`, line: null });
  if (d.caller === 'user' && !d.email.trim()) problems.push({ part: 'caller', message: 'the end user’s email', line: null });
  if (d.caller === 'group' && !d.group) problems.push({ part: 'caller', message: 'a group', line: null });
  if (problems.length) return { request: null, problems };
  const actAs =
    d.caller === 'user' ? { userEmail: d.email.trim() } : d.caller === 'group' ? { group: d.group } : { anonymous: true };
  const request: ApiTestRequest = { method: d.method, path, actAs };
  if (values.query && Object.keys(values.query).length) request.query = values.query;
  if (values.headers && Object.keys(values.headers).length) request.headers = values.headers;
  if (values.body !== undefined) request.body = values.body;
  return { request, problems: [] };
}

/** A name for a saved case: `getPost: GET /posts/1 as editors`. */
export function suggestName(routerName: string | null, request: ApiTestRequest): string {
  const who = request.actAs?.group ? ` as ${request.actAs.group}` : request.actAs?.userEmail ? ` as ${request.actAs.userEmail}` : '';
  return `${routerName ?? 'console'}: ${request.method} ${request.path}${who}`;
}
