// The workspace document's shapes (server/src/workspace/document.rs) and helpers
// for locating validation problems (`routers.getPost.steps[0].get.table`).
import type { Problem } from './graphql/errors';

export const COLUMN_TYPES = ['text', 'integer', 'float', 'boolean', 'datetime', 'json', 'file', 'relation'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];
export const ON_DELETE = ['restrict', 'cascade', 'setNull'] as const;
export type OnDelete = (typeof ON_DELETE)[number];
export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type Method = (typeof METHODS)[number];
/** Columns every table has, managed by ServerKit (`owner` only on owned tables). */
export const SYSTEM_COLUMNS = ['id', 'created_at', 'updated_at', 'owner'];

export interface ColumnDef {
  name: string;
  type: ColumnType;
  required?: boolean;
  unique?: boolean;
  default?: unknown;
  min?: number;
  max?: number;
  table?: string;
  onDelete?: OnDelete;
}

export interface IndexDef {
  columns: string[];
  unique?: boolean;
}

export interface TableDef {
  name: string;
  description?: string;
  owned?: boolean;
  columns: ColumnDef[];
  indexes?: IndexDef[];
}

export type Allow = 'public' | 'signedIn' | { groups: string[] };

export interface RouterDef {
  name: string;
  description?: string;
  method: Method;
  path: string;
  access: { allow: Allow; ownerOnly?: boolean };
  input?: { params?: unknown; query?: unknown; body?: unknown };
  steps: unknown[];
}

export interface WorkspaceDoc {
  format: string;
  version: number;
  tables: TableDef[];
  groups: { name: string; description?: string }[];
  routers: RouterDef[];
  [key: string]: unknown;
}

/** A deep copy of a JSON value. */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** `list` with the item named `original` (or, failing that, `item.name`) replaced by `item`, else appended. */
export function replaceNamed<T extends { name: string }>(list: T[], item: T, original: string | null): T[] {
  const at = list.findIndex((x) => x.name === (original ?? item.name));
  const i = at >= 0 ? at : list.findIndex((x) => x.name === item.name);
  return i >= 0 ? list.map((x, j) => (j === i ? item : x)) : [...list, item];
}

/**
 * The part of `path` below a definition, or null when the problem is elsewhere.
 * `docPrefix` is the definition's place in the document (`routers.getPost`),
 * `partPrefix` the one the server uses for shape errors of a single definition
 * (`router`, as in `router.steps[1]`).
 */
export function relativePath(path: string, docPrefix: string, partPrefix: string): string | null {
  for (const prefix of [docPrefix, partPrefix]) {
    if (path === prefix) return '';
    if (path.startsWith(prefix + '.') || path.startsWith(prefix + '[')) {
      return path.slice(prefix.length).replace(/^\./, '');
    }
  }
  return null;
}

export interface LocatedProblem extends Problem {
  /** Path below the definition ('' for the definition itself). */
  rel: string;
}

/** Splits problems into this definition's (with relative paths) and the rest of the workspace's. */
export function splitProblems(
  problems: Problem[],
  docPrefix: string,
  partPrefix: string,
): { own: LocatedProblem[]; elsewhere: Problem[] } {
  const own: LocatedProblem[] = [];
  const elsewhere: Problem[] = [];
  for (const p of problems) {
    const rel = relativePath(p.path, docPrefix, partPrefix);
    if (rel === null) elsewhere.push(p);
    else own.push({ ...p, rel });
  }
  return { own, elsewhere };
}

/** Removes the last segment of a path: `a.b[2]` → `a.b`, `a.b` → `a`. */
export function parentPath(path: string): string {
  return path.replace(/(\.?[^.[]+|\[\d+\])$/, '');
}

/** A problem as the editors list it: where (below the definition), what, and a jump to the spot. */
export interface ProblemItem {
  path: string;
  message: string;
  where?: string | null;
  onpick?: (() => void) | null;
  /** A link to where the problem is (another page). */
  href?: string | null;
}
