// The step kinds of a router's pipeline (server/src/workspace/document.rs):
// what each is for, the fields its card edits, and a new step of each kind.
import type { Json } from './templateText';

export const STEP_KINDS = ['list', 'get', 'insert', 'update', 'delete', 'count', 'set', 'check', 'script', 'respond', 'watch'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export const KIND_HINTS: Record<StepKind, string> = {
  list: 'Rows of a table, filtered and sorted, a page at a time',
  get: 'One row by id (404 when missing)',
  insert: 'A new row',
  update: 'Changes columns of a row by id',
  delete: 'Deletes a row by id',
  count: 'How many rows match a filter',
  set: 'A value for later steps (vars.<name>)',
  check: 'Fails the request unless a condition holds',
  script: 'A Rhai script; its last expression is the result',
  respond: 'The answer: status, headers and body',
  watch: "A GET router's only step: streams the table's changes as Server-Sent Events",
};

/** What a watch router does, said on its card. */
export const WATCH_EXPLAINED =
  "Streams the table's changes as Server-Sent Events; the router's access and owner-only rules are checked for each event.";

/** The fields each kind's form shows: a problem below another one is shown on the card itself. */
export const KIND_FIELDS: Record<StepKind, string[]> = {
  list: ['table', 'where', 'orderBy', 'limit', 'after', 'offset'],
  get: ['table', 'id'],
  insert: ['table', 'values'],
  update: ['table', 'id', 'values', 'partial'],
  delete: ['table', 'id'],
  count: ['table', 'where'],
  set: ['name', 'value'],
  check: ['condition', 'status', 'message'],
  script: ['code'],
  respond: ['status', 'headers', 'body'],
  watch: ['table', 'where'],
};

export const TABLE_KINDS: StepKind[] = ['list', 'get', 'insert', 'update', 'delete', 'count', 'watch'];

/** A watch router: its steps are one watch (what the server requires of a router with a watch, with GET). */
export function isWatchRouter(steps: unknown): boolean {
  return Array.isArray(steps) && steps.some((s) => kindOf(s) === 'watch');
}

/** The action key of a step (its one key besides `as` and `if`), or null when it has none known. */
export function kindOf(step: unknown): StepKind | null {
  if (!step || typeof step !== 'object') return null;
  return (Object.keys(step).find((k) => (STEP_KINDS as readonly string[]).includes(k)) as StepKind | undefined) ?? null;
}

/** A name for a new step's result that no other step uses: `post`, `post2`… */
export function freshName(base: string, steps: unknown[]): string {
  const taken = new Set(steps.map((s) => (s as Json)?.as).filter(Boolean));
  if (!taken.has(base)) return base;
  let i = 2;
  while (taken.has(`${base}${i}`)) i++;
  return `${base}${i}`;
}

/** The singular of a table name, to name a step's row: `posts` → `post`. */
function singular(table: string): string {
  return table.endsWith('s') && table.length > 1 ? table.slice(0, -1) : table;
}

export interface NewStepContext {
  table: string;
  steps: unknown[];
  /** Path params of the router (`id` of `/posts/{id}`). */
  params: string[];
  /** The last step's `as`, for a respond step's body. */
  lastName: string | null;
  /** The router's method: a PATCH's update writes only the fields the request sent. */
  method?: string;
}

/** A new step of `kind`, filled with what the router most likely wants. */
export function newStep(kind: StepKind, c: NewStepContext): Json {
  const id = c.params.includes('id') ? '${request.params.id}' : c.params[0] ? `\${request.params.${c.params[0]}}` : '';
  const row = singular(c.table || 'row');
  switch (kind) {
    case 'list':
      return { as: freshName(c.table || 'rows', c.steps), list: { table: c.table } };
    case 'get':
      return { as: freshName(row, c.steps), get: { table: c.table, id } };
    case 'insert':
      return { as: freshName(row, c.steps), insert: { table: c.table, values: {} } };
    case 'update':
      return { as: freshName(row, c.steps), update: { table: c.table, id, values: {}, ...(c.method === 'PATCH' ? { partial: true } : {}) } };
    case 'delete':
      return { delete: { table: c.table, id } };
    case 'count':
      return { as: freshName('count', c.steps), count: { table: c.table } };
    case 'set':
      return { set: { name: freshName('value', c.steps), value: '' } };
    case 'check':
      return { check: { condition: 'caller != null', status: 403, message: 'not allowed' } };
    case 'script':
      return { as: freshName('result', c.steps), script: { code: '// The last expression is the result.\n#{ ok: true }' } };
    case 'respond':
      return { respond: { status: 200, ...(c.lastName ? { body: `\${steps.${c.lastName}}` } : {}) } };
    case 'watch':
      return { watch: { table: c.table } };
  }
}
