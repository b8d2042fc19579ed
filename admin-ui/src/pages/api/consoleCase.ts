// "Save as test case": the console's request and the answer it already got,
// made into a written case without sending anything again. Ids in the path,
// query or body that a fixture row has become references to it
// (`${fixtures.posts[0].id}`), so the case reads the same row in a run's
// sandbox; the others stay as written, and the notes say which and why.
import type { ApiTestRequest } from '../../generated/graphql';
import type { ServedRouter } from '../../lib/servedApi';
import type { RouterDef, TableDef } from '../../lib/workspace';
import { fixtureRows, type ActAsDef, type CaseDef, type CaseNote, type StepDef } from '../tests/cases';

/** Values that differ on every call: left out of an expectation taken from one answer (as the server's `as_case`). */
const VOLATILE = ['id', 'created_at', 'updated_at', 'owner', 'token'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

/** What of an answer a later run sees again: text and flags, not ids, times, counts or lists. */
export function stableSubset(value: unknown): unknown {
  if (isObj(value)) {
    const kept = Object.entries(value)
      .filter(([k]) => !VOLATILE.includes(k))
      .map(([k, v]) => [k, stableSubset(v)] as const)
      .filter(([, v]) => v !== undefined);
    return kept.length ? Object.fromEntries(kept) : undefined;
  }
  return typeof value === 'string' || typeof value === 'boolean' ? value : undefined;
}

/** The tables a router's steps read or write, with their actions (`{table, id, where, values}`). */
function actions(def: RouterDef | null): Obj[] {
  return (def?.steps ?? []).flatMap((s) =>
    isObj(s) ? Object.values(s).filter((a): a is Obj => isObj(a) && typeof a.table === 'string') : [],
  );
}

/** The table a path param names a row of: a step's `id` or `where` reads it, else the path segment before it is a table. */
function tableOfParam(def: RouterDef | null, template: string, param: string, tables: TableDef[]): string | null {
  const ref = `\${request.params.${param}}`;
  for (const a of actions(def)) {
    if (a.id === ref) return a.table as string;
    for (const [column, v] of Object.entries(isObj(a.where) ? a.where : {})) {
      if (v !== ref) continue;
      if (column === 'id') return a.table as string;
      const c = tables.find((t) => t.name === a.table)?.columns.find((x) => x.name === column);
      if (c?.type === 'relation' && c.table) return c.table;
    }
  }
  const segs = template.split('/');
  const before = segs[segs.indexOf(`{${param}}`) - 1];
  return tables.some((t) => t.name === before) ? before : null;
}

/** The table a body or query field holds an id of: a relation column of that name in a table the router uses (else in any). */
function tableOfField(def: RouterDef | null, field: string, tables: TableDef[]): string | null {
  const used = new Set(actions(def).map((a) => a.table as string));
  const pool = tables.some((t) => used.has(t.name)) ? tables.filter((t) => used.has(t.name)) : tables;
  for (const t of pool) {
    const c = t.columns.find((x) => x.name === field && x.type === 'relation');
    if (c?.table) return c.table;
  }
  return null;
}

const asId = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : null;
};
const ordinal = (n: number) => `${n}${n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th'}`;

export interface ConsoleCaseInput {
  name: string;
  /** The router that answered, and its served shape (path template). */
  router: string;
  served: ServedRouter | null;
  def: RouterDef | null;
  request: ApiTestRequest;
  status: number;
  body: unknown;
  tables: TableDef[];
  /** The workspace document (its top-level `fixtures`). */
  doc: Record<string, unknown> | null;
  environment: string;
}

/** The case the console's request and answer make, and the notes on how. */
export function caseFromConsole(input: ConsoleCaseInput): { def: CaseDef; notes: CaseNote[] } {
  const { request, tables, def } = input;
  const rows = fixtureRows(input.doc);
  const notes: CaseNote[] = [
    {
      kind: 'info',
      text: `Made from the request the console sent and the answer it got (${input.status}): nothing was sent again. Check it, then Save.`,
    },
  ];
  let referenced = false;
  // Rows load into the empty tables of a fresh sandbox in their order, so the i-th fixture row of a table gets id i.
  const reference = (id: number, table: string | null, where: string): string | null => {
    if (!table) {
      notes.push({ kind: 'literal', text: `${where}: ${id} kept as written: which table it is an id of is not known.` });
      return null;
    }
    const count = rows[table]?.length ?? 0;
    if (id > count) {
      notes.push({
        kind: 'literal',
        text: `${where}: ${id} kept as written: the fixtures have no ${table} row with id ${id} (they declare ${count}), so a run reads whatever row has that id in its sandbox.`,
      });
      return null;
    }
    referenced = true;
    const ref = `\${fixtures.${table}[${id - 1}].id}`;
    notes.push({ kind: 'reference', text: `${where}: ${id} → ${ref}, the ${ordinal(id)} ${table} row of the fixtures.` });
    return ref;
  };

  let path = request.path;
  const template = input.served?.path ?? null;
  if (template) {
    const want = template.split('/');
    const got = request.path.split('/');
    if (want.length === got.length) {
      path = want
        .map((seg, i) => {
          const m = /^\{(.+)\}$/.exec(seg);
          const id = m ? asId(decodeURIComponent(got[i])) : null;
          if (!m || id === null) return got[i];
          return reference(id, tableOfParam(def, template, m[1], tables), `{${m[1]}} in the path`) ?? got[i];
        })
        .join('/');
    }
  }
  const fields = (o: unknown, where: string): unknown => {
    if (!isObj(o)) return o;
    return Object.fromEntries(
      Object.entries(o).map(([k, v]) => {
        const id = asId(v);
        const table = id === null ? null : tableOfField(def, k, tables);
        return [k, id !== null && table ? (reference(id, table, `${where} ${k}`) ?? v) : v];
      }),
    );
  };

  const actAs: ActAsDef = request.actAs?.group ? { group: request.actAs.group } : request.actAs?.userEmail ? 'signedIn' : 'anonymous';
  if (request.actAs?.userEmail) {
    notes.push({
      kind: 'info',
      text: `The console called as ${request.actAs.userEmail}; the case calls as a signed-in fixture user (runs sign in users of their own).`,
    });
  }
  const expectBody = isObj(input.body) ? stableSubset(input.body) : undefined;
  if (expectBody !== undefined && referenced) {
    notes.push({
      kind: 'literal',
      text: `The expected body is what ${input.environment} answered from its own rows; a run reads the fixtures instead: check it.`,
    });
  }
  const step: StepDef = {
    as: 'call',
    method: request.method,
    path,
    ...(isObj(request.query) && Object.keys(request.query).length ? { query: fields(request.query, 'query') as Obj } : {}),
    ...(isObj(request.headers) && Object.keys(request.headers).length ? { headers: request.headers } : {}),
    ...(request.body !== undefined && request.body !== null ? { body: fields(request.body, 'body field') } : {}),
    expect: { status: input.status, ...(expectBody !== undefined ? { body: expectBody } : {}) },
  };
  return { def: { name: input.name, router: input.router, actAs, steps: [step] }, notes };
}
