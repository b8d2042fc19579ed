// What an expression may name at one step of a router: the request's params,
// query and body fields (from the input being edited), the caller, the
// environment's variables, `vars` set so far and the results of earlier steps
// (with the columns of the rows they return).
import type { RouterDef, TableDef } from '../workspace';
import { pathParamNames } from './schemaFields';
import { kindOf } from './stepKinds';
import { isObject, type Json } from './templateText';

export interface Candidate {
  path: string;
  detail: string;
}

function propsOf(schema: unknown): [string, string][] {
  if (!isObject(schema) || !isObject(schema.properties)) return [];
  return Object.entries(schema.properties).map(([name, p]) => {
    const t = isObject(p) ? (Array.isArray(p.type) ? p.type.join(' | ') : String(p.type ?? 'any')) : 'any';
    return [name, isObject(p) && p.format === 'binary' ? 'file' : t];
  });
}

function columnsOf(table: TableDef | undefined): Candidate[] {
  if (!table) return [];
  const system: Candidate[] = [
    { path: 'id', detail: 'integer' },
    { path: 'created_at', detail: 'datetime' },
    { path: 'updated_at', detail: 'datetime' },
    ...(table.owned ? [{ path: 'owner', detail: 'end user id' }] : []),
  ];
  return [...system, ...table.columns.map((c) => ({ path: c.name, detail: c.type }))];
}

/** The candidates for an expression in step `at` (steps.length for the router's end). */
export function candidatesFor(def: RouterDef, at: number, tables: TableDef[], envVars: Json | null): Candidate[] {
  const out: Candidate[] = [
    { path: 'request', detail: 'the request' },
    { path: 'request.method', detail: 'string' },
    { path: 'request.path', detail: 'string' },
    { path: 'request.headers', detail: 'object (lowercase names)' },
    { path: 'request.params', detail: 'path params' },
    { path: 'request.query', detail: 'query params' },
    { path: 'request.body', detail: 'the body' },
  ];
  const params = new Map(propsOf(def.input?.params));
  for (const p of pathParamNames(def.path ?? '')) if (!params.has(p)) params.set(p, 'string');
  for (const [name, t] of params) out.push({ path: `request.params.${name}`, detail: t });
  for (const [name, t] of propsOf(def.input?.query)) out.push({ path: `request.query.${name}`, detail: t });
  for (const [name, t] of propsOf(def.input?.body)) out.push({ path: `request.body.${name}`, detail: t });
  out.push(
    { path: 'caller', detail: 'the signed-in end user, or null' },
    { path: 'caller.id', detail: 'integer' },
    { path: 'caller.email', detail: 'string' },
    { path: 'caller.groups', detail: 'array of group names' },
    { path: 'env', detail: "the environment's variables" },
  );
  for (const [name, v] of Object.entries(envVars ?? {})) out.push({ path: `env.${name}`, detail: typeof v });
  const steps = Array.isArray(def.steps) ? def.steps.slice(0, at) : [];
  if (steps.some((s) => kindOf(s) === 'set')) out.push({ path: 'vars', detail: 'values of set steps' });
  for (const s of steps) {
    const step = s as Json;
    const kind = kindOf(step);
    const action = kind ? (step[kind] as Json) : null;
    if (kind === 'set' && isObject(action) && typeof action.name === 'string') out.push({ path: `vars.${action.name}`, detail: 'set' });
    if (typeof step.as !== 'string' || !kind) continue;
    const base = `steps.${step.as}`;
    const table = tables.find((t) => isObject(action) && t.name === action.table);
    if (kind === 'get' || kind === 'insert' || kind === 'update') {
      out.push({ path: base, detail: `a row of ${table?.name ?? 'a table'}` });
      for (const c of columnsOf(table)) out.push({ path: `${base}.${c.path}`, detail: c.detail });
    } else if (kind === 'list') {
      out.push({ path: base, detail: '{ items, nextCursor }' }, { path: `${base}.items`, detail: `rows of ${table?.name ?? 'a table'}` },
        { path: `${base}.nextCursor`, detail: 'string or null' });
    } else {
      out.push({ path: base, detail: kind === 'count' ? 'number' : kind === 'delete' ? 'null' : `${kind} result` });
    }
  }
  return out;
}

/** The dotted name being typed just before `cursor`, and where it starts; null outside an expression. */
export function tokenAt(text: string, cursor: number, template: boolean): { start: number; word: string } | null {
  const before = text.slice(0, cursor);
  if (template) {
    const open = before.lastIndexOf('${');
    if (open < 0 || before.indexOf('}', open) >= 0) return null;
  }
  const m = /[A-Za-z_][\w]*(?:\.[\w]*)*$/.exec(before);
  if (!m) return template && before.endsWith('${') ? { start: cursor, word: '' } : null;
  return { start: cursor - m[0].length, word: m[0] };
}

/** The candidates that continue `word`, the closest first. */
export function matching(candidates: Candidate[], word: string, max = 12): Candidate[] {
  const w = word.toLowerCase();
  const depth = word.split('.').length;
  return candidates
    .filter((c) => c.path.toLowerCase().startsWith(w) && c.path !== word)
    .sort((a, b) => Math.abs(a.path.split('.').length - depth) - Math.abs(b.path.split('.').length - depth))
    .slice(0, max);
}
